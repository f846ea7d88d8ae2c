"""Waiting until the views reach a position: the one loop every waiter uses.

A view advancing in this process wakes the waiters on its database at once (`advanced`
notifies a condition per database); one advancing in another process is seen by
looking again every 2 ms, backing off to every 10 ms (one query per look), where the
library's own wait sleeps 100 ms before its first look.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from eventsourcing.persistence import WaitInterruptedError

from registry.storage.database import Database

FIRST_LOOK_S, LAST_LOOK_S = 0.002, 0.01

# One condition per database (i.e. per application) and process: a worker that advances
# a view wakes every reader waiting on that database, whatever object each one holds.
_conditions: weakref.WeakKeyDictionary[Database, threading.Condition] = weakref.WeakKeyDictionary()
_conditions_lock = threading.Lock()


def _condition(db: Database) -> threading.Condition:
    with _conditions_lock:
        condition = _conditions.get(db)
        if condition is None:
            condition = _conditions[db] = threading.Condition()
        return condition


def advanced(db: Database) -> None:
    """Wake every wait on this database in this process (a view has moved)."""
    condition = _condition(db)
    with condition:
        condition.notify_all()


def wait_for_position(
    db: Database,
    position: int,
    reached: Callable[[], int | None],
    timeout: float,
    *,
    what: str = "the views",
    interrupt: threading.Event | None = None,
) -> None:
    """Block until `reached()` (a position, None before the first) is `position` or
    more; TimeoutError after `timeout` seconds, WaitInterruptedError once `interrupt`
    is set."""
    condition = _condition(db)
    deadline = time.monotonic() + timeout
    interval = FIRST_LOOK_S
    while (reached() or 0) < position:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"position {position} not reached by {what} in {timeout:g} s")
        if interrupt is not None and interrupt.is_set():
            raise WaitInterruptedError(what)
        with condition:
            condition.wait(min(interval, remaining))
        interval = min(interval * 1.5, LAST_LOOK_S)
