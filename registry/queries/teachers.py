"""Reading about teachers: profile, search, compliance as known at any time, history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from uuid import UUID

from registry.domain.compliance import DepartureFact, PolicyVersion, evaluate
from registry.domain.errors import NotFoundError
from registry.projections import deadletters
from registry.projections.codec import date_value, time_text, time_value
from registry.queries import search
from registry.queries.certificates import certificate_rows
from registry.queries.common import (
    certificate_fact,
    check_pin_text,
    load_policies,
    require_date,
    require_moment,
    teacher_id_for,
)
from registry.storage import Cursor, Database
from registry.storage.facts import EventLog, Fact
from registry.storage.schema import OUTBOX_TABLE

if TYPE_CHECKING:
    from registry.application import Registry
    from registry.keys import Keys


class FactSource(Protocol):
    """Where a teacher's history is read: the log (`EventLog`), or a slice of it."""

    def about(self, aggregate_ids: Sequence[UUID]) -> list[Fact]: ...


TEACHER_COLUMNS = (
    "id",
    "pin",
    "previous_pins",
    "full_name",
    "region",
    "district",
    "school",
    "subject",
    "position",
    "service_start",
    "departed_on",
    "departure_reason",
    "registered_at",
)


# What a search answers of each teacher found (the page lists, the downloads hold them).
SEARCH_COLUMNS = (
    "pin",
    "full_name",
    "region",
    "district",
    "school",
    "subject",
    "position",
    "departed_on",
)


class Along(NamedTuple):
    """Columns a read's statement carries for its caller (`Queries.standing`): their SQL
    (scalar subqueries), its parameters, and what to do with their values once read."""

    columns: str
    params: Sequence[Any]
    seen: Callable[[tuple], None]


def _compliance_sql(along: str) -> str:
    """A compliance read's one statement (`TeacherQueries.compliance`), after the columns
    `along` (at least one). Parameters: the moment known at, the application's name, the
    PIN, the parameters of `along`, the moment again. Its rows: `along`'s columns, then the
    teacher's id (NULL: an unknown PIN), pin, registered_at, departed_on, departed_at (NULL
    without a row in `teachers`), service start as known then, whether a view set aside an
    event about them, the policy versions' count and last position, then a certificate
    recorded by then (its id, NULL without one, and the columns `CertificateFact` takes):
    one row per certificate, at least one row."""
    return (
        "WITH found AS (SELECT p.teacher_id, t.pin, t.registered_at, t.departed_on, "
        "t.departed_at, "
        "(SELECT s.service_start FROM teacher_service_starts s "
        "WHERE s.teacher_id = p.teacher_id AND s.recorded_at <= ? "
        "ORDER BY s.recorded_at DESC, s.position DESC LIMIT 1) AS service_start, "
        "EXISTS (SELECT 1 FROM view_dead_letters d WHERE d.application_name = ? AND "
        "(d.subject_id = p.teacher_id OR d.originator_id = p.teacher_id)) AS set_aside, "
        "(SELECT COUNT(*) FROM policy_versions) AS policies, "
        "(SELECT MAX(position) FROM policy_versions) AS last_policy "
        "FROM teacher_pins p LEFT JOIN teachers t ON t.id = p.teacher_id WHERE p.pin = ?) "
        "SELECT o.*, f.teacher_id, f.pin, f.registered_at, f.departed_on, f.departed_at, "
        "f.service_start, f.set_aside, f.policies, f.last_policy, c.id, c.number, c.hours, "
        "c.issued_on, c.recorded_at, c.revoked_at, c.duplicate_of, c.form, c.provider_code "
        f"FROM (SELECT {along}) o LEFT JOIN found f ON 1 = 1 "
        "LEFT JOIN certificate_index c ON c.teacher_id = f.teacher_id AND c.recorded_at <= ?"
    )


_NOTHING_ALONG = Along("NULL AS no_column", (), lambda row: None)
_ANSWER_COLUMNS = 18  # the statement's own columns (after `along`'s)


def _teacher(row: tuple) -> dict[str, Any]:
    t = dict(zip(TEACHER_COLUMNS, row))
    t["previous_pins"] = (t["previous_pins"] or "").split()
    t["service_start"] = date_value(t["service_start"])
    t["departed_on"] = date_value(t["departed_on"])
    t["registered_at"] = time_value(t["registered_at"])
    return t


