"""Reading dates and times from a page's query string, with a readable error for bad ones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _

from registry.domain.errors import RegistryError
from web.i18n import datetime_filter
from web.schemas.common import FIRST_DAY, LAST_DAY, MAX_INT64
from web.services import services

BISHKEK = ZoneInfo("Asia/Bishkek")
# A page number times a page's size must stay a 64-bit offset: no list has this many pages.
MAX_PAGE = 1_000_000


def today() -> date:
    """Today in Bishkek (the registry's calendar)."""
    return datetime.now(BISHKEK).date()


class QueryArgs:
    """Parses optional query arguments, collecting one message per bad value."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def date(self, name: str, default: date | None = None) -> date | None:
        """An ISO date argument (2024-05-01), or the default."""
        text = (request.args.get(name) or "").strip()
        if not text:
            return default
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        # Years near 1 or 9999 would overflow the windows computed around the date.
        if day is None or not FIRST_DAY <= day <= LAST_DAY:
            self.errors.append(_("“%(value)s” is not a date (use YYYY-MM-DD).", value=text[:40]))
            return default
        return day

    def moment(self, name: str) -> datetime | None:
        """A date-time argument (from an <input type=datetime-local>, Bishkek time), in UTC."""
        text = (request.args.get(name) or "").strip()
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or not FIRST_DAY <= value.date() <= LAST_DAY:
            self.errors.append(_("“%(value)s” is not a date and time.", value=text[:40]))
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=BISHKEK)
        return value.astimezone(UTC)

    def known_at(self, name: str = "known_at") -> datetime | None:
        """A moment to show the registry as known at, in UTC, checked by the registry's one
        parser of it (`Queries.known_moment`): from an <input type=datetime-local> (Bishkek
        time) or with an offset; not in the future, not before the first record."""
        text = (request.args.get(name) or "").strip()
        if not text:
            return None
        try:
            return services().queries.known_moment(text, local_zone=BISHKEK)
        except RegistryError as error:
            self.errors.append(known_at_message(error.code, text))
            return None

    def end_of_day(self, name: str) -> datetime | None:
        """A date argument read as the end of that day in Bishkek, in UTC (a range's "to")."""
        day = self.date(name)
        if day is None:
            return None
        return datetime.combine(day + timedelta(days=1), time(), BISHKEK).astimezone(UTC)

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        """One of a closed set of values."""
        value = request.args.get(name) or default
        if value not in choices:
            self.errors.append(_("“%(value)s” is not one of the choices.", value=value[:40]))
            return default
        return value

    def integer(
        self, name: str, default: int = 0, minimum: int = 0, maximum: int = MAX_INT64
    ) -> int:
        """A whole number argument (a position, a page), within 64 bits (the databases'
        integers; '²' is a digit to str.isdigit but not to int)."""
        text = (request.args.get(name) or "").strip()
        if not text:
            return default
        if not re.fullmatch(r"[0-9]{1,19}", text) or not minimum <= int(text) <= maximum:
            self.errors.append(_("“%(value)s” is not a whole number.", value=text[:40]))
            return default
        return int(text)


def known_at_message(code: str, text: str) -> str:
    """Why a moment to show the registry as known at was refused, in the reader's language."""
    value = text[:40]
    if code == "known_at_in_future":
        return _(
            "“%(value)s” is in the future: the registry can show only what it has known.",
            value=value,
        )
    if code == "known_at_before_first_event":
        first = services().queries.first_recorded_at()
        return _(
            "“%(value)s” is before the registry's first record (%(when)s): nothing was known then.",
            value=value,
            when=datetime_filter(first) if first else "—",
        )
    return _("“%(value)s” is not a date and time.", value=value)


def local_input(value: datetime | None) -> str:
    """A UTC time as the value of an <input type=datetime-local> in Bishkek time (to the
    minute, or the second when it has seconds)."""
    if value is None:
        return ""
    local = value.astimezone(BISHKEK)
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def moment_text(value: datetime | None) -> str | None:
    """A moment as exact ISO text for links that keep it (None stays None)."""
    return value.isoformat() if value is not None else None


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, the last and those around the current
    one, None where some are left out (an ellipsis)."""
    shown = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers if last > 1 else []


def last_page(total: int, size: int) -> int:
    """How many pages of `size` hold `total` rows (at least one)."""
    return max(1, -(-total // size))
