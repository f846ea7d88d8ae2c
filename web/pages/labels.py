"""Words people read for the registry's codes: vocabularies, statuses, roles, regions, events."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from registry.domain.regions import REGION_NAMES_KY, regions
from registry.domain.values import ASSESSMENTS, FORMS, FUNDING, MODES, PROVIDER_KINDS, ROLES
from web.i18n import current_language

LABELS: dict[str, dict[str, Any]] = {
    "reference_list": {
        "districts": _l("Districts"),
        "subjects": _l("Subjects"),
        "positions": _l("Positions"),
    },
    "provider_kind": {
        "academy": _l("Kyrgyz Academy of Education"),
        "republican_institute": _l("Republican institute"),
        "oblast_institute": _l("Oblast institute"),
        "methodological_centre": _l("Methodological centre"),
        "university": _l("University"),
        "scientific_organisation": _l("Scientific organisation"),
        "district_department": _l("District education department"),
        "other": _l("Other provider"),
    },
    "form": {
        "course": _l("Course"),
        "seminar": _l("Seminar"),
        "training": _l("Training"),
        "internship": _l("Internship"),
    },
    "mode": {
        "full_time": _l("Full-time"),
        "distance": _l("Distance"),
        "correspondence": _l("Correspondence"),
        "visiting": _l("Visiting"),
        "blended": _l("Blended"),
    },
    "assessment": {
        "test": _l("Test"),
        "exam": _l("Exam"),
        "essay": _l("Essay"),
        "final_work": _l("Final work defence"),
        "none": _l("No assessment"),
    },
    "funding": {"state": _l("State-funded"), "contract": _l("Contract (paid)")},
    "role": {
        "admin": _l("Administrator"),
        "registrar": _l("Registrar"),
        "commission": _l("Attestation commission"),
        "auditor": _l("Auditor"),
        "statistician": _l("Statistician"),
    },
    "compliance": {
        "compliant": _l("Compliant"),
        "due_soon": _l("Due soon"),
        "grace": _l("In grace period"),
        "overdue": _l("Overdue"),
        "inactive": _l("Left service"),
    },
    "certificate_status": {
        "valid": _l("Valid"),
        "revoked": _l("Revoked"),
        "duplicate_issued": _l("Replaced by a duplicate"),
    },
    "certificate_kind": {
        "issued": _l("Issued in the registry"),
        "legacy": _l("Paper certificate (legacy)"),
        "duplicate": _l("Duplicate"),
    },
    "enrolment_status": {
        "enrolled": _l("Enrolled"),
        "passed": _l("Passed"),
        "failed": _l("Failed"),
        "assessed": _l("Assessed"),
        "certified": _l("Certified"),
        "withdrawn": _l("Withdrawn"),
    },
    "group_by": {
        "region": _l("Region"),
        "district": _l("District"),
        "subject": _l("Subject"),
        "position": _l("Position"),
        "provider_kind": _l("Provider kind"),
        "form": _l("Form"),
        "mode": _l("Mode"),
        "funding": _l("Funding"),
    },
    "event": {
        "Teacher.Registered": _l("Teacher registered"),
        "Teacher.Transferred": _l("Transferred to another school"),
        "Teacher.Departed": _l("Left service"),
        "Teacher.Corrected": _l("Details corrected"),
        "PinIndex.Created": _l("PIN index entry created"),
        "Provider.Registered": _l("Provider registered"),
        "Provider.Suspended": _l("Provider suspended"),
        "Provider.Reinstated": _l("Provider reinstated"),
        "Provider.NamesTranslated": _l("Provider's Kyrgyz and Russian names set"),
        "ReferenceEntry.Added": _l("Reference list entry added"),
        "ReferenceEntry.Renamed": _l("Reference list entry renamed"),
        "ReferenceEntry.Retired": _l("Reference list entry retired"),
        "Spelling.Mapped": _l("Spelling tied to a code"),
        "Spelling.Remapped": _l("Spelling tied to another code"),
        "Programme.Registered": _l("Programme registered"),
        "TrainingNeed.Recorded": _l("Training need recorded"),
        "TrainingNeed.Withdrawn": _l("Training need withdrawn"),
        "Enrolment.Enrolled": _l("Enrolled in a programme"),
        "Enrolment.Assessed": _l("Assessed"),
        "Enrolment.Withdrawn": _l("Withdrawn from a programme"),
        "Enrolment.Certified": _l("Certificate issued on the enrolment"),
        "Enrolment.CertificateRevoked": _l("Enrolment's certificate revoked"),
        "Certificate.Issued": _l("Certificate issued"),
        "Certificate.LegacyRecorded": _l("Paper certificate recorded"),
        "Certificate.DuplicateIssued": _l("Duplicate issued"),
        "Certificate.Replaced": _l("Replaced by a duplicate"),
        "Certificate.Revoked": _l("Certificate revoked"),
        "Certificate.DuplicateRevoked": _l("Duplicate revoked"),
        "CompliancePolicy.Started": _l("Compliance policy started"),
        "CompliancePolicy.VersionAdopted": _l("Policy version adopted"),
        "Account.Created": _l("Account created"),
        "Account.TokenRotated": _l("API token rotated"),
        "Account.PasswordSet": _l("Password set"),
        "Account.Disabled": _l("Account disabled"),
        "SigningKeyring.Started": _l("Credential signing key created"),
        "SigningKeyring.Rotated": _l("Credential signing key rotated"),
    },
}

VOCABULARIES = {
    "provider_kind": PROVIDER_KINDS,
    "form": FORMS,
    "mode": MODES,
    "assessment": ASSESSMENTS,
    "funding": FUNDING,
    "role": ROLES,
}


def label(kind: str, value: Any) -> str:
    """The reader's word for a code (the code itself when there is none)."""
    if value is None or value == "":
        return "—"
    text = LABELS.get(kind, {}).get(value)
    return str(text) if text is not None else str(value)


def choices(kind: str, blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for a select box, in the regulation's order."""
    values = VOCABULARIES.get(kind) or tuple(LABELS[kind])
    pairs = [(value, label(kind, value)) for value in values]
    return ([("", blank)] if blank is not None else []) + pairs


def region_name(code: str | None) -> str:
    """A region's name in the reader's language (Bishkek, Бишкек, …)."""
    if not code:
        return "—"
    region = regions().get(code)
    if region is None:
        return code
    language = current_language()
    if language == "ky":
        return REGION_NAMES_KY.get(code, region.name_ru)
    return region.name_ru if language == "ru" else region.name_en


def region_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs of the nine regions."""
    pairs = [(code, region_name(code)) for code in regions()]
    return ([("", blank)] if blank is not None else []) + pairs


def district_name(name: str | None) -> str:
    """A district (a code, or a name recorded before the lists) in the page's language,
    else as recorded."""
    from web.pages.reference import reference_name  # it reads the lists through services

    return reference_name("districts", name)


def event_label(event_type: str) -> str:
    """A sentence-case name of an event type."""
    return label("event", event_type)


def programme_label(p: dict[str, Any]) -> str:
    """A programme as a picker names it: provider, code and title (titles repeat)."""
    return f"{p['provider_code']} · {p['code']} — {p['title']}"


def programme_detail(p: dict[str, Any]) -> str:
    """What tells apart programmes of one title: dates and hours."""
    hours = ngettext("%(num)d academic hour", "%(num)d academic hours", p["hours"])
    return f"{p['starts_on']} – {p['ends_on']} · {hours}"
