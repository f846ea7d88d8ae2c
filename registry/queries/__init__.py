"""The read side's facade: plain-typed answers from the views, for the web layer and CLI.

INTERFACE CONTRACT (the web layer codes against these names and shapes; the
projections work fills them in). Dates are `datetime.date`, times tz-aware UTC
`datetime`, ids `str`. Every method raises `NotFoundError` for an unknown key.
Scoping (commission region, statistician pseudonyms) is applied by the caller
through the `scope` arguments, never by omission.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.application import Registry


class Queries:
    """Answers read requests from the views (and, for history, from the event log)."""

    def __init__(self, app: "Registry"):
        self.app = app

    # -- read-your-writes --------------------------------------------------------------
    def wait_for(self, position: int | None, timeout: float | None = None) -> None:
        """Block until every view has applied `position`; TimeoutError after `timeout`."""
        raise NotImplementedError

    # -- teachers ----------------------------------------------------------------------
    def teacher(self, pin: str) -> dict[str, Any]:
        """{id, pin, full_name, region, district, school, subject, position, service_start,
        departed_on, departure_reason, previous_pins, registered_at} — `pin` may be an old PIN."""
        raise NotImplementedError

    def search_teachers(self, text: str = "", *, region: str | None = None,
                        district: str | None = None, school: str | None = None,
                        limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Teachers whose name, PIN or school matches `text` (case-insensitive), each
        {pin, full_name, region, district, school, subject, position}."""
        raise NotImplementedError

    def compliance(self, pin: str, as_of: date | None = None,
                   known_at: datetime | None = None) -> dict[str, Any]:
        """Spec shape: {pin, as_of, known_at, status, hours, required_hours, window_years,
        next_due, missing_hours, certificates: [{number, hours, issued_on, form,
        provider_code, counts}]}; as_of defaults to today (Bishkek), known_at to now."""
        raise NotImplementedError

    def teacher_certificates(self, pin: str) -> list[dict[str, Any]]:
        """The teacher's certificates (shape of `certificate`), newest first."""
        raise NotImplementedError

    def teacher_enrolments(self, pin: str) -> list[dict[str, Any]]:
        """The teacher's enrolments {id, programme_id, programme_code, title, provider_code,
        form, hours, status, enrolled_on, assessed_on, passed, score, certificate_number}."""
        raise NotImplementedError

    def teacher_history(self, pin: str) -> list[dict[str, Any]]:
        """Every event about the teacher, their enrolments and certificates, oldest first:
        [{position, type, originator_id, version, recorded_at, actor, data}]."""
        raise NotImplementedError

    def due_list(self, *, status: str, as_of: date | None = None, region: str | None = None,
                 district: str | None = None, school: str | None = None,
                 limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
        """Teachers with a status (due_soon, overdue, grace) on a date, by place:
        [{pin, full_name, region, district, school, subject, status, hours, missing_hours,
        next_due}]."""
        raise NotImplementedError

    # -- certificates ------------------------------------------------------------------
    def certificate(self, number: str) -> dict[str, Any]:
        """{number, kind (issued|legacy|duplicate), status (valid|revoked|duplicate_issued),
        teacher_id, pin, full_name, provider_code, provider_name, programme_id, title, form,
        mode, funding, hours, issued_on, starts_on, ends_on, assessment, assessed_on, score,
        verification_code, duplicate_of, replaced_by: [numbers], revoked_at,
        revocation_reason, recorded_at}."""
        raise NotImplementedError

    def verify(self, number: str, code: str) -> dict[str, Any] | None:
        """Public view of a certificate when the code matches, else None: {number, status,
        provider_code, provider_name, title, form, hours, issued_on, starts_on, ends_on,
        assessment, passed, full_name, duplicate_of, replaced_by, revoked_at}. Never a PIN."""
        raise NotImplementedError

    # -- providers ---------------------------------------------------------------------
    def provider(self, code: str) -> dict[str, Any]:
        """{code, name, kind, region, suspended, suspension_reason}."""
        raise NotImplementedError

    def providers(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def programmes(self, provider_code: str | None = None) -> list[dict[str, Any]]:
        """Programmes (shape of the POST /programmes response)."""
        raise NotImplementedError

    def programme(self, programme_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def workload(self, provider_code: str, date_from: date, date_to: date) -> dict[str, Any]:
        """{provider_code, from, to, totals: {enrolments, withdrawals, assessments, passed,
        failed, pass_rate, certificates, hours_delivered}, by_form: {form: totals},
        by_month: [{month: "YYYY-MM", **totals}]}."""
        raise NotImplementedError

    # -- statistics and open data ------------------------------------------------------
    def compliance_statistics(self, as_of: date | None, group_by: str) -> list[dict[str, Any]]:
        """group_by in region|district|subject|position|provider_kind: [{group, total,
        compliant, due_soon, grace, overdue, inactive, hours}]."""
        raise NotImplementedError

    def activity_statistics(self, date_from: date, date_to: date, group_by: str
                            ) -> list[dict[str, Any]]:
        """group_by in region|provider_kind|form|mode|funding: [{group, certificates, hours,
        teachers}]."""
        raise NotImplementedError

    def open_data(self, as_of: date | None, group_by: str) -> list[dict[str, Any]]:
        """group_by in region|district: [{group, total, compliant, due_soon, grace, overdue,
        inactive, suppressed}]; groups of fewer than 5 teachers have counts None."""
        raise NotImplementedError

    def pseudonymised_teachers(self, as_of: date | None = None, limit: int = 1000,
                               offset: int = 0) -> list[dict[str, Any]]:
        """[{key, region, district, school, subject, position, service_years, status,
        hours}]; key is an HMAC of the teacher id. Never a name or PIN."""
        raise NotImplementedError

    # -- policy, audit -----------------------------------------------------------------
    def policies(self) -> list[dict[str, Any]]:
        """[{effective_from, window_years, required_hours, recorded_at}], by effective_from."""
        raise NotImplementedError

    def events(self, after: int = 0, limit: int = 100, **filters: Any) -> dict[str, Any]:
        """{"events": [fact json], "next": position}; filters: type, actor, originator_id,
        recorded_from, recorded_to."""
        raise NotImplementedError

    def views_status(self) -> list[dict[str, Any]]:
        """[{name, position, head, lag, updated_at}]."""
        raise NotImplementedError
