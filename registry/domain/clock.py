"""The registry's sense of time: real time, or a frozen instant for generated history.

Events take their timestamp (the time they were recorded) from here, and commands
judge "in the future" against the Kyrgyz calendar date, not the UTC one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC as UTC  # re-exported: the registry names its zones here
from datetime import date, datetime
from zoneinfo import ZoneInfo

BISHKEK = ZoneInfo("Asia/Bishkek")

_frozen: ContextVar[datetime | None] = ContextVar("registry_frozen_now", default=None)


def now() -> datetime:
    """The current instant in UTC (or the frozen one inside `frozen_at`)."""
    return _frozen.get() or datetime.now(UTC)


def today() -> date:
    """Today's date in Bishkek, the date against which 'not in the future' is judged."""
    return now().astimezone(BISHKEK).date()


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Run a block as if the clock showed `instant` (used to write synthetic history)."""
    if instant.tzinfo is None:
        raise ValueError("a frozen instant must carry a time zone")
    token = _frozen.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)
