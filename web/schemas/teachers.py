"""Teachers: registration, transfers, departures, corrections, dossier and compliance."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.domain.regions import region_codes
from registry.domain.search import MAX_QUERY
from registry.queries.common import MAX_PAGE
from registry.queries.statistics import DUE_SORTS
from web.schemas.certificates import CertificateOut
from web.schemas.common import (
    CsvArgs,
    IsoDate,
    IsoDateTime,
    KnownAtArgs,
    ListOut,
    PageArgs,
    QueryInteger,
    QueryText,
    choice,
    known_at_field,
    pin_text,
    sort_field,
    text,
)
from web.schemas.reference import reference_field


def _contact_fields() -> dict[str, fields.Field]:
    return {
        "email": fields.String(
            allow_none=True,
            validate=validate.Length(max=320),
            metadata={"description": "Protected: shown to dossier readers only (RFC 5322)."},
        ),
        "phone": fields.String(
            allow_none=True,
            validate=validate.Length(max=32),
            metadata={"description": "Protected: E.164, such as +996555123456."},
        ),
        "language": choice(
            ("ky", "ru"),
            required=False,
            metadata={"description": "The language of reminders (default ru)."},
        ),
    }


class Contacts(Schema):
    """A teacher's contacts (protected data)."""

    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    language = fields.String()


class TeacherIn(Schema.from_dict(_contact_fields())):  # type: ignore[misc]
    """Register a teacher."""

    pin = pin_text()
    full_name = text("full_name")
    region = choice(region_codes())
    district = reference_field("district")
    school = text("school")
    subject = reference_field("subject")
    position = reference_field("position")
    service_start = IsoDate(required=True)


class TransferIn(Schema):
    """Move a teacher to another school from a date."""

    region = choice(region_codes())
    district = reference_field("district")
    school = text("school")
    effective_on = IsoDate(required=True)


class DepartureIn(Schema):
    """Record that a teacher left service."""

    effective_on = IsoDate(required=True)
    reason = text("reason")


class CorrectionIn(Schema.from_dict(_contact_fields())):  # type: ignore[misc]
    """Correct registered details (any subset); a new PIN re-points the index."""

    pin = pin_text(required=False)
    full_name = text("full_name", required=False)
    region = choice(region_codes(), required=False)
    district = reference_field("district", required=False)
    school = text("school", required=False)
    subject = reference_field("subject", required=False)
    position = reference_field("position", required=False)
    service_start = IsoDate()
    reason = text("reason", required=False, allow_none=True)
    effective_on = IsoDate(
        metadata={
            "description": "When the correction was decided (default: the day it is recorded)."
        }
    )


class TeacherSummary(Schema):
    """A teacher as found by a search."""

    pin = fields.String()
    full_name = fields.String()
    region = fields.String()
    district = fields.String()
    school = fields.String()
    subject = fields.String()
    position = fields.String()


class SetAside(Schema):
    """An event about this teacher that a view could not apply (see the dead-letter list):
    the answer is incomplete without it."""

    position = fields.Integer()
    type = fields.String()
    view = fields.String()


class TeacherOut(TeacherSummary):
    """A teacher's registered details."""

    incomplete = fields.List(
        fields.Nested(SetAside),
        metadata={
            "description": "Events about this teacher that the views set aside; empty when "
            "the answer is complete."
        },
    )

    id = fields.String()
    service_start = IsoDate()
    departed_on = IsoDate(allow_none=True)
    departure_reason = fields.String(allow_none=True)
    previous_pins = fields.List(fields.String())
    registered_at = IsoDateTime()
    email = fields.String(allow_none=True, metadata={"description": "Protected contact."})
    phone = fields.String(allow_none=True, metadata={"description": "Protected contact."})
    language = fields.String(metadata={"description": "The language of reminders: ky or ru."})


class ComplianceArgs(KnownAtArgs):
    """When to judge and what the registry knew then."""

    as_of = IsoDate(metadata={"description": "Judge on this date (default: today)."})


class DossierArgs(ComplianceArgs):
    """The dossier as known at a moment, its compliance judged on a date."""


class CountedCertificate(Schema):
    """A certificate and whether it counts on the date."""

    number = fields.String()
    hours = fields.Integer()
    issued_on = IsoDate()
    form = fields.String()
    provider_code = fields.String()
    counts = fields.Boolean()


