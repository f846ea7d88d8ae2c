"""Calendar helpers for the compliance rule: anniversaries and strict ISO parsing."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime

__all__ = ["add_years", "parse_date", "parse_datetime"]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# The dates the registry reasons about: a century before any teacher now in service to far
# beyond any plan. Windows and due dates computed from a date outside stay within what
# `date` can hold (year 9999), so reads never fail on an absurd `as_of`.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2999, 12, 31)


def in_supported_range(d: date) -> bool:
    """Whether a date lies between EARLIEST_DATE and LATEST_DATE."""
    return EARLIEST_DATE <= d <= LATEST_DATE


def add_years(d: date, n: int) -> date:
    """Return the same month and day n years later (29 Feb -> 28 Feb in common years), so windows end on anniversaries."""
    year = d.year + n
    if not 1 <= year <= 9999:
        raise ValueError(f"year {year} is out of range: cannot add {n} years to {d.isoformat()}")
    if d.month == 2 and d.day == 29 and not calendar.isleap(year):
        return d.replace(year=year, day=28)
    return d.replace(year=year)


def parse_date(text: str) -> date:
    """Parse a strict ISO YYYY-MM-DD date, so ambiguous or partial input is refused rather than guessed."""
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2025-01-31")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"invalid date {text!r}: no such calendar day (expected YYYY-MM-DD)"
        ) from None


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 moment that carries an offset and return it in UTC, so instants are never ambiguous."""
    if not isinstance(text, str):
        raise ValueError(f"invalid datetime {text!r}: expected an ISO 8601 string with an offset")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"invalid datetime {text!r}: expected ISO 8601, e.g. 2025-01-31T09:30:00+06:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"invalid datetime {text!r}: a UTC offset is required, e.g. 2025-01-31T09:30:00Z"
        )
    return moment.astimezone(UTC)
