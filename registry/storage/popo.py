"""The in-memory engine (`memory:`), for fast tests of the commands: the library's own
in-memory store (POPO) holds the events, a private in-memory SQLite database our own
tables (the idempotency claims).

Nothing outlives the `Store` that opened it, and each opening is a world of its own (a
second `Registry` on `memory:` sees none of the first's events). What the commands need
works as on the other engines: saves and loads through the library's repository (the
same mapper, so the same JSON), conflicting saves (the recorder's IntegrityError),
positions, the idempotency claims (the same SQL as on SQLite, the threads taking turns
on the one connection). The views, the queries, the ledger and the bulk writer read or
write the events table with SQL, so they do not run here: `events_table` says so instead
of answering.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from registry.settings import DatabaseURL
from registry.storage.database import Cursor
from registry.storage.sqlite import MemoryDatabase


class PopoDatabase(MemoryDatabase):
    """Our own tables beside the library's POPO recorder: one in-memory SQLite connection,
    which the threads use one statement block at a time."""

    holds_events = False

    def __init__(self, url: DatabaseURL, *, pool_size: int = 4, app_name: str = "Registry"):
        super().__init__(app_name=app_name)
        self.url = url
        self._turn = threading.RLock()

    @classmethod
    def create(cls, url: DatabaseURL) -> bool:
        """Nothing to create: each opening starts empty."""
        return True

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._turn:
            yield self._conn

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._turn, super().transaction() as cur:
            yield cur

    @contextmanager
    def reading(self, snapshot: bool = False) -> Iterator[Cursor]:
        with self._turn, super().reading(snapshot) as cur:
            yield cur

    def close(self) -> None:
        with self._turn:
            super().close()

    @property
    def events_table(self) -> str:
        raise NotImplementedError(
            "the in-memory engine keeps the events in the library's recorder, not in a "
            "table: views, queries, the ledger and bulk writes need SQLite or PostgreSQL"
        )
