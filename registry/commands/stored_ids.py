"""The ids of every stored aggregate, kept by a bulk run in a few bytes each.

A bulk run (generate) asks, for each new aggregate, whether its id is stored already: a
set of `UUID.int` answered that exactly, but at ~75 bytes an id it was the largest
single part of a generating worker's memory (12 ids a teacher: 0.9 kB of the 5.4 kB a
teacher cost at one million teachers). `StoredIds` is a Bloom filter over the same ids
(7-12 bytes an id, the growth's slack included): it never answers "absent" for an id it
was given, and answers "present" for one it was not about once in 200 lookups (a layer
errs less than the one before); the session then reads the store, as it would without
the filter, and finds nothing, so the commands answer the same and only such a lookup
costs a read. The filter grows by layers of four times the capacity each (a scalable
Bloom filter), so it needs no size given in advance.

The ids are uuid4 or uuid5 values (random or SHA-1 bits apart from their version and
variant), so their own bits serve as the hashes: the 48 low bits pick a 64-bit word of
a layer and the 32 high ones five bits in it (a blocked Bloom filter: one word read a
layer), with no hash computed. A lookup costs ~0.5 µs against a set's 0.05: a session
asks only for ids it does not hold, and adds only the aggregates it created
(`Session.saved`).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

BITS_PER_ID = 16  # ~0.3 % false "present" in a full first layer
MORE_BITS_PER_LAYER = 4  # each later layer errs less: all of them together, under 1 %
FIRST_CAPACITY = 1 << 16
_BLOCK = (1 << 48) - 1  # the low 48 bits pick a 64-bit word
_BIT = 63  # five 6-bit slices of the high 32 bits pick its bits


def _pattern(key: int) -> int:
    high = key >> 96
    return (
        1 << (high & _BIT)
        | 1 << (high >> 6 & _BIT)
        | 1 << (high >> 12 & _BIT)
        | 1 << (high >> 18 & _BIT)
        | 1 << (high >> 24 & _BIT)
    )


class StoredIds:
    """A growing Bloom filter of `UUID.int` values: `in` is never wrong about an added id."""

    def __init__(self, ids: Iterable[int] = (), capacity: int = FIRST_CAPACITY):
        self._layers: list[tuple[array, int]] = []  # (64-bit words, their number less one)
        self._capacity = 0  # of the newest layer
        self._count = 0  # ids added to the newest layer
        self._grow(max(capacity, 1))
        self.update(ids)

    def _grow(self, capacity: int) -> None:
        bits = capacity * (BITS_PER_ID + MORE_BITS_PER_LAYER * len(self._layers))
        words = 1 << max((bits - 1) // 64, 1).bit_length()  # a power of two: a mask
        self._layers.append((array("Q", bytes(8 * words)), words - 1))
        self._capacity, self._count = capacity, 0

    def __contains__(self, key: int) -> bool:
        pattern = _pattern(key)
        for words, mask in self._layers:  # noqa: SIM110  (any() of a generator: slower, and this is every lookup)
            if words[key & _BLOCK & mask] & pattern == pattern:
                return True
        return False

    def add(self, key: int) -> None:
        """Remember an id. One given twice counts twice towards the next layer: a session
        gives each new id once (`Session.saved`), so no lookup is spent to find out."""
        if self._count >= self._capacity:
            self._grow(self._capacity * 4)
        words, mask = self._layers[-1]
        words[key & _BLOCK & mask] |= _pattern(key)
        self._count += 1

    def update(self, keys: Iterable[int]) -> None:
        for key in keys:
            self.add(key)

    @property
    def nbytes(self) -> int:
        """The memory its bits take."""
        return sum(8 * len(words) for words, _ in self._layers)
