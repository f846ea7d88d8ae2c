"""Stored events exactly as the database holds them (the ledger's chain, replay's copy).

`Database.read_raw` pages through them by position (not OFFSET), so each batch is one
index range scan; `Database.insert_raw` stores them back, positions included.
"""

from __future__ import annotations

from typing import Any, NamedTuple

READ_BATCH = 20_000


class RawEvent(NamedTuple):
    """One stored event exactly as the database holds it."""

    position: int
    originator_id: Any  # 32-hex text (SQLite), or the uuid's 16 bytes (PostgreSQL)
    version: int
    topic: str
    state: bytes