class ComplianceOut(Schema):
    """A teacher's compliance on a date, as known at a time."""

    pin = fields.String()
    as_of = IsoDate()
    known_at = IsoDateTime()
    incomplete = fields.List(
        fields.Nested(SetAside),
        metadata={
            "description": "Events about this teacher that the views set aside; empty when "
            "the answer is complete."
        },
    )
    status = fields.String(
        metadata={"enum": ["compliant", "due_soon", "grace", "overdue", "inactive"]}
    )
    hours = fields.Integer()
    required_hours = fields.Integer()
    window_years = fields.Integer()
    next_due = IsoDate(allow_none=True)
    missing_hours = fields.Integer()
    certificates = fields.List(fields.Nested(CountedCertificate))


class TeacherEnrolment(Schema):
    """One of the teacher's enrolments."""

    id = fields.String()
    programme_id = fields.String()
    programme_code = fields.String()
    title = fields.String()
    provider_code = fields.String()
    form = fields.String()
    mode = fields.String()
    funding = fields.String()
    hours = fields.Integer()
    assessment = fields.String()
    status = fields.String()
    enrolled_on = IsoDate(allow_none=True)
    assessed_on = IsoDate(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    score = fields.Float(allow_none=True)
    attempts = fields.Integer()
    withdrawn_on = IsoDate(allow_none=True)
    certificate_number = fields.String(allow_none=True)


class DossierOut(TeacherOut):
    """A teacher's profile with compliance, certificates and enrolments, as known now or
    at `known_at`."""

    known_at = IsoDateTime(
        allow_none=True,
        metadata={"description": "The moment the answer is as known at (null: now)."},
    )
    compliance = fields.Nested(ComplianceOut)
    certificates = fields.List(fields.Nested(CertificateOut))
    enrolments = fields.List(fields.Nested(TeacherEnrolment))


class SearchArgs(PageArgs):
    """Search text and place filters, paged."""

    q = QueryText(
        MAX_QUERY,
        load_default="",
        metadata={
            "description": "Words of a name or a school (whatever the case, Kyrgyz letters "
            "or script: 'asanova aigul' finds 'Асанова Айгүл'; a word of 1-2 letters matches "
            "a word's start; at least one word of 2 letters or more), or a whole 14-digit "
            "PIN (current or former). Best matches first; empty lists by name."
        },
    )
    region = QueryText(10)
    district = QueryText(100)
    school = QueryText(200)


class TeacherList(Schema):
    """A page of search results, with how many were found in all."""

    total = fields.Integer(metadata={"description": "Teachers found in all (every page)."})
    teachers = fields.List(fields.Nested(TeacherSummary))
    limit = fields.Integer()
    offset = fields.Integer()


class HistoryEvent(Schema):
    """One stored event."""

    position = fields.Integer()
    type = fields.String()
    originator_id = fields.String()
    version = fields.Integer()
    recorded_at = IsoDateTime()
    actor = fields.Dict()
    data = fields.Dict()


class HistoryOut(Schema):
    """Every event about a teacher, oldest first (with known_at: those recorded by then)."""

    events = fields.List(fields.Nested(HistoryEvent))


class TeacherCertificates(Schema):
    """A teacher's certificates, newest first, with their status and links."""

    certificates = fields.List(fields.Nested(CertificateOut))


class TeacherEnrolments(Schema):
    """A teacher's enrolments, newest first, with their status."""

    enrolments = fields.List(fields.Nested(TeacherEnrolment))


class DueArgs(CsvArgs):
    """Which status, on which date, where."""

    status = fields.String(required=True, validate=validate.OneOf(["due_soon", "overdue", "grace"]))
    as_of = IsoDate()
    region = QueryText(10)
    district = QueryText(100)
    school = QueryText(200)
    limit = QueryInteger(load_default=1000, minimum=1, maximum=MAX_PAGE)
    offset = QueryInteger(load_default=0, minimum=0)
    sort = sort_field(
        DUE_SORTS.choices,
        f"{DUE_SORTS.default}: region, district, school, then name",
    )
    known_at = known_at_field()


class DueTeacher(Schema):
    """A teacher on a due list."""

    pin = fields.String()
    full_name = fields.String()
    region = fields.String()
    district = fields.String()
    school = fields.String()
    subject = fields.String()
    status = fields.String()
    hours = fields.Integer()
    missing_hours = fields.Integer()
    next_due = IsoDate(allow_none=True)


class DueList(ListOut):
    """A page of the teachers with a status on a date, and how many there are."""

    status = fields.String()
    as_of = IsoDate(allow_none=True)
    known_at = IsoDateTime(
        allow_none=True,
        metadata={"description": "The moment the list is as known at (null: now)."},
    )
    teachers = fields.List(fields.Nested(DueTeacher))
