"""Views that recompute a teacher's rows whole, and whose sums the database keeps.

The standing and activity views keep, per teacher, rows computed from the facts they hold
of the teacher (intervals, counted certificates), and sums over those rows per group and
date (steps, pairs) that answer a period or a date in a few hundred rows. The sums are
always what the database computes from the per-teacher rows: when a teacher's rows are
replaced, the new rows are written beside the old (numbered below zero: each rows table
is keyed by (teacher_id, n)), one INSERT ... SELECT adds the new rows' sums less the old
ones' (`NET`: most of a teacher's sums do not change, and are not written), and the old
rows make way for the new (`Summing.flush`). Taking the old sums away and adding the new
in two statements wrote every sum of the teachers twice: eager batches of 40 events
rebuilt the standing view at half the speed of the Python sums this replaced.

A batch touching few teachers recomputes them at once; one touching many (a rebuild, a
long catch-up, a policy version) only marks them in the view's `dirty` table, and
`settle` recomputes them a chunk per transaction at the end of the catch-up, each teacher
once. A settle of many (at least `bulk_teachers`, and a `bulk_share`th of all) writes the
per-teacher rows only and computes every sum once at its end: summing each chunk into the
same month and year rows again cost most of a rebuild. Meanwhile the mark `STALE` (a row
of the dirty table) says the sums wait; a read sees marks and answers from the scan, and
a settle that takes over after a crash finishes the work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking

from registry.projections.base import PositionMovedError, ViewRecorder
from registry.projections.rows import Batch, Reader
from registry.storage import Cursor, Database
from registry.storage.tables import Table

STALE = ""  # a row of a dirty table: the sums are to be computed anew from the rows
NET = "CASE WHEN n < 0 THEN 1 ELSE -1 END"  # a sum's sign: a new row's added, an old one's not


def insert_sums(
    cur: Cursor, table: Table, select: str, params: Sequence[Any], *, upsert: bool, naught: str
) -> None:
    """Write the sums that `select` gives into `table`: added to those already there
    (`upsert`, when only some rows' sums are given), then the sums that came to nothing
    (`naught`, a condition) deleted; without `upsert`, into an emptied table (a plain
    INSERT took 2.6 s where the upsert took 3.6 at 5,000 teachers on PostgreSQL)."""
    conflict = table.conflict_clause() if upsert else ""
    cur.execute(f"INSERT INTO {table.name} ({', '.join(table.names)}) {select} {conflict}", params)
    if upsert:
        cur.execute(f"DELETE FROM {table.name} WHERE {naught}")


class Summing(Batch):
    """A batch of a `Settling` view that replaces teachers' rows (with their sums, unless
    they wait to be computed anew) and deletes settled marks."""

    def __init__(self, read: Reader, view: Settling, *, keep_sums: bool = True):
        super().__init__(read, view.tables)
        assert view.rows_table.key == ("teacher_id", "n"), "rows are numbered per teacher"
        self.rows_table, self.add_sums, self.dirty = view.rows_table, view.add_sums, view.dirty
        self.keep_sums = keep_sums
        self.replaced: list[str] = []  # teachers whose rows are replaced
        self.rows: list[tuple] = []  # their new rows, every column in order
        self.settled: list[str] = []

    def flush(self, cur: Cursor) -> int:
        written = super().flush(cur)
        if self.replaced:
            table = self.rows_table.name
            whose, params = cur.db.in_condition("teacher_id", self.replaced)
            if self.keep_sums:
                # The new rows beside the old, numbered -1, -2, ...; their sums less the
                # old ones'; then the old rows go and the new take their numbers.
                cur.write_rows(self.rows_table, [(r[0], -1 - r[1], *r[2:]) for r in self.rows])
                self.add_sums(cur, whose, params, NET)
                cur.execute(f"DELETE FROM {table} WHERE {whose} AND n >= 0", params)
                cur.execute(f"UPDATE {table} SET n = -1 - n WHERE {whose}", params)
            else:
                cur.execute(f"DELETE FROM {table} WHERE {whose}", params)
                cur.write_rows(self.rows_table, self.rows)
            written += len(self.rows)
        if self.settled:
            cur.executemany(
                f"DELETE FROM {self.dirty} WHERE teacher_id = ?", [(t,) for t in self.settled]
            )
        self.replaced, self.rows, self.settled = [], [], []
        return written


class Settling:
    """`settle` for a view with a dirty table of marked teachers (see the module)."""

    tables: ClassVar[tuple[Table, ...]]  # the view's tables (`View.tables`)
    rows_table: ClassVar[Table]  # the per-teacher rows, keyed by (teacher_id, n)
    dirty: ClassVar[str]  # the table of marked teachers (teacher_id, since)
    facts_table: ClassVar[str]  # the table of the teachers' facts (one row each)
    sums: ClassVar[tuple[Table, ...]]  # the tables of sums
    dimensions: ClassVar[tuple[str, ...]]  # the sums' dimensions (`dim`), each summed apart
    # add_sums(cur, where, params, sign, dimensions=all): add the sums of the rows meeting
    # `where` (its parameters), each row's signed by the SQL expression `sign` ("1", or
    # `NET`); without a condition, to tables without those dimensions' sums.
    add_sums: ClassVar[Callable[..., None]]
    batch_class: ClassVar[type[Summing]] = Summing
    bulk_teachers = 2000
    bulk_share = 4
    settle_chunk = 2000
    view: ViewRecorder

    def new_batch(self, read: Reader, *, keep_sums: bool = True) -> Summing:
        return self.batch_class(read, self, keep_sums=keep_sums)

    def recompute(self, batch: Summing, teacher_ids: list[str], read: Reader) -> None:
        """New rows for these teachers (from the facts in the batch), settled."""
        raise NotImplementedError

    def put_facts(self, batch: Batch, teacher_id: str, facts: dict) -> None:
        """Keep a teacher's facts (one JSON row each) for the next batch and the settle."""
        batch[self.facts_table].put(
            {"teacher_id": teacher_id, "facts": json.dumps(facts, separators=(",", ":"))}
        )

    def mark(self, batch: Batch, teacher_ids: Iterable[str], position: int) -> None:
        """Leave these teachers to `settle` (a batch touching too many to recompute)."""
        for teacher_id in teacher_ids:
            batch[self.dirty].put({"teacher_id": teacher_id, "since": position})

    def settle(self, db: Database, application_name: str) -> int:
        """Recompute the marked teachers, a chunk per transaction (in the order of their
        ids), each only if the view has not moved meanwhile (the position is compared and
        set again); returns how many were recomputed."""
        done = 0
        while True:
            with db.reading(snapshot=True) as cur:
                position = self.view.position(cur, application_name)
                ids = [
                    r[0]
                    for r in cur.query(
                        f"SELECT teacher_id FROM {self.dirty} WHERE teacher_id <> ? "
                        f"ORDER BY teacher_id LIMIT {self.settle_chunk}",
                        (STALE,),
                    )
                ]
                if position is None:
                    return done
                stale = self._stale(cur, bool(ids))
                if not ids and not stale:
                    return done
                batch = self.new_batch(lambda: cur, keep_sums=not stale)
                if ids:
                    self.recompute(batch, ids, lambda: cur)
            tracking = Tracking(application_name, position)
            try:
                with db.transaction() as cur:
                    self.view.advance(cur, tracking, position)
                    if stale:
                        cur.execute(
                            f"INSERT INTO {self.dirty} (teacher_id, since) VALUES (?, ?) "
                            "ON CONFLICT (teacher_id) DO NOTHING",
                            (STALE, position),
                        )
                    batch.flush(cur)
                    if not ids:  # the last chunk is done: the sums begin anew
                        for table in self.sums:
                            cur.empty(table)
                if not ids:
                    self._sum_anew(db, tracking)
            except PositionMovedError:
                continue
            self.view.notify_advanced()
            done += len(ids)

    def _sum_anew(self, db: Database, tracking: Tracking) -> None:
        """Every row's sums into the emptied tables, a dimension per transaction (its
        rows are whole when written: on SQLite one transaction of them all held the
        writer's lock for longer than a rival rebuilding process would wait, at 100,000
        teachers x 20 years), then the mark `STALE` taken away; each only if the view has
        not moved meanwhile."""
        for dimension in self.dimensions:
            with db.transaction() as cur:
                self.view.advance(cur, tracking, tracking.notification_id)
                self.add_sums(cur, "", (), "1", (dimension,))
        with db.transaction() as cur:
            self.view.advance(cur, tracking, tracking.notification_id)
            cur.execute(f"DELETE FROM {self.dirty} WHERE teacher_id = ?", (STALE,))

    def _stale(self, cur: Cursor, marked: bool) -> bool:
        """Whether this settle computes the sums at its end: already begun so, or enough
        teachers marked."""
        if cur.query_one(f"SELECT 1 FROM {self.dirty} WHERE teacher_id = ?", (STALE,)):
            return True
        if not marked:
            return False
        row = cur.query_one(
            f"SELECT (SELECT COUNT(*) FROM {self.dirty}), (SELECT COUNT(*) FROM {self.facts_table})"
        )
        dirty, teachers = row if row else (0, 0)
        return dirty >= self.bulk_teachers and dirty * self.bulk_share >= teachers
