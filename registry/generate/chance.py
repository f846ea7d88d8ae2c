"""Seeded random draws used throughout the synthetic history.

Drawn from `random.Random.random()` only, through small helpers, because the history
draws millions of times and `randint`/`choices` cost several times more per draw.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed weighted choice, prepared once because it is drawn many times."""

    def __init__(self, pairs: Iterable[tuple[T, float]]):
        pairs = list(pairs)
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]
        self.last = len(self.values) - 1

    def pick(self, rng: random.Random) -> T:
        """Draw one value."""
        index = bisect_right(self.cumulative, rng.random() * self.total)
        return self.values[min(index, self.last)]


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive."""
    return low + int(rng.random() * (high - low + 1))


def one_of(rng: random.Random, values: Sequence[T]) -> T:
    """One of the values, each equally likely."""
    return values[int(rng.random() * len(values))]


def random_day(rng: random.Random, low: date, high: date) -> date:
    """A day in [low, high] (low when the range is empty)."""
    span = (high - low).days
    return low + timedelta(days=int(rng.random() * (span + 1))) if span > 0 else low
