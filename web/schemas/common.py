"""Strict fields and the shapes every endpoint shares (errors, read arguments, lists).

Request schemas check form only: JSON types, required fields, calendar dates, no
unknown fields (a 400). Whether a value obeys the regulation (a PIN's birth date, a
course's 72 hours, a region code) is the domain's rule and answers 422, so the
vocabularies appear here as documentation (`enum`) rather than as validators.
"""

from __future__ import annotations

import numbers
import re
from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields, validate

from registry.domain import clock
from registry.domain.dates import EARLIEST_DATE, LATEST_DATE
from registry.domain.errors import RegistryError
from registry.domain.limits import max_length
from registry.domain.values import NUMBER_PATTERN, PIN_PATTERN
from registry.queries.common import parse_known_at
from web.errors import TOO_LONG

# Every integer a client sends must fit the 64-bit integers of both engines' columns:
# a larger one is malformed input (400), never a failed statement (500).
MIN_INT64, MAX_INT64 = -(2**63), 2**63 - 1

# C0 and C1 control characters, DEL and lone surrogates: no query or path value holds
# one (PostgreSQL refuses a NUL outright, SQLite's LIKE matched everything with it).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
NO_CONTROL_CHARACTERS = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"  # the same, for the OpenAPI

# The calendar the registry reasons in (the domain's): compliance windows, due dates and
# grace periods reach years around a date, which near year 1 or 9999 overflow (a 500).
FIRST_DAY, LAST_DAY = EARLIEST_DATE, LATEST_DATE
OUT_OF_CALENDAR = f"Not a date from {FIRST_DAY} to {LAST_DAY}."


class StrictInteger(fields.Integer):
    """A JSON integer (not a string, a float or a boolean) within 64 bits."""

    def __init__(self, **kwargs):
        super().__init__(
            strict=True, validate=validate.Range(min=MIN_INT64, max=MAX_INT64), **kwargs
        )

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class NoControlCharacters(validate.Validator):
    """Refuses text holding a control character."""

    error = "Control characters are not allowed."

    def __call__(self, value):
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValidationError(self.error)
        return value


