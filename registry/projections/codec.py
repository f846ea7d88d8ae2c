"""How view tables store dates, times, ids and flags, identically on both engines.

Dates are ISO `YYYY-MM-DD` text and times UTC text of one fixed width
(`YYYY-MM-DDTHH:MM:SS.ffffffZ`), so that text order is time order in SQL on either
engine; ids are canonical UUID text; booleans are 0/1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, overload
from uuid import UUID

UTC = UTC
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
BEGINNING = "0001-01-01"  # "since registration" for effective-dated rows
UNKNOWN = "unknown"  # a group value not recorded (mode and funding of paper certificates)


@lru_cache(maxsize=8192)  # events of one save share their instant; strftime is slow
def time_text(moment: datetime) -> str:
    """A tz-aware moment as sortable UTC text."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"a moment needs a time zone: {moment.isoformat()}")
    if offset:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"


@overload
def time_value(text: None) -> None: ...
@overload
def time_value(text: str) -> datetime: ...
def time_value(text: str | None) -> datetime | None:
    """Stored time text back to a tz-aware UTC datetime."""
    if text is None:
        return None
    if len(text) == 27 and text[10] == "T" and text[19] == "." and text[26] == "Z":
        return datetime.fromisoformat(text)  # time_text's shape, read in C ("Z": UTC)
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


_DATE_TEXTS: dict[date, str] = {}  # a history's events name a few thousand days


@overload
def date_text(day: None) -> None: ...
@overload
def date_text(day: date | str) -> str: ...
def date_text(day: date | str | None) -> str | None:
    """A date (or ISO text, as nested event data may carry) as ISO text."""
    if day is None or day.__class__ is str:
        return day
    text = _DATE_TEXTS.get(day)  # type: ignore[arg-type]  # a str subclass misses, returned below
    if text is None:
        if isinstance(day, str):
            return day
        if len(_DATE_TEXTS) > 100_000:
            _DATE_TEXTS.clear()
        text = _DATE_TEXTS[day] = day.isoformat()
    return text


@overload
def date_value(text: None) -> None: ...
@overload
def date_value(text: str) -> date: ...
def date_value(text: str | None) -> date | None:
    """Stored date text back to a date."""
    return None if text is None else date.fromisoformat(text)


# A batch names the same teachers and certificates often. Keyed by the id's integer:
# a UUID hashes and compares in Python code, an int in C.
_ID_TEXTS: dict[int, str] = {}


@overload
def id_text(value: None) -> None: ...
@overload
def id_text(value: UUID | str) -> str: ...
def id_text(value: UUID | str | None) -> str | None:
    """An id as canonical UUID text."""
    if value is None or value.__class__ is str:
        return value
    try:
        number = value.int  # type: ignore[union-attr]  # text of a str subclass: caught below
    except AttributeError:  # text of another class
        return str(value)
    text = _ID_TEXTS.get(number)
    if text is None:
        if len(_ID_TEXTS) > 100_000:
            _ID_TEXTS.clear()
        text = _ID_TEXTS[number] = str(value)
    return text


def forget() -> None:
    """Drop the texts cached above (the worker calls this after each batch).

    They serve the repeats within a batch. Kept across batches they grew with the log
    up to their limit (100,000 ids, 100,000 days, 8,192 times), and each text, allocated
    among a batch's short-lived objects, held that batch's memory pages (Python's small-
    object arenas are returned only when empty): a rebuild's memory grew with its position.
    """
    _ID_TEXTS.clear()
    _DATE_TEXTS.clear()
    time_text.cache_clear()


def flag(value: Any) -> int | None:
    """A boolean as 0/1 (None stays None)."""
    return None if value is None else int(bool(value))
