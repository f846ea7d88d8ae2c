"""Keeping views current: a thread that catches up whenever new events may exist.

Embedded (SQLite, `registry serve`): woken after every save in this process and
polling for writes by other processes. PostgreSQL (`registry projections run`):
woken by LISTEN/NOTIFY on the event table's channel; reconnects after a lost
connection; a session advisory lock makes one process the leader and the others
wait as standbys (the tracking compare-and-set would stop double-application anyway).
The leader notes each look at the log, at most every `CHECK_EVERY_S` seconds
(`checks.record_check`), for `registry projections status`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from registry.projections.checks import record_check
from registry.projections.worker import ProjectionWorker
from registry.storage import DatabaseUnavailableError, locks
from registry.storage.listening import Listener

if TYPE_CHECKING:
    from registry.application import Registry

log = logging.getLogger(__name__)
CHECK_EVERY_S = 5.0


class Follower:
    """Runs a `ProjectionWorker` in a background thread until stopped."""

    def __init__(
        self,
        app: Registry,
        worker: ProjectionWorker,
        *,
        poll_interval: float = 0.5,
        listen: bool | None = None,
        lead: bool = False,
        batch_size: int = 2000,
    ):
        self.app = app
        self.worker = worker
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.listen = app.db.notifies if listen is None else listen
        self.lead = lead and app.db.notifies
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.error: BaseException | None = None
        self.is_leader = not self.lead
        self._checked_at = float("-inf")
        self._listener: Listener | None = None  # the listener thread's, while it waits

    def wake(self, _position: int | None = None) -> None:
        """Ask for a catch-up now (called after each save in this process)."""
        self._wake.set()

    def start(self) -> Follower:
        """Start following in background threads; returns self."""
        self.app.add_listener(self.wake)
        self._threads.append(threading.Thread(target=self._follow, name="follower", daemon=True))
        if self.listen:
            self._threads.append(
                threading.Thread(target=self._listen, name="listener", daemon=True)
            )
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop following (the current batch finishes first)."""
        self._stop.set()
        self._wake.set()
        listener = self._listener
        if listener is not None:
            listener.interrupt()  # its wait ends now, not at its timeout
        for thread in self._threads:
            thread.join(timeout=5)

    def _follow(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if self.is_leader:
                    self.worker.catch_up(batch_size=self.batch_size)
                    self._note_check()
            except Exception as error:  # keep following; the next round retries
                self.error = error
                log.exception("projection catch-up failed; retrying")
                self._stop.wait(1.0)
            self._wake.wait(self.poll_interval)

    def _note_check(self) -> None:
        """Record that the views were brought up to the log just now (now and then)."""
        if time.monotonic() - self._checked_at < CHECK_EVERY_S:
            return
        record_check(self.app, min(self.worker.positions().values(), default=0))
        self._checked_at = time.monotonic()

    def _listen(self) -> None:
        """Hear of saves; reconnect with back-off when the connection drops."""
        delay = 0.1
        while not self._stop.is_set():
            try:
                with self.app.db.listener() as listener:
                    self._listener = listener
                    if self._stop.is_set():  # stopped before it could be interrupted
                        return
                    if self.lead:
                        self._take_lead(listener)
                        if self._stop.is_set():
                            return
                    listener.listen()
                    delay = 0.1
                    self._wake.set()  # catch up on anything missed while disconnected
                    while not self._stop.is_set():
                        if listener.heard(timeout=0.5):
                            self._wake.set()
            except DatabaseUnavailableError as error:
                self.error = error
                log.warning("lost the LISTEN connection (%s); reconnecting", error)
                self.is_leader = not self.lead
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _take_lead(self, listener: Listener) -> None:
        """Hold the leader lock on the listener's connection (released if the process dies)."""
        while not self._stop.is_set():
            if listener.try_lock(locks.LEADER):
                self.is_leader = True
                log.info("this follower leads")
                return
            self._stop.wait(1.0)