class TeacherQueries:
    """Teachers' profiles, compliance, certificates, enrolments and history, from the
    views in `db` and the facts in `log` (the live ones, or a teacher's slice of the log
    as known at a moment: `registry.queries.known`)."""

    def __init__(self, db: Database, app_name: str, keys: Keys, log: FactSource):
        self.db = db
        self.app_name = app_name
        self.keys = keys
        self.log = log
        # The policy versions as last read, with their stamp (count, last position): the
        # view only ever adds versions, so an equal stamp is the same versions.
        self._policy_cache: tuple[tuple[Any, Any], list[PolicyVersion]] | None = None

    @classmethod
    def of(cls, app: Registry) -> TeacherQueries:
        """The live registry's teachers."""
        # The views are read where `read_db` says (a standby's, if any); history reads
        # the log, on the primary.
        return cls(app.read_db, app.name, app.keys, EventLog(app))

    def teacher(self, pin: str) -> dict[str, Any]:
        """The teacher a PIN (current or former) belongs to."""
        with self.db.reading() as cur:
            teacher_id = teacher_id_for(cur, pin)
            row = cur.query_one(
                f"SELECT {', '.join(TEACHER_COLUMNS)} FROM teachers WHERE id = ?", (teacher_id,)
            )
            set_aside = self._set_aside(cur, teacher_id)
        if row is None:
            raise self._not_found(set_aside, "No teacher with this PIN.")
        return {**_teacher(row), "incomplete": set_aside}

    def region_of(self, pin: str) -> str | None:
        """The region a teacher (by a current or former PIN) works in now."""
        with self.db.reading() as cur:
            teacher_id = teacher_id_for(cur, pin)
            row = cur.query_one("SELECT region FROM teachers WHERE id = ?", (teacher_id,))
            set_aside = self._set_aside(cur, teacher_id) if row is None else []
        if row is None:
            raise self._not_found(set_aside, "No teacher with this PIN.")
        return row[0]

    @staticmethod
    def _not_found(set_aside: list[dict[str, Any]], message: str) -> NotFoundError:
        """A PIN whose teacher the views lack: unknown, or set aside (and then said so)."""
        if set_aside:
            return NotFoundError(
                "This teacher's record could not be applied to the views (event "
                f"{set_aside[0]['position']} is set aside; an administrator sees it on the "
                "dead-letter list).",
                code="teacher_record_incomplete",
            )
        return NotFoundError(message, code="teacher_not_found")

    def _policies(self, cur: Cursor, stamp: tuple[Any, Any]) -> list[PolicyVersion]:
        """Every adopted policy version (`load_policies`), read again only when the view's
        stamp (count, last position) has changed since it was last read."""
        cached = self._policy_cache
        if cached is not None and cached[0] == stamp:
            return cached[1]
        policies = load_policies(cur)
        self._policy_cache = (stamp, policies)
        return policies

    def _set_aside(self, cur: Cursor, teacher_id: str) -> list[dict[str, Any]]:
        """Events about the teacher or their records that some view set aside: an answer
        built without them says so instead of being silently wrong."""
        return [
            {"position": d.position, "type": d.event_type, "view": d.projection}
            for d in deadletters.concerning(cur, self.app_name, teacher_id)
        ]

    def search(
        self,
        text: str = "",
        *,
        region: str | None = None,
        district: str | None = None,
        school: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """{total, teachers}: teachers whose name or school has the typed words (or with
        this exact PIN), best match first (`registry.queries.search`)."""
        filters = {"region": region, "district": district, "school": school}
        total, rows = search.teachers(self.db, text, TEACHER_COLUMNS, filters, limit, offset)
        found = [{k: t[k] for k in SEARCH_COLUMNS} for t in map(_teacher, rows)]
        return {"total": total, "teachers": found}

    def compliance(
        self,
        pin: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
        *,
        along: Along | None = None,
    ) -> dict[str, Any]:
        """Spec §7 for one teacher on `as_of` as the registry knew it at `known_at`; the
        statement carries `along`'s columns too (read and handed over even for an
        unknown PIN)."""
        as_of = require_date(as_of, "as_of")
        known_at = require_moment(known_at, "known_at")
        k = time_text(known_at)
        with self.db.reading() as cur:
            # The whole answer in one statement (every compliance read makes it: round
            # trips are its cost): the PIN's teacher, their row and service start as known
            # then, one row per certificate recorded by then (or one without), whether the
            # views set aside an event about them, and the policy versions' stamp.
            along = along or _NOTHING_ALONG
            params = (k, self.app_name, check_pin_text(pin), *along.params, k)
            rows = cur.query(_compliance_sql(along.columns), params)
            width = len(rows[0]) - _ANSWER_COLUMNS  # along's columns come first
            along.seen(rows[0][:width])
            rows = [row[width:] for row in rows]
            found = rows[0]
            if found[0] is None:
                raise NotFoundError("No teacher with this PIN.", code="teacher_not_found")
            teacher_id, teacher = found[0], None if found[1] is None else found[1:5]
            set_aside = self._set_aside(cur, teacher_id) if found[6] else []
            if teacher is None or teacher[1] > k:
                raise self._not_found(
                    set_aside if teacher is None else [],
                    "No teacher with this PIN was registered at that time.",
                )
            service_start = found[5]
            assert service_start is not None  # registered by then, so a start was recorded
            certificates = [row[9:] for row in rows if row[9] is not None]
            policies = self._policies(cur, (found[7], found[8]))
        departures = (
            [DepartureFact(date_value(teacher[2]), time_value(teacher[3]))] if teacher[2] else []
        )
        verdict = evaluate(
            service_start=date_value(service_start),
            certificates=[certificate_fact(c[1:]) for c in certificates],
            departures=departures,
            policies=policies,
            as_of=as_of,
            known_at=known_at,
        )
        return {
            "pin": teacher[0],
            "as_of": as_of,
            "known_at": known_at,
            "incomplete": set_aside,
            "status": verdict.status,
            "hours": verdict.hours,
            "required_hours": verdict.required_hours,
            "window_years": verdict.window_years,
            "next_due": verdict.next_due,
            "missing_hours": verdict.missing_hours,
            "certificates": [
                {
                    "number": c.number,
                    "hours": c.hours,
                    "issued_on": c.issued_on,
                    "form": c.form,
                    "provider_code": c.provider_code,
                    "counts": c.counts,
                }
                for c in verdict.certificates
            ],
        }

    def certificates(self, pin: str) -> list[dict[str, Any]]:
        """The teacher's certificates, newest first."""
        with self.db.reading() as cur:
            teacher_id = teacher_id_for(cur, pin)
            return certificate_rows(
                cur, "c.teacher_id = ?", (teacher_id,), order="c.issued_on DESC, c.number DESC"
            )

    def enrolments(self, pin: str) -> list[dict[str, Any]]:
        """The teacher's enrolments, newest first."""
        columns = (
            "id",
            "programme_id",
            "programme_code",
            "title",
            "provider_code",
            "form",
            "mode",
            "funding",
            "hours",
            "assessment",
            "enrolled_on",
            "assessed_on",
            "passed",
            "score",
            "attempts",
            "withdrawn_on",
        )
        with self.db.reading() as cur:
            teacher_id = teacher_id_for(cur, pin)
            rows = cur.query(
                f"SELECT {', '.join(columns)} FROM enrolments WHERE "
                "teacher_id = ? ORDER BY enrolled_on DESC, recorded_at DESC",
                (teacher_id,),
            )
            # The live certificate of each enrolment (a revoked one reopens it).
            certified = dict(
                cur.query(
                    "SELECT enrolment_id, number FROM certificate_index WHERE teacher_id = ? AND "
                    "kind = 'issued' AND "
                    "enrolment_id IS NOT NULL AND revoked_at IS NULL",
                    (teacher_id,),
                )
            )
        result = []
        for row in rows:
            e = dict(zip(columns, row))
            e["certificate_number"] = certified.get(e["id"])
            for name in ("enrolled_on", "assessed_on", "withdrawn_on"):
                e[name] = date_value(e[name])
            e["passed"] = None if e["passed"] is None else bool(e["passed"])
            e["status"] = enrolment_status(e)
            result.append(e)
        return result

    def history(self, pin: str) -> list[dict[str, Any]]:
        """Every event about the teacher, their PIN entries, enrolments and certificates,
        and the reminders decided about them."""
        outbox = self.db.table_exists(OUTBOX_TABLE)
        with self.db.reading() as cur:
            teacher_id = teacher_id_for(cur, pin)
            pins = [
                r[0]
                for r in cur.query(
                    "SELECT pin FROM teacher_pins WHERE teacher_id = ?", (teacher_id,)
                )
            ]
            ids = [
                r[0]
                for r in cur.query(
                    "SELECT id FROM enrolments WHERE teacher_id = ? UNION "
                    "SELECT id FROM certificate_index WHERE teacher_id = ?",
                    (teacher_id, teacher_id),
                )
            ]
            if outbox:
                ids += [
                    r[0]
                    for r in cur.query(
                        f"SELECT id FROM {OUTBOX_TABLE} WHERE teacher_id = ?", (teacher_id,)
                    )
                ]
        aggregate_ids = [
            UUID(teacher_id),
            *(self.keys.pin_index_id(p) for p in pins),
            *(UUID(i) for i in ids),
        ]
        return [fact_dict(f) for f in self.log.about(aggregate_ids)]


def enrolment_status(e: dict[str, Any]) -> str:
    """enrolled, passed, failed, certified or withdrawn (as the write side says)."""
    if e["withdrawn_on"] is not None:
        return "withdrawn"
    if e["certificate_number"] is not None:
        return "certified"
    if e["passed"] is None:
        return "enrolled"
    return "passed" if e["passed"] else "failed"


def fact_dict(fact) -> dict[str, Any]:
    """An event for readers: JSON-ready data, the recorded time as a datetime."""
    out = fact.as_json()
    out["recorded_at"] = fact.recorded_at
    return out


__all__ = ["TeacherQueries", "check_pin_text", "enrolment_status", "fact_dict"]
