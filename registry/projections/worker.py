"""Bringing views up to date: batches of events, one transaction per view and batch."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.persistence import Tracking

from registry.prefetch import prefetched
from registry.projections import codec, deadletters
from registry.projections.base import PositionMovedError, View, ViewRecorder
from registry.storage import Cursor
from registry.storage.errors import blames_the_data
from registry.storage.facts import Fact, FactReader
from registry.storage.waiting import wait_for_position

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
        """Events per second over the catch-up."""
        return self.events / self.seconds if self.seconds else 0.0


_paused = {"count": 0, "was_enabled": False}
_paused_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a long catch-up runs.

    A rebuild keeps tens of thousands of decoded facts and rows alive per batch, and
    the collector's full passes, triggered by all those allocations, walked them again
    and again: a third of a rebuild's time. Facts and rows form no reference cycles,
    so reference counting alone still frees them batch by batch. Pauses may nest or
    overlap (threads); the collector resumes when the last one ends, if it ran before.
    """
    with _paused_lock:
        if _paused["count"] == 0:
            _paused["was_enabled"] = gc.isenabled()
            gc.disable()
        _paused["count"] += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused["count"] -= 1
            if _paused["count"] == 0 and _paused["was_enabled"]:
                gc.enable()


class _SnapshotAt:
    """The reads of one view's batch: a snapshot opened on the first read, in which the
    view must stand at the batch's starting position (the rows read are then the rows at
    that position; the write's compare-and-set checks it has not moved since)."""

    def __init__(self, recorder: ViewRecorder, app_name: str, position: int, stack: ExitStack):
        self.recorder, self.app_name, self.position = recorder, app_name, position
        self.stack = stack
        self.cur: Cursor | None = None

    def __call__(self) -> Cursor:
        if self.cur is None:
            cur = self.stack.enter_context(self.recorder.db.reading(snapshot=True))
            if (self.recorder.position(cur, self.app_name) or 0) != self.position:
                raise PositionMovedError(self.recorder.projection)
            self.cur = cur
        return self.cur


class _Restart(Exception):
    """A view moved under us (another process, a rebuild): read positions again."""


