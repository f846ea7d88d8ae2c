"""What every query checks and looks up: arguments, PINs, policy versions."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from typing import Any

from registry.domain import clock
from registry.domain.compliance import CertificateFact, PolicyVersion
from registry.domain.dates import EARLIEST_DATE, LATEST_DATE, in_supported_range
from registry.domain.errors import InvalidInputError, NotFoundError, RuleViolationError
from registry.projections.codec import date_value, time_value
from registry.storage import Cursor

_PIN = re.compile(r"[0-9]{14}")
MAX_PAGE = 10_000


def require_date(value: Any, field: str, default: date | None = None) -> date:
    """A calendar date argument (today in Bishkek when left out and no other default)."""
    if value is None:
        return default if default is not None else clock.today()
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInputError(
            f"{field} must be a date (YYYY-MM-DD).", field=field, code="invalid_date"
        )
    if not in_supported_range(value):
        raise InvalidInputError(
            f"{field} must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.",
            field=field,
            code="date_out_of_range",
        )
    return value


def require_moment(value: Any, field: str) -> datetime:
    """A moment argument with a time zone (now when left out)."""
    if value is None:
        return clock.now()
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            f"{field} must be a date and time with a UTC offset.",
            field=field,
            code="invalid_datetime",
        )
    if not in_supported_range(value.date()):
        raise InvalidInputError(
            f"{field} must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.",
            field=field,
            code="date_out_of_range",
        )
    return value.astimezone(clock.UTC)


KNOWN_AT_EXAMPLE = "2024-05-01T09:30:00+06:00"
# What fromisoformat should accept of a client (it accepts more: a NUL as separator...).
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,6})?)?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
_SPACED_OFFSET = re.compile(r"([Tt][0-9:.,]+) ([0-9]{2}(:?[0-9]{2})?)$")


def parse_known_at(
    value: Any, *, local_zone: tzinfo | None = None, field: str = "known_at"
) -> datetime:
    """`known_at` as every read takes it (the one parser of it), in UTC.

    ISO 8601 text of a date and a time with a UTC offset (`Z` or `+06:00`; a `+` that a
    query string turned into a space is restored), or a tz-aware datetime. Text without
    an offset is refused, unless `local_zone` says how to read it (the pages' date-time
    input, in Bishkek time). Whether the moment lies within the registry's life is the
    caller's to check (`Queries.known_moment`). Refusals are `RuleViolationError`s (422)
    naming the field, with codes invalid_known_at, known_at_without_offset and
    date_out_of_range (`field` names it when the moment is asked for under another
    name: `registry replay --until`).
    """
    if isinstance(value, str):
        text = _SPACED_OFFSET.sub(r"\1+\2", value.strip())
        if not _MOMENT.fullmatch(text):
            moment = None  # a date alone is not a moment either: which hour of it?
        else:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                moment = None
        if moment is None:
            raise RuleViolationError(
                f"{field} must be a date and time with a UTC offset, e.g. {KNOWN_AT_EXAMPLE}.",
                field=field,
                code="invalid_known_at",
            )
        value = moment
    if not isinstance(value, datetime):
        raise RuleViolationError(
            f"{field} must be a date and time with a UTC offset, e.g. {KNOWN_AT_EXAMPLE}.",
            field=field,
            code="invalid_known_at",
        )
    if value.tzinfo is None or value.utcoffset() is None:
        if local_zone is None:
            raise RuleViolationError(
                f"{field} needs a UTC offset (as in {KNOWN_AT_EXAMPLE}): without one the "
                "moment is ambiguous.",
                field=field,
                code="known_at_without_offset",
            )
        value = value.replace(tzinfo=local_zone)
    if not in_supported_range(value.date()):
        raise RuleViolationError(
            f"{field} must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.",
            field=field,
            code="date_out_of_range",
        )
    return value.astimezone(clock.UTC)


def require_page(limit: Any, offset: Any, most: int = MAX_PAGE) -> tuple[int, int]:
    """A page of results: 1 <= limit <= most, offset >= 0."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= most:
        raise InvalidInputError(
            f"limit must be a whole number from 1 to {most}.", field="limit", code="invalid_limit"
        )
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidInputError(
            "offset must be a whole number, 0 or more.", field="offset", code="invalid_offset"
        )
    return limit, offset


def require_choice(value: Any, choices: tuple[str, ...], field: str) -> str:
    """A value from a closed list (a grouping, a status)."""
    if value not in choices:
        raise InvalidInputError(
            f"{field} must be one of: {', '.join(choices)}.", field=field, code=f"invalid_{field}"
        )
    return value


def check_pin_text(pin: Any) -> str:
    """A PIN to look up: 14 digits (whether one is registered is the lookup's business)."""
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise InvalidInputError("A PIN is exactly 14 digits.", field="pin", code="invalid_pin")
    return pin


def teacher_id_for(cur: Cursor, pin: Any) -> str:
    """The internal id of the teacher a current or former PIN belongs to."""
    row = cur.query_one("SELECT teacher_id FROM teacher_pins WHERE pin = ?", (check_pin_text(pin),))
    if row is None:
        raise NotFoundError("No teacher with this PIN.", code="teacher_not_found")
    return row[0]


# The certificate index's columns a `CertificateFact` is made of, in `certificate_fact`'s order.
CERTIFICATE_FACT_COLUMNS = (
    "number, hours, issued_on, recorded_at, revoked_at, duplicate_of, form, provider_code"
)


def certificate_fact(row: Any) -> CertificateFact:
    """A certificate as the compliance rule takes it, from the index's
    `CERTIFICATE_FACT_COLUMNS`."""
    return CertificateFact(
        number=row[0],
        hours=row[1],
        issued_on=date_value(row[2]),
        recorded_at=time_value(row[3]),
        revoked_at=time_value(row[4]),
        duplicate_of=row[5],
        form=row[6],
        provider_code=row[7],
    )


def load_policies(cur: Cursor) -> list[PolicyVersion]:
    """Every adopted policy version, in the order adopted."""
    return [
        PolicyVersion(
            effective_from=date_value(r[0]),
            window_years=r[1],
            required_hours=r[2],
            recorded_at=time_value(r[3]),
        )
        for r in cur.query(
            "SELECT effective_from, window_years, required_hours, "
            "recorded_at FROM policy_versions ORDER BY position"
        )
    ]
