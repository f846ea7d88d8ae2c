"""Answers kept while the views they were computed from have not moved, computed once.

A statistics page for today is asked for by many people in a row; judging 20,000
teachers takes 100-200 ms each time (126-147 ms under 4 writers). An answer is
therefore kept under its arguments together with the views' positions when it was
computed, and served again for as long as no view has applied anything since (one small
query to check). While writes land the views move every few tens of milliseconds, so
two more rules keep the computation from being repeated by every request at once:

- one computation per key at a time: a request that finds one running waits for it and
  answers its result (computed from positions at most one computation older than its own);
- while a computation runs, the previous answer is served at once if it is at most
  `max_stale_s` old (setting `answer_stale_s`).

Neither ever answers below the position a read asked for with `min_position`: the wait
for it records that position (`require_position`), and an answer computed from lower
positions is not used for it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from registry.storage import Database

Rows = list[dict[str, Any]]

# The position the current read asked for (min_position). A thread that served such a
# read keeps it for its next one: stricter (fresher), never wrong.
_required: ContextVar[int] = ContextVar("required_position", default=0)


def require_position(position: int) -> None:
    """Note that the current read must see every view at `position` or beyond."""
    _required.set(position)


def _lowest(stamp: tuple) -> int:
    return min((row[1] or 0 for row in stamp), default=0)


@dataclass
class _Entry:
    stamp: tuple
    answer: Rows
    at: float  # monotonic time its computation started (its positions were read)


@dataclass
class _Flight:
    stamp: tuple
    done: threading.Event = field(default_factory=threading.Event)
    entry: _Entry | None = None


class PositionedCache:
    """A small LRU of answers, each valid for the view positions it was computed at."""

    def __init__(self, db: Database, size: int = 64, max_stale_s: float = 30.0):
        self.db = db
        self.size = size
        self.max_stale_s = max_stale_s
        self.computations = 0  # how many times an answer was computed (for the tests)
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def stamp(self) -> tuple:
        """Where every view is now."""
        return tuple(
            self.db.query(
                "SELECT projection, notification_id FROM projection_tracking ORDER BY projection"
            )
        )

    def get(self, key: Hashable, compute: Callable[[], Rows]) -> Rows:
        """The answer under `key`, computed again only if a view has moved since."""
        required = _required.get()
        while True:
            stamp = self.stamp()
            now = time.monotonic()
            with self._lock:
                found = self._entries.get(key)
                if found is not None and found.stamp == stamp:
                    self._entries.move_to_end(key)
                    return _copy(found.answer)
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight(stamp)
                    break  # this request computes
                if (
                    found is not None
                    and now - found.at <= self.max_stale_s
                    and _lowest(found.stamp) >= required
                ):
                    return _copy(found.answer)
            flight.done.wait()
            if flight.entry is not None and _lowest(flight.entry.stamp) >= required:
                return _copy(flight.entry.answer)
            # The computation failed, or ran from positions below this read's: go again.
        try:
            entry = _Entry(stamp, compute(), now)
            flight.entry = entry
            with self._lock:
                self.computations += 1
                current = self._entries.get(key)
                if current is None or _lowest(current.stamp) <= _lowest(stamp):
                    self._entries[key] = entry
                    self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            return _copy(entry.answer)
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()


def _copy(answer: Rows) -> Rows:
    return [dict(row) for row in answer]
