"""Providers, programmes and enrolments: requests and responses."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.domain.regions import region_codes
from registry.domain.search import MAX_QUERY
from registry.domain.values import ASSESSMENTS, FORMS, FUNDING, MODES, PROVIDER_KINDS
from registry.queries.providers import MAX_WORKLOAD_YEARS, PROGRAMME_SORTS, PROVIDER_SORTS
from web.schemas.common import (
    CsvArgs,
    IsoDate,
    ListOut,
    PageArgs,
    QueryInteger,
    QueryText,
    ReadArgs,
    StrictBoolean,
    StrictInteger,
    StrictNumber,
    choice,
    pin_text,
    sort_field,
    text,
)

CAPACITY_DOC = {
    "description": "Places offered: a whole number from 1, or null (not known).",
    "minimum": 1,
    "maximum": 100_000,
}


class ProviderIn(Schema):
    """Register a provider."""

    code = text("code", metadata={"example": "KAE"})
    name = text("name")
    kind = choice(PROVIDER_KINDS)
    region = choice(region_codes())
    name_ky = text("name", required=False, allow_none=True)
    name_ru = text("name", required=False, allow_none=True)


class ProviderNamesIn(Schema):
    """A provider's Kyrgyz and Russian names (null or "" clears one; the English name
    stays every page's fallback)."""

    name_ky = text("name", required=True, allow_none=True)
    name_ru = text("name", required=True, allow_none=True)


class ProviderOut(Schema):
    """A provider."""

    code = fields.String()
    name = fields.String()
    kind = fields.String()
    region = fields.String()
    suspended = fields.Boolean()
    suspension_reason = fields.String(allow_none=True)
    name_ky = fields.String(allow_none=True)
    name_ru = fields.String(allow_none=True)


class ProviderArgs(PageArgs, CsvArgs):
    """Providers of a kind, in a region, suspended or not; a page in an order."""

    kind = QueryText(40, metadata={"enum": list(PROVIDER_KINDS)})
    region = QueryText(10, metadata={"enum": list(region_codes())})
    suspended = fields.Boolean(
        metadata={"description": "true: suspended providers only; false: active ones only."}
    )
    sort = sort_field(PROVIDER_SORTS.choices, PROVIDER_SORTS.default)


class ProviderList(ListOut):
    """A page of providers and how many there are."""

    providers = fields.List(fields.Nested(ProviderOut))


class ProgrammeIn(Schema):
    """Register a programme of a provider."""

    provider_code = text("code")
    code = text("code")
    title = text("title")
    form = choice(FORMS)
    mode = choice(MODES)
    hours = StrictInteger(required=True, metadata={"minimum": 1, "maximum": 2000})
    assessment = choice(ASSESSMENTS)
    funding = choice(FUNDING)
    starts_on = IsoDate(required=True)
    ends_on = IsoDate(required=True)
    subject = text(
        "subject",
        required=False,
        allow_none=True,
        metadata={"description": "The subject taught (as teachers' subjects are written)."},
    )
    capacity = StrictInteger(allow_none=True, metadata=CAPACITY_DOC)


class ProgrammeChange(Schema):
    """Change a programme's places."""

    capacity = StrictInteger(required=True, allow_none=True, metadata=CAPACITY_DOC)


class ProgrammeOut(Schema):
    """A programme."""

    id = fields.String()
    provider_code = fields.String()
    code = fields.String()
    title = fields.String()
    form = fields.String()
    mode = fields.String()
    hours = fields.Integer()
    assessment = fields.String()
    funding = fields.String()
    starts_on = IsoDate()
    ends_on = IsoDate()
    subject = fields.String(allow_none=True)
    capacity = fields.Integer(allow_none=True)


class ProgrammeList(ListOut):
    """A page of programmes and how many match."""

    programmes = fields.List(fields.Nested(ProgrammeOut))


class ProgrammeArgs(PageArgs, CsvArgs):
    """Programmes by words, provider, form and year; a page in an order."""

    provider_code = QueryText(40)
    q = QueryText(
        MAX_QUERY,
        metadata={
            "description": "Words of the title, the code or the provider's code (folded as "
            "the teachers' search): best matches first unless a sort is asked for."
        },
    )
    form = QueryText(20, metadata={"enum": list(FORMS)})
    year = QueryInteger(
        minimum=1900, maximum=2999, metadata={"description": "Running some time that year."}
    )
    sort = sort_field(PROGRAMME_SORTS.choices, "-starts_on; with q, the best matches first")


class EnrolmentIn(Schema):
    """Enrol a teacher."""

    pin = pin_text()


class AssessmentIn(Schema):
    """Record an assessment."""

    passed = StrictBoolean(required=True)
    score = StrictNumber(allow_none=True)
    assessed_on = IsoDate(required=True)


class WithdrawalIn(Schema):
    """Withdraw a teacher from a programme."""

    effective_on = IsoDate(required=True)
    reason = text("reason")


class EnrolmentOut(Schema):
    """An enrolment."""

    id = fields.String()
    programme_id = fields.String()
    teacher_id = fields.String()
    provider_code = fields.String()
    status = fields.String(
        metadata={"enum": ["enrolled", "passed", "failed", "certified", "withdrawn"]}
    )
    enrolled_on = IsoDate()
    passed = fields.Boolean(allow_none=True)
    score = fields.Float(allow_none=True)
    assessed_on = IsoDate(allow_none=True)
    attempts = fields.Integer()
    withdrawn_on = IsoDate(allow_none=True)
    certificate_number = fields.String(allow_none=True)


class WorkloadArgs(ReadArgs):
    """The period of a workload report (both ends included), at most a century: the
    report has a row per month."""

    from_ = IsoDate(data_key="from", required=True)
    to = IsoDate(
        required=True,
        metadata={
            "description": f"At most {MAX_WORKLOAD_YEARS} years after from (the report has a "
            "row per month; the read refuses a longer period, 400)."
        },
    )


class WorkloadTotals(Schema):
    """Counters of a period, form or month."""

    enrolments = fields.Integer()
    withdrawals = fields.Integer()
    assessments = fields.Integer()
    passed = fields.Integer()
    failed = fields.Integer()
    pass_rate = fields.Float(allow_none=True)
    completions = fields.Integer(
        metadata={
            "description": "Programmes finished with a valid certificate issued on the enrolment."
        }
    )
    certificates = fields.Integer(
        metadata={
            "description": "Valid certificates, paper ones recorded for the provider included."
        }
    )
    hours_delivered = fields.Integer()


class WorkloadMonth(WorkloadTotals):
    """Counters of one month."""

    month = fields.String(metadata={"example": "2024-05"})


class WorkloadOut(Schema):
    """What a provider delivered in a period."""

    provider_code = fields.String()
    from_ = IsoDate(data_key="from", attribute="from")
    to = IsoDate()
    totals = fields.Nested(WorkloadTotals)
    by_form = fields.Dict(keys=fields.String(), values=fields.Nested(WorkloadTotals))
    by_mode = fields.Dict(keys=fields.String(), values=fields.Nested(WorkloadTotals))
    by_funding = fields.Dict(keys=fields.String(), values=fields.Nested(WorkloadTotals))
    by_month = fields.List(fields.Nested(WorkloadMonth))
