"""Interleaving the regional registers' events by recorded time, then storing them.

Each register hands over its saves as chunks of encoded rows, already in order. The
merger emits a row only when no register can still send an earlier one (ties go to the
lower register), so the log's order depends on the events alone, never on which process
ran faster; the rows are stored in large transactions by the registry's bulk writer.
"""

from __future__ import annotations

import queue
import threading
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from registry.storage.bulk import BulkWriter

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


@dataclass
class Chunk:
    """One save of a register: encoded rows in recorded-time order."""

    times: list[int]  # recorded time, microseconds since 1970 (exact, for the merge)
    ids: list[bytes]  # aggregate ids, 16 bytes each
    versions: list[int]
    topics: list[str]
    states: list[bytes]


def encode_chunk(writer: BulkWriter, events: Sequence[Any]) -> Chunk:
    """The rows of one save, as plain values that travel cheaply between processes."""
    ids, versions, topics, states = writer.rows(events)
    return Chunk(
        times=[(e.timestamp - EPOCH) // MICROSECOND for e in events],
        ids=[i.bytes for i in ids],
        versions=versions,
        topics=topics,
        states=states,
    )


class Merger:
    """Merges the registers' chunks by time and stores them in big transactions.

    The transactions run on a thread of their own, so that merging (and, in one
    process, simulating) goes on while the database writes: the drivers release the
    interpreter lock while they wait on the disk or the server.
    """

    def __init__(
        self,
        writer: BulkWriter,
        registers: int,
        *,
        write_size: int = 20_000,
        on_write: Callable[[int], None] | None = None,
    ):
        self.writer = writer
        self.on_write = on_write
        self.write_size = write_size
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._store, name="generate-writer", daemon=True)
        self._thread.start()
        self._chunks: list[deque[list]] = [deque() for _ in range(registers)]  # [chunk, next]
        self._finished = [False] * registers
        self._buffered = [0] * registers
        self._out: tuple[list, list, list, list] = ([], [], [], [])
        self.events = 0
        self.last_position: int | None = None

    def add(self, register: int, chunk: Chunk) -> None:
        """Accept a register's next save."""
        if chunk.times:
            self._chunks[register].append([chunk, 0])
            self._buffered[register] += len(chunk.times)

    def finish(self, register: int) -> None:
        """Note that a register has sent everything."""
        self._finished[register] = True

    def buffered(self, register: int) -> int:
        """Rows of a register waiting for the others to catch up."""
        return self._buffered[register]

    def drain(self) -> None:
        """Emit every row whose place is certain; store once enough have gathered."""
        while True:
            heads = []
            for register, chunks in enumerate(self._chunks):
                if chunks:
                    chunk, start = chunks[0]
                    heads.append((chunk.times[start], register))
                elif not self._finished[register]:
                    break  # it may still send an earlier row
            else:
                if not heads:
                    break
                heads.sort()
                self._take(heads)
                continue
            break
        if len(self._out[0]) >= self.write_size:
            self._write()

    def _take(self, heads: list[tuple[int, int]]) -> None:
        register = heads[0][1]
        chunk_and_start = self._chunks[register][0]
        chunk, start = chunk_and_start
        if len(heads) == 1:
            stop = len(chunk.times)
        else:
            bound, other = heads[1]
            find = bisect_right if register < other else bisect_left
            stop = find(chunk.times, bound, start)
        ids, versions, topics, states = self._out
        ids += chunk.ids[start:stop]
        versions += chunk.versions[start:stop]
        topics += chunk.topics[start:stop]
        states += chunk.states[start:stop]
        self._buffered[register] -= stop - start
        if stop == len(chunk.times):
            self._chunks[register].popleft()
        else:
            chunk_and_start[1] = stop

    def close(self) -> None:
        """Store whatever is left (every register must have finished) and wait for it."""
        try:
            self.drain()
            if any(self._chunks):
                raise RuntimeError("a register did not finish; its rows cannot be placed")
            self._write()
        finally:
            self.stop(quietly=True)
        if self._failure is not None:
            raise self._failure

    def stop(self, *, quietly: bool = False) -> None:
        """Let the writing thread finish what it was given; re-raise its failure."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._failure is not None and not quietly:
            raise self._failure

    def _write(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._out[0]:
            self._queue.put(self._out)
            self._out = ([], [], [], [])

    def _store(self) -> None:
        while (rows := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # drain the queue so that the producer never blocks
            try:
                self.last_position = self.writer.insert(*rows)
                self.events += len(rows[0])
                if self.on_write is not None:
                    self.on_write(self.last_position)
            except BaseException as error:  # reported to the producer on its next write
                self._failure = error
