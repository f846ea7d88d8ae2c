"""Views: projections of the event log into query tables, applied exactly once.

A view is an `eventsourcing` `Projection` whose handlers are written once, as Python
changes to rows (see `rows.Batch`), whatever the engine. Events reach it in batches;
each batch's rows and the view's tracking position are written in one transaction, and
the tracking update (first: a rival then waits on its row and writes nothing) is a
compare-and-set on the position the batch started from, so two processes can never both
apply an event.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import Projection

from registry.keys import Keys
from registry.projections.codec import id_text
from registry.projections.rows import Batch, Reader
from registry.storage import Cursor, Database
from registry.storage.facts import Fact, fact_from_event
from registry.storage.tables import Table
from registry.storage.waiting import advanced, wait_for_position

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " projection TEXT NOT NULL, application_name TEXT NOT NULL,"
    " notification_id INTEGER NOT NULL, updated_at TEXT, rate REAL,"
    " PRIMARY KEY (projection, application_name))"
)
# Added after the first release of the table; applied when missing.
TRACKING_UPGRADES = (("rate", "ALTER TABLE projection_tracking ADD COLUMN rate REAL"),)


class PositionMovedError(Exception):
    """Another process advanced (or reset) the view since this batch was read."""


class ViewRecorder(TrackingRecorder):
    """The tracking of one view, kept in `projection_tracking` beside the view's rows."""

    def __init__(self, db: Database, projection: str):
        self.db = db
        self.projection = projection

    def insert_tracking(self, tracking: Tracking) -> None:
        """Record a position on its own (the library's interface; batches use `advance`)."""
        with self.db.transaction() as cur:
            self.advance(cur, tracking, self.position(cur, tracking.application_name))

    def max_tracking_id(self, application_name: str) -> int | None:
        """The view's position, or None before its first event."""
        with self.db.reading() as cur:
            return self.position(cur, application_name)

    def position(self, cur: Cursor, application_name: str) -> int | None:
        """The view's position as seen by this cursor (None before its first event)."""
        row = cur.query_one(
            "SELECT notification_id FROM projection_tracking WHERE "
            "projection = ? AND application_name = ?",
            (self.projection, application_name),
        )
        return row[0] if row else None

    _position = position  # the lead's name, kept for callers written against it

    def advance(
        self, cur: Cursor, tracking: Tracking, expected: int | None, rate: float | None = None
    ) -> None:
        """Move the position from `expected` to the tracking's, or raise PositionMovedError."""
        from registry.domain.clock import now
        from registry.projections.codec import time_text

        stamp = time_text(now())
        if expected is None:
            cur.execute(
                "INSERT INTO projection_tracking (projection, application_name, "
                "notification_id, updated_at, rate) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (projection, application_name) DO NOTHING",
                (self.projection, tracking.application_name, tracking.notification_id, stamp, rate),
            )
        else:
            cur.execute(
                "UPDATE projection_tracking SET notification_id = ?, updated_at = ?, "
                "rate = COALESCE(?, rate) WHERE projection = ? AND "
                "application_name = ? AND notification_id = ?",
                (
                    tracking.notification_id,
                    stamp,
                    rate,
                    self.projection,
                    tracking.application_name,
                    expected,
                ),
            )
        if cur.rowcount != 1:
            raise PositionMovedError(self.projection)

    def note_rate(self, cur: Cursor, application_name: str, rate: float) -> None:
        """The events per second of the batch just applied (shown by `projections status`)."""
        cur.execute(
            "UPDATE projection_tracking SET rate = ? WHERE projection = ? AND application_name = ?",
            (rate, self.projection, application_name),
        )

    def notify_advanced(self) -> None:
        """Wake every wait in this process on this database."""
        advanced(self.db)

    def wait(
        self,
        application_name: str,
        notification_id: int | None,
        timeout: float = 1.0,
        interrupt: threading.Event | None = None,
    ) -> None:
        """Block until the view has reached `notification_id`, reacting within
        milliseconds (registry.storage.waiting; the library's wait sleeps 100 ms first)."""
        if notification_id is None:
            return
        wait_for_position(
            self.db,
            notification_id,
            lambda: self.max_tracking_id(application_name),
            timeout,
            what=self.projection,
            interrupt=interrupt,
        )


class View(Projection[ViewRecorder]):
    """A read model: its tables, and a handler per event type it cares about.

    `handlers` maps an event type to a method `(batch, fact)`; `loads` maps an event
    type to the tables whose row keyed by the event's originator id the handler reads,
    so a batch reads them all in one statement per table before it starts. Only the
    types some view handles are decoded: a view overriding `apply` without handlers
    (the ledger) sees the others as stubs with a position, a type and no data.
    """

    tables: ClassVar[tuple[Table, ...]] = ()
    handlers: ClassVar[dict[str, str]] = {}
    loads: ClassVar[dict[str, tuple[str, ...]]] = {}
    # µs of CPU per event of the log a rebuild of the view alone costs, less the read every
    # process does anyway: a rebuild spreads views over processes by it. Measured by
    # benchmarks/bench_view_weights.py (SQLite, 5,000 × 20); remeasure when a view changes.
    weight: ClassVar[float] = 1.0

    def __init__(self, view: ViewRecorder, app_name: str = "Registry", keys: Keys | None = None):
        super().__init__(view)
        self.app_name = app_name
        self.keys = keys
        self._handlers = {kind: getattr(self, name) for kind, name in self.handlers.items()}

    @classmethod
    def ddl(cls, db: Database) -> list[str]:
        """Statements creating the view's tables on the database's engine (idempotent)."""
        return [statement for table in cls.tables for statement in db.table_ddl(table)]

    @classmethod
    def upgrade(cls, cur: Cursor) -> None:
        """Bring tables that `ddl` leaves as they are (CREATE ... IF NOT EXISTS) up to its
        definition, in place (a view whose tables are rebuilt from the log needs nothing)."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """The library's one-event-per-transaction path (our worker applies batches)."""
        fact = fact_from_event(domain_event, tracking.notification_id)
        with self.view.db.transaction() as cur:
            self.view.advance(cur, tracking, self.view.position(cur, tracking.application_name))
            self.apply(cur, [fact])
        self.view.notify_advanced()

    def wants(self, fact: Fact) -> bool:
        """Whether the view handles this fact's type."""
        return fact.type in self.handlers

    def prepare(self, read: Reader, facts: Iterable[Fact]) -> tuple[Batch, int]:
        """Run the handlers over facts in order, reading the rows they need through
        `read()`; returns the changed rows (written by `Batch.flush`) and how many facts
        the view handled. Nothing is written, so no write lock is held meanwhile."""
        batch = Batch(read, self.tables)
        handlers, loads = self._handlers, self.loads
        mine = [fact for fact in facts if fact.type in handlers]
        wanted: dict[str, list[str]] = {}
        for fact in mine:
            for table in loads.get(fact.type, ()):
                wanted.setdefault(table, []).append(id_text(fact.originator_id))
        for table, keys in wanted.items():
            batch[table].load(keys)
        for fact in mine:
            handlers[fact.type](batch, fact)
        return batch, len(mine)

    def apply(self, cur: Cursor, facts: Iterable[Fact]) -> int:
        """Apply facts in order within the cursor's transaction; returns how many it handled."""
        batch, handled = self.prepare(lambda: cur, facts)
        batch.flush(cur)
        return handled

    def clear(self, cur: Cursor) -> None:
        """Empty the view's tables (for a rebuild)."""
        for table in self.tables:
            cur.empty(table)
