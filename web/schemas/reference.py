"""Reference lists: districts, subjects, positions (codes and their ky/ru/en names)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.domain.reference import LISTS
from registry.domain.regions import region_codes
from web.schemas.common import QueryText, ReadArgs, text

LIST_PARAMETER = {
    "in": "path",
    "name": "list_name",
    "required": True,
    "schema": {"type": "string", "enum": list(LISTS)},
    "description": "districts, subjects or positions.",
}


def reference_field(field: str, *, required: bool = True) -> fields.String:
    """A teacher's district, subject or position: a code of its reference list."""
    list_name = {"district": "districts", "subject": "subjects", "position": "positions"}[field]
    extra = " It must be a district of `region`." if field == "district" else ""
    return text(
        field,
        required=required,
        metadata={
            "description": f"A code of GET /api/v1/reference/{list_name} (the names listed "
            "there in Kyrgyz, Russian or English are accepted too and stored as their code); "
            f"anything else is refused (422).{extra}",
            "example": {"district": "sokuluk", "subject": "mathematics", "position": "teacher"}[
                field
            ],
            "x-reference-list": f"/api/v1/reference/{list_name}",
        },
    )


class ReferenceArgs(ReadArgs):
    """A region's districts only."""

    region = QueryText(10, metadata={"enum": list(region_codes())})


class EntryOut(Schema):
    """One entry: its code, names and (a district's) region."""

    code = fields.String()
    name_ky = fields.String()
    name_ru = fields.String()
    name_en = fields.String()
    region = fields.String(allow_none=True)
    retired = fields.Boolean(
        metadata={"description": "Offered no more for new records; still names history."}
    )


class ReferenceOut(Schema):
    """A list's entries in the order they were added."""

    list = fields.String()
    entries = fields.List(fields.Nested(EntryOut))


class EntryIn(Schema):
    """A new entry (admin)."""

    code = fields.String(
        required=True,
        validate=validate.Length(max=40),
        metadata={"description": "1–40 lower-case Latin letters, digits, '_' or '-'."},
    )
    name_ky = text("name")
    name_ru = text("name")
    name_en = text("name")
    region = fields.String(
        allow_none=True,
        validate=validate.OneOf(region_codes()),
        metadata={"description": "A district's region (districts only)."},
    )


class NamesIn(Schema):
    """New names of an entry (any of the three)."""

    name_ky = text("name", required=False)
    name_ru = text("name", required=False)
    name_en = text("name", required=False)


class SpellingOut(Schema):
    """A spelling tied to a code."""

    spelling = fields.String()
    code = fields.String()


class SpellingsOut(Schema):
    """A list's mapped spellings."""

    list = fields.String()
    spellings = fields.List(fields.Nested(SpellingOut))


class SpellingsIn(Schema):
    """Spellings to tie to codes, all or none."""

    mapping = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=800)),
        values=fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=10_000),
        metadata={"description": 'spelling -> code, e.g. {"Сокулукский район": "sokuluk"}.'},
    )


class MappedOut(Schema):
    """What a mapping changed."""

    list = fields.String()
    mapped = fields.Integer()
    changed = fields.Integer()
