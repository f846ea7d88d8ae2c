"""Answers kept while the views they were computed from have not moved, computed once.

A statistics page for today is asked for by many people in a row; judging 20,000
teachers takes 100-200 ms on a quiet machine and more than a second under 50 readers
and 4 writers. An answer is therefore kept under its arguments together with the views'
positions when it was computed, and served again for as long as no view has applied
anything since (one small query to check). While writes land the views move every few
tens of milliseconds, so three more rules keep the computation off the readers' backs:

- one computation per key at a time: a request that must have a fresh answer and finds
  one running waits for it and answers its result;
- an answer at most `max_stale_s` old (setting `answer_stale_s`) is served at once while
  the views have moved, and the fresh one is computed in the background, by a thread of
  its own: no reader waits for it (under load a reader that computed waited 1-4 s);
- a key is recomputed at most once per `refresh_factor` times its last computation's
  duration (and at least every `max_stale_s / 2`), so a busy server spends at most a
  fraction of its time on statistics however fast the views move.

None of this ever answers below the position a read asked for with `min_position`: the
wait for it records that position (`require_position`), and an answer computed from
lower positions is not used for it. The position an answer was computed at is noted
for the read (`served_position`), so the API's X-Registry-Position names it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from registry.projections.checks import CHECK_ROW
from registry.storage import Database

Rows = list[dict[str, Any]]
log = logging.getLogger(__name__)

# The position the current read asked for (min_position); `begin_read` forgets it.
_required: ContextVar[int] = ContextVar("required_position", default=0)
# The lowest position of the cached answers served to the current read (None: none).
_served: ContextVar[int | None] = ContextVar("served_position", default=None)


# Whether the current read is to note where the views stood in its own statement (for
# the answer's headers: `want_standing`), and where they stood then (`note_standing`).
_standing_wanted: ContextVar[bool] = ContextVar("standing_wanted", default=False)
_standing: ContextVar[tuple[int, int] | None] = ContextVar("standing", default=None)


def require_position(position: int) -> None:
    """Note that the current read must see every view at `position` or beyond."""
    _required.set(position)


def begin_read() -> None:
    """A new read starts on this thread: forget the previous read's positions."""
    _required.set(0)
    _served.set(None)
    _standing_wanted.set(False)
    _standing.set(None)


def want_standing() -> None:
    """Ask the current read to note (position, head) of the views as it reads them
    (`Queries.standing`), instead of a statement of its own before it."""
    _standing_wanted.set(True)


def standing_wanted() -> bool:
    """Whether the current read is to note where the views stand (`want_standing`)."""
    return _standing_wanted.get()


def note_standing(standing: tuple[int, int]) -> None:
    """Where the views stood (position, head) when the current read read them."""
    _standing.set(standing)


def noted_standing() -> tuple[int, int] | None:
    """What the current read noted with `note_standing`, if anything."""
    return _standing.get()


def served_position() -> int | None:
    """The lowest view position of the cached answers this read served, if any."""
    return _served.get()


def _note_served(position: int) -> None:
    current = _served.get()
    _served.set(position if current is None else min(current, position))


def _lowest(stamp: tuple) -> int:
    return min((row[1] or 0 for row in stamp), default=0)


@dataclass
class _Entry:
    stamp: tuple
    answer: Rows
    at: float  # monotonic time its computation started (its positions were read)
    took: float = 0.0  # seconds its computation took


@dataclass
class _Flight:
    stamp: tuple
    done: threading.Event = field(default_factory=threading.Event)
    entry: _Entry | None = None


class PositionedCache:
    """A small LRU of answers, each valid for the view positions it was computed at."""

    def __init__(
        self,
        db: Database,
        size: int = 64,
        max_stale_s: float = 30.0,
        refresh_factor: float = 5.0,
    ):
        self.db = db
        self.size = size
        self.max_stale_s = max_stale_s
        self.refresh_factor = refresh_factor
        self.computations = 0  # how many times an answer was computed (for the tests)
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def stamp(self) -> tuple:
        """Where every view is now: the views' rows of `projection_tracking`, not the
        follower's own (`CHECK_ROW`), which notes when it last looked, a few seconds
        apart: counted, it put an answer below the position its read had waited for and
        made a new look invalidate every answer."""
        return tuple(
            self.db.query(
                "SELECT projection, notification_id FROM projection_tracking "
                "WHERE projection <> ? ORDER BY projection",
                (CHECK_ROW,),
            )
        )

    def get(self, key: Hashable, compute: Callable[[], Rows]) -> Rows:
        """The answer under `key`, computed again only if a view has moved since."""
        required = _required.get()
        while True:
            stamp = self.stamp()
            now = time.monotonic()
            refresh = None
            with self._lock:
                found = self._entries.get(key)
                if found is not None and found.stamp == stamp:
                    self._entries.move_to_end(key)
                    return self._serve(found)
                flight = self._flights.get(key)
                if (
                    found is not None
                    and now - found.at <= self.max_stale_s
                    and _lowest(found.stamp) >= required
                ):
                    answer = self._serve(found)
                    if flight is None and now - found.at >= self._refresh_after(found):
                        refresh = self._flights[key] = _Flight(stamp)
                elif flight is None:
                    flight = self._flights[key] = _Flight(stamp)
                    break  # this request computes: there is nothing it may answer meanwhile
                else:
                    answer = None
            if answer is not None:
                if refresh is not None:
                    self._refresher().submit(self._refresh, key, refresh, compute)
                return answer
            assert flight is not None
            flight.done.wait()
            if flight.entry is not None and _lowest(flight.entry.stamp) >= required:
                return self._serve(flight.entry)
            # The computation failed, or ran from positions below this read's: go again.
        return self._serve(self._fly(key, flight, compute))

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until no computation runs (background refreshes included)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                flights = list(self._flights.values())
            if not flights:
                return
            for flight in flights:
                flight.done.wait(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return

    def _refresh_after(self, entry: _Entry) -> float:
        """Seconds after an answer's computation began before it is recomputed."""
        return min(self.max_stale_s / 2, self.refresh_factor * entry.took)

    def _serve(self, entry: _Entry) -> Rows:
        _note_served(_lowest(entry.stamp))
        return _copy(entry.answer)

    def _refresher(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="answer-refresh")
            return self._executor

    def _refresh(self, key: Hashable, flight: _Flight, compute: Callable[[], Rows]) -> None:
        """A background recomputation: its failure is logged, and the next read retries."""
        try:
            self._fly(key, flight, compute)
        except Exception:
            log.warning("recomputing the answer %r failed", key, exc_info=True)

    def _fly(self, key: Hashable, flight: _Flight, compute: Callable[[], Rows]) -> _Entry:
        """Compute the answer for `flight` (from the positions it read) and keep it."""
        try:
            began = time.monotonic()
            entry = _Entry(flight.stamp, compute(), began, time.monotonic() - began)
            flight.entry = entry
            with self._lock:
                self.computations += 1
                current = self._entries.get(key)
                if current is None or _lowest(current.stamp) <= _lowest(entry.stamp):
                    self._entries[key] = entry
                    self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            return entry
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()


def _copy(answer: Rows) -> Rows:
    return [dict(row) for row in answer]
