"""Views: projections of the event log into query tables, applied exactly once.

A view is an `eventsourcing` `Projection` whose handlers are written once in portable
SQL. Events reach it in batches; each batch's rows and the view's tracking position are
written in one transaction, and the tracking update is a compare-and-set on the
position the batch started from, so two processes can never both apply an event.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, ClassVar, Iterable

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import Projection

from registry.db import Cursor, Database
from registry.eventlog import Fact, fact_from_event

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " projection TEXT NOT NULL, application_name TEXT NOT NULL,"
    " notification_id INTEGER NOT NULL, updated_at TEXT,"
    " PRIMARY KEY (projection, application_name))"
)

Handler = Callable[[Cursor, Fact], None]


class PositionMovedError(Exception):
    """Another process advanced (or reset) the view since this batch was read."""


class ViewRecorder(TrackingRecorder):
    """The tracking of one view, kept in `projection_tracking` beside the view's rows."""

    def __init__(self, db: Database, projection: str):
        self.db = db
        self.projection = projection
        self._advanced = threading.Condition()

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.db.transaction() as cur:
            self.advance(cur, tracking, self._position(cur, tracking.application_name))

    def max_tracking_id(self, application_name: str) -> int | None:
        with self.db.reading() as cur:
            return self._position(cur, application_name)

    def _position(self, cur: Cursor, application_name: str) -> int | None:
        row = cur.query_one("SELECT notification_id FROM projection_tracking WHERE "
                            "projection = ? AND application_name = ?",
                            (self.projection, application_name))
        return row[0] if row else None

    def advance(self, cur: Cursor, tracking: Tracking, expected: int | None) -> None:
        """Move the position from `expected` to the tracking's, or raise PositionMovedError."""
        from registry.domain.clock import now

        if expected is None:
            cur.execute("INSERT INTO projection_tracking (projection, application_name, "
                        "notification_id, updated_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (projection, application_name) DO NOTHING",
                        (self.projection, tracking.application_name,
                         tracking.notification_id, now().isoformat()))
        else:
            cur.execute("UPDATE projection_tracking SET notification_id = ?, updated_at = ? "
                        "WHERE projection = ? AND application_name = ? AND notification_id = ?",
                        (tracking.notification_id, now().isoformat(), self.projection,
                         tracking.application_name, expected))
        if cur.rowcount != 1:
            raise PositionMovedError(self.projection)

    def notify_advanced(self) -> None:
        with self._advanced:
            self._advanced.notify_all()

    def wait(self, application_name: str, notification_id: int | None, timeout: float = 1.0,
             interrupt: threading.Event | None = None) -> None:
        """Block until the view has reached `notification_id`, reacting within milliseconds.

        (The library's wait sleeps 100 ms before its first re-check.)
        """
        deadline = time.monotonic() + timeout
        interval = 0.002
        while not self.has_tracking_id(application_name, notification_id):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.projection} has not reached {notification_id}")
            with self._advanced:
                self._advanced.wait(min(interval, remaining))
            interval = min(interval * 2, 0.02)


class View(Projection[ViewRecorder]):
    """A read model: its tables, and a handler per event type it cares about."""

    tables: ClassVar[tuple[str, ...]] = ()
    ddl: ClassVar[tuple[str, ...]] = ()
    handlers: ClassVar[dict[str, str]] = {}  # event type -> method name

    def __init__(self, view: ViewRecorder, app_name: str = "Registry"):
        super().__init__(view)
        self.app_name = app_name

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        """The library's one-event-per-transaction path (our worker applies batches)."""
        fact = fact_from_event(domain_event, tracking.notification_id)
        with self.view.db.transaction() as cur:
            self.view.advance(cur, tracking, self.view._position(cur, tracking.application_name))
            self.apply(cur, [fact])

    def wants(self, fact: Fact) -> bool:
        return fact.type in self.handlers

    def apply(self, cur: Cursor, facts: Iterable[Fact]) -> int:
        """Apply facts in order; returns how many the view handled."""
        handled = 0
        for fact in facts:
            name = self.handlers.get(fact.type)
            if name is not None:
                getattr(self, name)(cur, fact)
                handled += 1
        self.after_batch(cur)
        return handled

    def after_batch(self, cur: Cursor) -> None:
        """Hook for views that buffer rows within a batch."""

    def clear(self, cur: Cursor) -> None:
        """Empty the view's tables (for a rebuild)."""
        for table in self.tables:
            cur.execute(f"DELETE FROM {table}")
