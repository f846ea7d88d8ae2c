"""Stored events exactly as the database holds them (the ledger's chain, replay's copy).

Pages by position (not OFFSET), so each batch is one index range scan. On PostgreSQL
the rows come in binary with the id as its 16 bytes; on SQLite the id is the library's
32 hex characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

if TYPE_CHECKING:
    from registry.storage.database import Cursor, Database

READ_BATCH = 20_000


class RawEvent(NamedTuple):
    """One stored event exactly as the database holds it."""

    position: int
    originator_id: Any  # 32-hex text (SQLite), or the uuid's 16 bytes (PostgreSQL)
    version: int
    topic: str
    state: bytes


def read_raw(db: "Database", *, after: int = 0, until: int | None = None,
             batch: int = READ_BATCH, cursor: "Cursor | None" = None, plain: bool = False
             ) -> Iterator[list[RawEvent]]:
    """Stored events after a position (up to `until`), in position order, in batches.

    Pass a cursor to read inside its transaction (the ledger view seals what its
    transaction sees). `plain` yields the driver's tuples in RawEvent's field order (the
    verifier's hot loop saves building ~200k named tuples a second).
    """
    statement = db.raw_events_sql(bounded=until is not None)
    with db.raw_cursor(cursor) as raw:
        while True:
            raw.execute(statement, (after, until, batch) if until is not None else (after, batch))
            rows = raw.fetchall()
            if not rows:
                return
            yield rows if plain else [RawEvent(*row) for row in rows]
            if len(rows) < batch:
                return
            after = rows[-1][0]

