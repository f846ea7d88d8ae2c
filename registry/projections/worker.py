"""Bringing views up to date: batches of events, one transaction per view and batch."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from eventsourcing.persistence import Tracking

from registry.eventlog import EventLog, Fact
from registry.projections.base import PositionMovedError, View, ViewRecorder

if TYPE_CHECKING:
    from registry.application import Registry

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """What a catch-up did."""

    events: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class ProjectionWorker:
    """Applies the event log to a set of views, reading and decoding each batch once."""

    def __init__(self, app: "Registry", views: Sequence[View]):
        self.app = app
        self.views = list(views)
        self.log = EventLog(app)

    def positions(self) -> dict[str, int]:
        return {v.name: v.view.max_tracking_id(self.app.name) or 0 for v in self.views}

    def catch_up(self, batch_size: int = 2000, until: int | None = None,
                 on_batch=None) -> Progress:
        """Apply every event not yet applied (up to `until`); returns the work done."""
        progress = Progress()
        started = time.perf_counter()
        positions = self.positions()
        while True:
            lowest = min(positions.values(), default=0)
            facts = self.log.read(lowest, batch_size, until)
            if not facts:
                break
            for view in self.views:
                positions[view.name] = self._apply(view, positions[view.name], facts)
            progress.events += len(facts)
            progress.batches += 1
            if on_batch is not None:
                on_batch(len(facts))
            if len(facts) < batch_size:
                break
        progress.seconds = time.perf_counter() - started
        return progress

    def _apply(self, view: View, position: int, facts: list[Fact]) -> int:
        todo = [f for f in facts if f.position > position]
        if not todo:
            return position
        last = todo[-1].position
        recorder: ViewRecorder = view.view
        try:
            with recorder.db.transaction() as cur:
                recorder.advance(cur, Tracking(self.app.name, last), position or None)
                view.apply(cur, todo)
        except PositionMovedError:
            # Another process applied (or a rebuild reset) this view: start from its position.
            log.info("view %s moved under us; re-reading its position", view.name)
            return recorder.max_tracking_id(self.app.name) or 0
        recorder.notify_advanced()
        return last

    def rebuild(self, batch_size: int = 5000, until: int | None = None,
                on_batch=None) -> Progress:
        """Empty the views and apply the whole log again."""
        for view in self.views:
            with view.view.db.transaction() as cur:
                view.clear(cur)
                cur.execute("DELETE FROM projection_tracking WHERE projection = ?", (view.name,))
        return self.catch_up(batch_size=batch_size, until=until, on_batch=on_batch)

    def wait(self, position: int | None, timeout: float) -> None:
        """Block until every view has applied `position` (TimeoutError otherwise)."""
        if position is None:
            return
        import time as _time

        deadline = _time.monotonic() + timeout
        for view in self.views:
            remaining = max(0.0, deadline - _time.monotonic())
            view.view.wait(self.app.name, position, timeout=remaining)
