"""Hearing of saves made by other processes: PostgreSQL's LISTEN on the events channel.

The library NOTIFYs the events table's channel in every save's transaction (and so
does the bulk writer). A `Listener` holds a connection of its own (not a pooled one: it
waits for notifications, and may hold the followers' leader lock for as long as it
lives); a lost connection raises DatabaseUnavailableError, and the caller reconnects.
"""

from __future__ import annotations

import os
import select
import threading
from typing import Any

from registry.storage.errors import DatabaseUnavailableError


class Listener:
    """One dedicated connection: LISTEN for saves, optionally hold a session lock."""

    def __init__(self, conninfo: str, channel: str):
        import psycopg

        self.channel = channel
        try:
            self._conn: Any = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as error:
            raise DatabaseUnavailableError(str(error).strip()) from error
        # `interrupt` writes here: a wait in `heard` ends at once, not at its timeout.
        self._interrupted, self._interrupt = os.pipe()
        self._pipe_lock = threading.Lock()  # no write to the pipe's fd once it is closed
        self._closed = False

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, action: Any) -> Any:
        import psycopg

        try:
            return action()
        except psycopg.Error as error:
            raise DatabaseUnavailableError(str(error).strip()) from error

    def try_lock(self, key: int) -> bool:
        """Take a session lock (`registry.storage.locks`) if free; it is released when this
        connection ends, so a process that dies hands it on."""
        return bool(
            self._run(
                lambda: self._conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
            )
        )

    def listen(self) -> None:
        """Start hearing of saves to the events table."""
        self._run(lambda: self._conn.execute(f'LISTEN "{self.channel}"'))

    def heard(self, timeout: float) -> bool:
        """Whether a save was announced within `timeout` seconds; False at once once
        `interrupt` was called."""
        try:
            ready, _, _ = select.select([self._conn.fileno(), self._interrupted], [], [], timeout)
        except (OSError, ValueError) as error:  # the connection is closed
            raise DatabaseUnavailableError(str(error)) from error
        if self._interrupted in ready or not ready:
            return False
        # Something arrived: read it without waiting (a partial message waits for the
        # next look).
        return self._run(lambda: any(True for _ in self._conn.notifies(timeout=0, stop_after=1)))

    def interrupt(self) -> None:
        """End the current and every later wait in `heard` now (from another thread): a
        follower that stops does not wait out the timeout."""
        with self._pipe_lock:
            if not self._closed:
                os.write(self._interrupt, b"x")

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # a lost connection is closed already
            pass
        with self._pipe_lock:
            if not self._closed:
                self._closed = True
                os.close(self._interrupted)
                os.close(self._interrupt)
