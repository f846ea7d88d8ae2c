"""The simulated calendar: actions run in the order they happen, with the clock frozen there.

Every action has a moment (a working hour in Bishkek); ties keep the order in which they
were scheduled, and each action runs at least a microsecond after the previous one, so
recorded times strictly increase along a register's commands.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from registry.domain.clock import BISHKEK, frozen_at
from registry.generate.chance import between

Action = Callable[..., None]
_TICK = timedelta(microseconds=1)


def working_moment(rng: random.Random, day: date) -> datetime:
    """A moment during the working day (09:00–18:00 Bishkek time)."""
    return datetime.combine(day, time(9), BISHKEK) + timedelta(minutes=between(rng, 0, 539))


def moment_after(rng: random.Random, earlier: datetime, day: date) -> datetime:
    """A working moment on `day`, or shortly after `earlier` if that is later."""
    moment = working_moment(rng, day)
    if moment <= earlier:
        moment = earlier + timedelta(minutes=between(rng, 3, 90))
    return moment


def day_of(moment: datetime) -> date:
    """The Bishkek calendar day of a moment."""
    if moment.tzinfo is BISHKEK:  # the simulation's own moments: no conversion needed
        return moment.date()
    return moment.astimezone(BISHKEK).date()


class Timeline:
    """A queue of scheduled actions, run chronologically."""

    def __init__(self, end: datetime):
        self.end = end
        self._queue: list[tuple[datetime, int, Action, tuple[Any, ...]]] = []
        self._order = itertools.count()
        self.now: datetime | None = None

    def __len__(self) -> int:
        return len(self._queue)

    def at(self, moment: datetime, action: Action, *args: Any) -> None:
        """Schedule an action; one after the end of the history never happens."""
        if moment <= self.end:
            heapq.heappush(self._queue, (moment, next(self._order), action, args))

    def next_before(self, limit: datetime | None) -> datetime | None:
        """The moment the next action will run at, if it comes before `limit`."""
        if not self._queue or (limit is not None and self._queue[0][0] >= limit):
            return None
        moment = self._queue[0][0]
        return moment if self.now is None or moment > self.now else self.now + _TICK

    def run_next(self) -> None:
        """Run the next action with the clock frozen at its moment."""
        moment = self.next_before(None)
        assert moment is not None  # called only while an action is waiting
        _, _, action, args = heapq.heappop(self._queue)
        self.now = moment
        with frozen_at(moment):
            action(*args)

    def run_until(
        self, limit: datetime | None, on_day: Callable[[date], None] | None = None
    ) -> None:
        """Run every action before `limit` (all, if None), telling `on_day` of each new day."""
        queue, pop, day = self._queue, heapq.heappop, None
        while queue and (limit is None or queue[0][0] < limit):
            moment, _, action, args = pop(queue)
            if self.now is not None and moment <= self.now:
                moment = self.now + _TICK
            self.now = moment
            if on_day is not None and (today := day_of(moment)) != day:
                day = today
                on_day(today)
            with frozen_at(moment):
                action(*args)
