"""Aggregates: compliance and activity statistics, open data, pseudonymised teachers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.domain.compliance import STATUSES
from registry.domain.regions import region_codes
from registry.queries.common import MAX_PAGE
from registry.queries.statistics import PSEUDONYM_SORTS
from web.schemas.common import CsvArgs, IsoDate, ListOut, QueryInteger, sort_field

COMPLIANCE_GROUPS = ("region", "district", "subject", "position", "provider_kind")
ACTIVITY_GROUPS = ("region", "provider_kind", "form", "mode", "funding")
OPEN_DATA_GROUPS = ("region", "district")


class ComplianceStatsArgs(CsvArgs):
    """Compliance statistics on a date, grouped."""

    as_of = IsoDate()
    group_by = fields.String(load_default="region", validate=validate.OneOf(COMPLIANCE_GROUPS))


class ActivityStatsArgs(CsvArgs):
    """Activity in a period (default: this year to date), grouped."""

    from_ = IsoDate(data_key="from")
    to = IsoDate()
    group_by = fields.String(load_default="region", validate=validate.OneOf(ACTIVITY_GROUPS))


class OpenDataArgs(CsvArgs):
    """Public compliance counts on a date, by region or district."""

    as_of = IsoDate()
    group_by = fields.String(load_default="region", validate=validate.OneOf(OPEN_DATA_GROUPS))


GROUP_DOC = {
    "description": "The region's code, the district's, subject's or position's code of "
    "GET /api/v1/reference/{list}, a vocabulary's value; `unmapped` gathers text recorded "
    "before the reference lists that no code stands for yet (its `spellings`)."
}
SPELLINGS_DOC = {"description": "In the `unmapped` group only: the texts it gathers."}


class ComplianceGroup(Schema):
    """Teachers of one group by status, with the hours that count."""

    group = fields.String(allow_none=True, metadata=GROUP_DOC)
    total = fields.Integer(allow_none=True)
    compliant = fields.Integer(allow_none=True)
    due_soon = fields.Integer(allow_none=True)
    grace = fields.Integer(allow_none=True)
    overdue = fields.Integer(allow_none=True)
    inactive = fields.Integer(allow_none=True)
    hours = fields.Integer(allow_none=True)
    spellings = fields.List(fields.String(), metadata=SPELLINGS_DOC)


class OpenDataGroup(ComplianceGroup):
    """One public group; counts are null when suppressed (fewer than 5)."""

    class Meta:
        exclude = ("spellings",)

    suppressed = fields.Boolean()


class ActivityGroup(Schema):
    """Certificates, hours and distinct teachers of one group."""

    group = fields.String(allow_none=True, metadata=GROUP_DOC)
    certificates = fields.Integer()
    hours = fields.Integer()
    teachers = fields.Integer()
    spellings = fields.List(fields.String(), metadata=SPELLINGS_DOC)


class ComplianceStatsOut(Schema):
    """Teachers by compliance status, per group."""

    as_of = IsoDate()
    group_by = fields.String()
    groups = fields.List(fields.Nested(ComplianceGroup))


class OpenDataOut(Schema):
    """Public counts by status; groups of fewer than 5 teachers are suppressed (null)."""

    as_of = IsoDate()
    group_by = fields.String()
    groups = fields.List(fields.Nested(OpenDataGroup))


class ActivityStatsOut(Schema):
    """Certificates, hours and teachers trained in a period, per group."""

    from_ = IsoDate(data_key="from", attribute="from")
    to = IsoDate()
    group_by = fields.String()
    groups = fields.List(fields.Nested(ActivityGroup))


class PseudonymArgs(CsvArgs):
    """A page of pseudonymised teachers, judged on a date, in a region, of a status."""

    as_of = IsoDate()
    region = fields.String(validate=validate.OneOf(region_codes()))
    status = fields.String(validate=validate.OneOf(STATUSES))
    limit = QueryInteger(load_default=1000, minimum=1, maximum=MAX_PAGE)
    offset = QueryInteger(load_default=0, minimum=0)
    sort = sort_field(PSEUDONYM_SORTS.choices, PSEUDONYM_SORTS.default)


class PseudonymTeacher(Schema):
    """One teacher without name or PIN."""

    key = fields.String(metadata={"description": "A stable pseudonym, not the PIN."})
    region = fields.String()
    district = fields.String()
    school = fields.String()
    subject = fields.String()
    position = fields.String()
    service_years = fields.Integer(allow_none=True)
    status = fields.String()
    hours = fields.Integer()


class PseudonymList(ListOut):
    """A page of teacher-level rows without names or PINs, and how many there are."""

    as_of = IsoDate(allow_none=True)
    teachers = fields.List(fields.Nested(PseudonymTeacher))
