"""One line of plain words for each event in a teacher's timeline or the event log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from web.i18n import date_filter, number_filter
from web.pages.labels import district_name, label, region_name


def _transferred(d: dict[str, Any]) -> str:
    return _(
        "To %(school)s, %(district)s, %(region)s, from %(date)s.",
        school=d.get("school"),
        district=district_name(d.get("district")),
        region=region_name(d.get("region")),
        date=date_filter(d.get("effective_on")),
    )


def _departed(d: dict[str, Any]) -> str:
    return _(
        "From %(date)s: %(reason)s",
        date=date_filter(d.get("effective_on")),
        reason=d.get("reason") or "—",
    )


def _corrected(d: dict[str, Any]) -> str:
    changes = ", ".join(f"{k}: {v}" for k, v in (d.get("changes") or {}).items())
    reason = d.get("reason")
    return changes + (f" ({reason})" if reason else "")


def _enrolled(d: dict[str, Any]) -> str:
    p = d.get("programme") or {}
    return _(
        "%(title)s (%(provider)s, %(form)s, %(hours)s h)",
        title=p.get("title", "—"),
        provider=p.get("provider_code", "—"),
        form=label("form", p.get("form")),
        hours=p.get("hours", "—"),
    )


def _assessed(d: dict[str, Any]) -> str:
    outcome = _("passed") if d.get("passed") else _("not passed")
    score = f", {number_filter(d['score'])}" if d.get("score") is not None else ""
    return f"{outcome}{score} — {date_filter(d.get('assessed_on'))}"


def _certificate(d: dict[str, Any]) -> str:
    return _(
        "No. %(number)s: %(title)s, %(hours)s h, issued %(date)s",
        number=d.get("number"),
        title=d.get("title", "—"),
        hours=d.get("hours", "—"),
        date=date_filter(d.get("issued_on")),
    )


def _duplicate(d: dict[str, Any]) -> str:
    return _(
        "No. %(number)s replaces No. %(original)s, issued %(date)s",
        number=d.get("number"),
        original=d.get("duplicate_of"),
        date=date_filter(d.get("issued_on")),
    )


DESCRIBE: dict[str, Callable[[dict[str, Any]], str]] = {
    "Teacher.Registered": lambda d: f"{d.get('full_name')}, {d.get('school')}",
    "Teacher.Transferred": _transferred,
    "Teacher.Departed": _departed,
    "Teacher.Corrected": _corrected,
    "Enrolment.Enrolled": _enrolled,
    "Enrolment.Assessed": _assessed,
    "Enrolment.Withdrawn": _departed,
    "Enrolment.Certified": lambda d: _("No. %(number)s", number=d.get("number")),
    "Enrolment.CertificateRevoked": lambda d: _("No. %(number)s", number=d.get("number")),
    "Certificate.Issued": _certificate,
    "Certificate.LegacyRecorded": _certificate,
    "Certificate.DuplicateIssued": _duplicate,
    "Certificate.Replaced": lambda d: _("by No. %(number)s", number=d.get("duplicate_number")),
    "Certificate.Revoked": lambda d: d.get("reason") or "",
    "Certificate.DuplicateRevoked": lambda d: _("No. %(number)s", number=d.get("number")),
    "Provider.Registered": lambda d: f"{d.get('code')} — {d.get('name')}",
    "Provider.Suspended": lambda d: d.get("reason") or "",
    "Provider.Reinstated": lambda d: d.get("reason") or "",
    "Programme.Registered": lambda d: f"{d.get('provider_code')}/{d.get('code')}: {d.get('title')}",
    "CompliancePolicy.VersionAdopted": lambda d: ngettext(
        "%(hours)s h in %(num)d year from %(date)s",
        "%(hours)s h in %(num)d years from %(date)s",
        d.get("window_years") or 0,
        hours=d.get("required_hours"),
        date=date_filter(d.get("effective_from")),
    ),
}


def describe(fact: dict[str, Any]) -> str:
    """A short description of what an event recorded."""
    handler = DESCRIBE.get(fact.get("type", ""))
    try:
        return handler(fact.get("data") or {}) if handler else ""
    except (TypeError, ValueError):  # an old event shape must not break the page
        return ""