class QueryInteger(fields.Integer):
    """An integer from a query string (text of digits, not '1.5'), within its range and
    never beyond 64 bits."""

    def __init__(self, *, minimum: int = MIN_INT64, maximum: int = MAX_INT64, **kwargs):
        super().__init__(
            validate=validate.Range(min=max(minimum, MIN_INT64), max=min(maximum, MAX_INT64)),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not re.fullmatch(r"\s*-?\d+\s*", value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class QueryText(fields.String):
    """Text from a query string: at most `max_length` characters, no control characters."""

    def __init__(self, max_length: int = 200, **kwargs):
        metadata = {"pattern": NO_CONTROL_CHARACTERS, **kwargs.pop("metadata", {})}
        super().__init__(
            validate=[validate.Length(max=max_length), NoControlCharacters()],
            metadata=metadata,
            **kwargs,
        )


class StrictNumber(fields.Float):
    """A JSON number: not a string or a boolean."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON true or false: not 1, "yes" or "true"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class IsoDate(fields.Date):
    """A calendar date (YYYY-MM-DD); dumps dates and ISO text alike."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str) or value is None:
            return value
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()
        ):
            raise self.make_error("invalid")
        day = super()._deserialize(value.strip(), attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(OUT_OF_CALENDAR)
        return day


class IsoDateTime(fields.DateTime):
    """A point in time with an offset; stored and returned in UTC.

    A time without an offset is taken as UTC; a bare date means the end of that day
    in Bishkek (what "as known on 1 May" means to a person). A '+' of an offset that
    arrived unencoded in a query string (a space) is restored.
    """

    INVALID = "Not a valid time: use ISO 8601 with an offset, e.g. 2024-05-01T09:30:00+06:00."

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str) or value is None:
            return value
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(self.INVALID)
        text = value.strip()
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise ValidationError(self.INVALID) from None
            moment = datetime.combine(day, datetime.max.time(), tzinfo=clock.BISHKEK)
        else:
            text = re.sub(r" ([0-9]{2}:?[0-9]{2})$", r"+\1", text)
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(self.INVALID) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        if not FIRST_DAY <= moment.date() <= LAST_DAY:  # before UTC: that may overflow
            raise ValidationError(OUT_OF_CALENDAR)
        return moment.astimezone(UTC)


def text(field: str, **kwargs) -> fields.String:
    """Required text whose limit is the domain's named one for `field` (the domain trims,
    normalises and checks it; the schema only bounds the raw input, which may be longer
    before NFC composition and the folding of spaces)."""
    kwargs.setdefault("required", True)
    limit = max_length(field)
    metadata = {
        "description": f"At most {limit} characters once normalised.",
        **kwargs.pop("metadata", {}),
    }
    return fields.String(
        validate=validate.Length(max=limit * 4, error=f"{TOO_LONG}: at most {limit} characters."),
        metadata=metadata,
        **kwargs,
    )


PIN_DOC = {
    "description": "14 digits: sex digit, birth date DDMMYYYY, 5-digit serial.",
    "pattern": PIN_PATTERN,
    "example": "21505198512345",
}
NUMBER_DOC = {
    "description": "1–64 letters (Latin or Cyrillic), digits, '/', '.', '_' or '-'.",
    "pattern": NUMBER_PATTERN,
    "example": "IEP-KAE/2016/N0004",
}


def pin_text(**kwargs) -> fields.String:
    """A PIN in a body: documented as 14 digits, checked by the domain (422 invalid_pin)."""
    return text("pin", metadata=PIN_DOC, **kwargs)


def number_text(**kwargs) -> fields.String:
    """A certificate number in a body: documented by its rule, checked by the domain (422)."""
    return text("number", metadata=NUMBER_DOC, **kwargs)


def choice(values: tuple[str, ...], **kwargs) -> fields.String:
    """A value from a vocabulary, documented as an enum and checked by the domain (422)."""
    kwargs.setdefault("required", True)
    metadata = {"enum": list(values), **kwargs.pop("metadata", {})}
    return fields.String(metadata=metadata, **kwargs)


class ErrorBody(Schema):
    """What went wrong."""

    code = fields.String(required=True, metadata={"description": "Stable machine code."})
    message = fields.String(required=True, metadata={"description": "For people."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        metadata={"description": "Offending fields and their messages."},
    )


class ErrorSchema(Schema):
    """Every error answer of the API."""

    error = fields.Nested(ErrorBody, required=True)


class ReadArgs(Schema):
    """Arguments every read accepts."""

    min_position = QueryInteger(
        minimum=0,
        metadata={
            "description": "Wait (bounded, then 503) until the views have processed this "
            "global position, e.g. the X-Registry-Position of your write."
        },
    )


KNOWN_AT_DOC = {
    "format": "date-time",
    "example": "2024-05-01T09:30:00+06:00",
    "description": "Answer as the registry knew it at this moment: from the events recorded "
    "at or before it and nothing later, as a database made by `registry replay --until` "
    "that moment answers (docs/audit.md). ISO 8601 with a UTC offset; not in the future, "
    "not before the registry's first record; else 422 naming known_at. Default: now.",
}


class KnownAt(fields.String):
    """`known_at` as a read takes it, read by the registry's one parser of it
    (`registry.queries.common.parse_known_at`); whether the moment lies within the
    registry's life the read checks (`Queries.known_moment`). Every refusal is a 422
    naming known_at (`web.errors`), unless other fields are malformed too."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_known_at(value)
        except RegistryError as error:
            raise ValidationError(error.message) from None


def known_at_field() -> fields.String:
    """The documented `known_at` query argument."""
    return KnownAt(metadata=KNOWN_AT_DOC)


class KnownAtArgs(ReadArgs):
    """A read that can answer as the registry knew it at a moment."""

    known_at = known_at_field()


class CsvArgs(ReadArgs):
    """A read that can also answer a table download: CSV, or its Excel twin (.xlsx)."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


class PageArgs(ReadArgs):
    """A page of a long list."""

    limit = QueryInteger(load_default=100, minimum=1, maximum=1000)
    offset = QueryInteger(load_default=0, minimum=0)


def sort_field(choices: tuple[str, ...], default: str, **metadata) -> fields.String:
    """A list's `sort`: one of the orders the list offers (`name` ascending, `-name`
    descending); anything else is refused (400), never passed to the database."""
    return fields.String(
        validate=validate.OneOf(choices),
        metadata={
            "description": f"The order of the list (default {default}); a leading '-' "
            "reverses it. "
            "Rows that tie keep a fixed order, so pages never overlap.",
            **metadata,
        },
    )


class ListOut(Schema):
    """What every long list answers beside its page of rows."""

    total = fields.Integer(
        metadata={
            "description": "How many rows match, on every page: counted up to 100,000 "
            "(total_capped says there are more)."
        }
    )
    total_capped = fields.Boolean(
        metadata={"description": "True when more than `total` rows match (counting stopped)."}
    )
    limit = fields.Integer(metadata={"description": "Rows a page holds."})
    offset = fields.Integer(metadata={"description": "Rows before this page."})
    sort = fields.String(
        allow_none=True,
        metadata={"description": "The order of the rows (null: best matches first)."},
    )


class ReasonSchema(Schema):
    """A state change that needs only a reason."""

    reason = text("reason")
