"""Reading ahead: a thread produces the next batches while the caller works on this one."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetched(
    batches: Iterator[T],
    *,
    depth: int = 2,
    name: str = "prefetch",
    on_thread_exit: Callable[[], None] | None = None,
) -> Iterator[T]:
    """The same batches, produced by a thread up to `depth` ahead of the caller.

    The database reads (PostgreSQL works in its own process, SQLite releases the GIL)
    overlap with the caller's Python work. An error in the producer is re-raised in the
    caller; a caller that stops early stops the producer. `on_thread_exit` runs on the
    producing thread when it ends (e.g. to close that thread's connection).
    """
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not offer(batch):
                    return
            offer(done)
        except BaseException as error:  # handed to the caller, raised there
            offer(error)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()
            if on_thread_exit is not None:
                on_thread_exit()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while (item := pending.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                pending.get_nowait()
            except queue.Empty:
                thread.join(0.01)
