"""The ledger's checkpoints: the chain sealed as the log grows, kept beside the views.

Every `CHECKPOINT_EVENTS` events close a checkpoint: the chain link at its last
position and, per event, the position and a 16-byte prefix of the event's digest (so
verification can name the exact event that changed, not only the checkpoint). The
newest checkpoint may be open: it grows until full and its link is the ledger's head.

The ledger is kept current by `LedgerView` in the projection framework (the follower
seals new events within a moment of their save) and by `registry ledger seal`. Sealing
is a compare-and-set on the last checkpoint, so two sealers never fork the chain, and a
view rebuild never clears it: the checkpoints are evidence of what the log held.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from registry.ledger.chain import DIGEST_BYTES, ENTRY, GENESIS, chain_batch
from registry.projections.base import PositionMovedError, View
from registry.storage import Cursor, Database, locks
from registry.storage.facts import Fact
from registry.storage.raw import READ_BATCH
from registry.storage.schema import checkpoint_guards

CHECKPOINT_EVENTS = 1000

_LEDGER_DDL = (
    "CREATE TABLE IF NOT EXISTS ledger_checkpoints ("
    " seq BIGINT PRIMARY KEY, first_position BIGINT NOT NULL, position BIGINT NOT NULL,"
    " events BIGINT NOT NULL, link_hash TEXT NOT NULL, entries {blob} NOT NULL,"
    " recorded_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_verifications ("
    " verified_at TEXT NOT NULL, position BIGINT, link_hash TEXT, events BIGINT NOT NULL,"
    " ok INTEGER NOT NULL, first_position BIGINT, finding TEXT, seconds DOUBLE PRECISION,"
    " sealed_events BIGINT, unsealed_events BIGINT, requested_by TEXT)",
)
# Columns added to ledger_verifications after databases were first made with it.
VERIFICATION_UPGRADES = (
    ("sealed_events", "ALTER TABLE ledger_verifications ADD COLUMN sealed_events BIGINT"),
    ("unsealed_events", "ALTER TABLE ledger_verifications ADD COLUMN unsealed_events BIGINT"),
    ("requested_by", "ALTER TABLE ledger_verifications ADD COLUMN requested_by TEXT"),
)


def ledger_ddl(db: Database) -> list[str]:
    """The statements creating the ledger's tables and the guards that keep its
    checkpoints append-only (`registry.storage.schema`), on the database's engine."""
    return [statement.format(blob=db.blob_type) for statement in _LEDGER_DDL] + checkpoint_guards(
        db
    )


_COLUMNS = "seq, first_position, position, events, link_hash, recorded_at"


@dataclass(frozen=True)
class Checkpoint:
    """One sealed run of events: where it starts and ends, and the chain link at its end."""

    seq: int
    first_position: int
    position: int
    events: int
    link_hash: str  # hex
    recorded_at: str
    entries: bytes = b""  # ENTRY records, one per event (loaded only when verifying)

    def entry_list(self) -> list[tuple[int, bytes]]:
        """(position, digest prefix) of every event the checkpoint covers."""
        usable = len(self.entries) - len(self.entries) % ENTRY.size  # a mangled blob
        return list(ENTRY.iter_unpack(self.entries[:usable]))

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "first_position": self.first_position,
            "position": self.position,
            "events": self.events,
            "hash": self.link_hash,
            "recorded_at": self.recorded_at,
        }


_CURRENT: weakref.WeakSet[Database] = weakref.WeakSet()  # databases whose tables are checked


def ensure_tables(db: Database) -> None:
    """Create the ledger's tables when missing (databases initialised before the ledger),
    and add the columns later versions record (`upgrade_tables`); once per database."""
    if db in _CURRENT:
        return
    if not db.table_exists("ledger_checkpoints"):
        with db.transaction() as cur:
            cur.lock(locks.INIT)  # as `registry init` does (released at commit)
            for statement in ledger_ddl(db):
                cur.execute(statement)
    if _missing_columns(db):
        with db.transaction() as cur:
            cur.lock(locks.INIT)
            upgrade_tables(cur)
    _CURRENT.add(db)


def upgrade_tables(cur: Cursor) -> None:
    """Add the columns of `ledger_verifications` that an older version did not make (in
    the caller's transaction; `registry init` runs it under its INIT lock)."""
    present = cur.db.columns("ledger_verifications", cur)
    if not present:
        return
    for column, statement in VERIFICATION_UPGRADES:
        if column not in present:
            cur.execute(statement)


def _missing_columns(db: Database) -> bool:
    present = db.columns("ledger_verifications")
    return bool(present) and any(column not in present for column, _ in VERIFICATION_UPGRADES)


def _checkpoint(row: tuple, with_entries: bool) -> Checkpoint:
    entries = bytes(row[6]) if with_entries else b""
    return Checkpoint(
        int(row[0]), int(row[1]), int(row[2]), int(row[3]), str(row[4]), str(row[5]), entries
    )


def last_checkpoint(cur: Cursor, *, with_entries: bool = False) -> Checkpoint | None:
    """The newest checkpoint (the ledger's head), or None for an empty ledger."""
    extra = ", entries" if with_entries else ""
    row = cur.query_one(
        f"SELECT {_COLUMNS}{extra} FROM ledger_checkpoints ORDER BY seq DESC LIMIT 1"
    )
    return _checkpoint(row, with_entries) if row else None