class ProjectionWorker:
    """Applies the event log to a set of views, reading and decoding each batch once."""

    def __init__(self, app: Registry, views: Sequence[View]):
        self.app = app
        self.views = list(views)
        self.log = FactReader(app)
        # The types worth decoding: those some view handles (see `FactReader.read`).
        self.wanted = frozenset(kind for view in self.views for kind in view.handlers)

    @property
    def table_names(self) -> set[str]:
        """The tables its views fill (what a rebuild has refilled)."""
        return {table.name for view in self.views for table in view.tables}

    def positions(self) -> dict[str, int]:
        """Each view's position (0 before its first event), read in one statement."""
        names = [v.name for v in self.views]
        if not names:
            return {}
        marks = ", ".join("?" * len(names))
        rows = self.app.db.query(
            f"SELECT projection, notification_id FROM projection_tracking WHERE "
            f"application_name = ? AND projection IN ({marks})",
            [self.app.name, *names],
        )
        found = dict(rows)
        return {name: found.get(name, 0) for name in names}

    def head(self) -> int:
        """The position of the newest event (0 in an empty log)."""
        return self.app.max_position() or 0

    def catch_up(
        self,
        batch_size: int = 2000,
        until: int | None = None,
        on_batch: Callable[[int], object] | None = None,
    ) -> Progress:
        """Apply every event not yet applied (up to `until`); returns the work done."""
        progress = Progress()
        started = time.perf_counter()
        while True:
            try:
                self._catch_up_once(batch_size, until, on_batch, progress)
                break
            except _Restart:
                continue
        for view in self.views:
            settle = getattr(view, "settle", None)
            if settle is not None:
                settle(self.app.db, self.app.name)
        progress.seconds = time.perf_counter() - started
        return progress

    def _catch_up_once(
        self,
        batch_size: int,
        until: int | None,
        on_batch: Callable[[int], object] | None,
        progress: Progress,
    ) -> None:
        positions = self.positions()
        lowest = min(positions.values(), default=0)
        for facts in self._read_ahead(lowest, batch_size, until):
            views = [v for v in self.views if positions[v.name] < facts[-1].position]
            for view in views:
                positions[view.name] = self._apply(view, positions[view.name], facts)
                if positions[view.name] < facts[-1].position:
                    # It moved under us (a rival process, a reset) to short of this batch's
                    # end: carrying on would skip what lies between. Read positions again.
                    raise _Restart
            codec.forget()  # what the batch cached: memory flat in the position
            progress.events += len(facts)
            progress.batches += 1
            if on_batch is not None:
                on_batch(len(facts))

    def _read_ahead(self, after: int, batch_size: int, until: int | None) -> Iterator[list[Fact]]:
        """Batches of facts; past the first, each read and decoded (on a thread) while
        the one before is applied. A follower's usual catch-up is one short batch and
        starts no thread."""
        first = self.log.read(after, batch_size, until, self.wanted)
        if not first:
            return
        yield first
        if len(first) < batch_size:
            return

        def rest() -> Iterator[list[Fact]]:
            """The batches after the first, until the end of the log (or `until`)."""
            position = first[-1].position
            while True:
                facts = self.log.read(position, batch_size, until, self.wanted)
                if not facts:
                    return
                yield facts
                position = facts[-1].position
                if len(facts) < batch_size:
                    return

        yield from prefetched(
            rest(), name="event-reader", on_thread_exit=self.app.db.release_thread
        )

    def _apply(self, view: View, position: int, facts: list[Fact]) -> int:
        todo = (
            facts if facts[0].position > position else [f for f in facts if f.position > position]
        )
        if not todo:
            return position
        try:
            try:
                return self._apply_batch(view, position, todo)
            except Exception as error:
                if isinstance(error, PositionMovedError) or not blames_the_data(error):
                    raise
                log.warning(
                    "view %s could not apply events %d-%d (%s); applying them one by one",
                    view.name,
                    todo[0].position,
                    todo[-1].position,
                    deadletters.describe(error),
                )
                return self._apply_singly(view, position, todo)
        except PositionMovedError:
            # Another process applied (or a rebuild reset) this view: start from its position.
            log.info("view %s moved under us; re-reading its position", view.name)
            return view.view.max_tracking_id(self.app.name) or 0

    def _apply_batch(self, view: View, position: int, todo: list[Fact]) -> int:
        """Apply facts in one transaction (the handlers' reads in a snapshot before it)."""
        began = time.perf_counter()
        last = todo[-1].position
        recorder: ViewRecorder = view.view
        if view.handlers:
            # Handlers run before the write transaction (SQLite has one writer at a
            # time: a rival process writing its own views then waits only for the
            # writes); what they read is read in one snapshot taken at this position.
            with ExitStack() as reads:
                batch, _ = view.prepare(_SnapshotAt(recorder, self.app.name, position, reads), todo)
        with recorder.db.transaction() as cur:
            # The position first: a rival applying the same events waits on the tracking
            # row and then finds it moved, without writing a row. Written after the rows,
            # two rivals upserted the same rows in different orders and deadlocked.
            recorder.advance(cur, Tracking(self.app.name, last), position or None)
            if view.handlers:
                batch.flush(cur)
            else:
                view.apply(cur, todo)
            rate = len(todo) / max(time.perf_counter() - began, 1e-6)
            recorder.note_rate(cur, self.app.name, rate)
        recorder.notify_advanced()
        return last

    def _apply_singly(self, view: View, position: int, todo: list[Fact]) -> int:
        """Apply a batch that failed one event at a time, setting aside (see
        `deadletters`) each event whose own values the view cannot apply, and go on."""
        recorder: ViewRecorder = view.view
        for fact in todo:
            try:
                position = self._apply_batch(view, position, [fact])
                continue
            except Exception as error:
                if isinstance(error, PositionMovedError) or not blames_the_data(error):
                    raise
                log.error(
                    "view %s sets aside event %d (%s): %s",
                    view.name,
                    fact.position,
                    fact.type,
                    deadletters.describe(error),
                )
                with recorder.db.transaction() as cur:
                    deadletters.record(cur, view.name, self.app.name, fact, error)
                    recorder.advance(cur, Tracking(self.app.name, fact.position), position or None)
                recorder.notify_advanced()
                position = fact.position
        return position

    def reset(self) -> None:
        """Empty the views and their positions (each view in one transaction)."""
        for view in self.views:
            with view.view.db.transaction() as cur:
                view.clear(cur)
                deadletters.clear(cur, view.name, self.app.name)
                cur.execute(
                    "DELETE FROM projection_tracking WHERE projection = ? AND application_name = ?",
                    (view.name, self.app.name),
                )
            view.view.notify_advanced()

    def rebuild(
        self,
        batch_size: int = 5000,
        until: int | None = None,
        on_batch: Callable[[int], object] | None = None,
    ) -> Progress:
        """Empty the views and apply the whole log again, many events per transaction."""
        self.reset()
        with collector_paused():
            return self.catch_up(batch_size=batch_size, until=until, on_batch=on_batch)

    def wait(self, position: int | None, timeout: float) -> None:
        """Block until every view has applied `position` (TimeoutError otherwise)."""
        if position is None or not self.views:
            return
        wait_for_position(
            self.app.db, position, lambda: min(self.positions().values()), timeout, what="the views"
        )
