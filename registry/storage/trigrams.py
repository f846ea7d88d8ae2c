"""pg_trgm's `similarity` in Python, for SQLite (which has no such function): the share of
trigrams two texts have in common, each word padded as pg_trgm pads it."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)
def trigrams(text: str) -> frozenset[str]:
    """The trigrams of a text's words, each word lower-cased and padded with two spaces
    before and one after (as pg_trgm's show_trgm)."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(left: str | None, right: str | None) -> float:
    """Shared trigrams over all trigrams of the two texts, 0 to 1 (0 if either is empty)."""
    if not left or not right:
        return 0.0
    a, b = trigrams(right), _trigrams_uncached(left)
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _trigrams_uncached(text: str) -> frozenset[str]:
    # Stored keys differ row by row; caching them would only churn the cache.
    return trigrams.__wrapped__(text)