def iter_checkpoints(
    db: Database, *, with_entries: bool = True, page: int = 50
) -> Iterator[Checkpoint]:
    """Every checkpoint, oldest first, a page at a time (entries can be large)."""
    extra = ", entries" if with_entries else ""
    after = None
    while True:
        where, params = ("WHERE seq > ? ", (after, page)) if after is not None else ("", (page,))
        rows = db.query(
            f"SELECT {_COLUMNS}{extra} FROM ledger_checkpoints {where}ORDER BY seq LIMIT ?", params
        )
        for row in rows:
            yield _checkpoint(row, with_entries)
        if len(rows) < page:
            return
        after = rows[-1][0]


def recent_checkpoints(
    db: Database, limit: int = 10, *, before: int | None = None
) -> list[Checkpoint]:
    """The newest checkpoints, newest first (those before sequence number `before`, if
    given: the next page)."""
    where, params = ("WHERE seq < ? ", (before, limit)) if before is not None else ("", (limit,))
    rows = db.query(
        f"SELECT {_COLUMNS} FROM ledger_checkpoints {where}ORDER BY seq DESC LIMIT ?", params
    )
    return [_checkpoint(row, False) for row in rows]


def seal(cur: Cursor, *, until: int | None = None, limit: int | None = None) -> int:
    """Extend the chain over the events after the ledger's head (up to `until`, at most
    about `limit` events).

    Runs in the caller's transaction; returns how many events it sealed. Raises
    PositionMovedError when another sealer extended the ledger meanwhile.
    """
    tail = last_checkpoint(cur, with_entries=True)
    link = bytes.fromhex(tail.link_hash) if tail else GENESIS
    after = tail.position if tail else 0
    if tail is not None and tail.events < CHECKPOINT_EVENTS:
        segment = _Segment(
            tail.seq,
            tail.first_position,
            bytearray(tail.entries),
            tail.events,
            tail.position,
            expected=tail.position,
        )
    else:
        segment = _Segment((tail.seq if tail else 0) + 1)
    sealed = 0
    batch_size = min(READ_BATCH, limit) if limit else READ_BATCH
    for batch in cur.db.read_raw(after=after, until=until, cursor=cur, batch=batch_size):
        digests, links = chain_batch(batch, link)
        for event, digest, event_link in zip(batch, digests, links):
            if segment.events == CHECKPOINT_EVENTS:
                segment.write(cur, link)
                segment = _Segment(segment.seq + 1)
            segment.add(event.position, digest)
            link = event_link
        sealed += len(batch)
        if limit is not None and sealed >= limit:
            break
    if segment.events and segment.position != segment.expected:
        segment.write(cur, link)
    return sealed


class _Segment:
    """The checkpoint being filled while sealing."""

    def __init__(
        self,
        seq: int,
        first_position: int = 0,
        entries: bytearray | None = None,
        events: int = 0,
        position: int = 0,
        expected: int | None = None,
    ):
        self.seq = seq
        self.first_position = first_position
        self.entries = entries if entries is not None else bytearray()
        self.events = events
        self.position = position
        self.expected = expected  # the stored position of an open checkpoint (compare-and-set)

    def add(self, position: int, digest: bytes) -> None:
        if not self.events:
            self.first_position = position
        self.entries += ENTRY.pack(position, digest[:DIGEST_BYTES])
        self.events += 1
        self.position = position

    def write(self, cur: Cursor, link: bytes) -> None:
        now = datetime.now(UTC).isoformat()
        values = (
            self.first_position,
            self.position,
            self.events,
            link.hex(),
            bytes(self.entries),
            now,
        )
        if self.expected is None:
            cur.execute(
                "INSERT INTO ledger_checkpoints (first_position, position, events, "
                "link_hash, entries, recorded_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (seq) DO NOTHING",
                values + (self.seq,),
            )
        else:
            cur.execute(
                "UPDATE ledger_checkpoints SET first_position = ?, position = ?, "
                "events = ?, link_hash = ?, entries = ?, recorded_at = ? "
                "WHERE seq = ? AND position = ?",
                values + (self.seq, self.expected),
            )
        if cur.rowcount != 1:
            raise PositionMovedError("ledger")
        self.expected = self.position


class LedgerView(View):
    """Seals each batch of new events into the ledger as the projections catch up."""

    name = "ledger"
    tables = ()  # nothing a rebuild may clear: see `clear`

    @classmethod
    def ddl(cls, db: Database) -> list[str]:
        """The ledger's tables, created with the views'."""
        return ledger_ddl(db)

    @classmethod
    def upgrade(cls, cur: Cursor) -> None:
        """The columns added to the verifications since the table was first made."""
        upgrade_tables(cur)

    def apply(self, cur: Cursor, facts: Iterable[Fact]) -> int:
        """Seal the stored rows up to the batch's last position (the facts' bytes are not
        the stored bytes, so the rows are read again inside this transaction)."""
        facts = list(facts)
        if not facts:
            return 0
        seal(cur, until=facts[-1].position)
        return len(facts)

    def clear(self, cur: Cursor) -> None:
        """Keep the checkpoints on a rebuild: they are evidence, and sealing resumes from them."""
