"""Why a teacher's compliance on a date changed since "as known at K": every fact
recorded after K about the teacher (and the policy), each marked by whether it changed
the answer, judged by the pure rule (`registry.domain.compliance.evaluate`).

The rule's inputs are the views' own (certificates with when each was recorded and
revoked, service starts and the departure with their recorded times, the policy
versions), so the answer with every later fact is today's and the answer with none is
the answer as known at K (the replay contract). A later fact belongs to a *part* of
those inputs: a certificate (its record, its revocation), the departure, a service
start, a policy version. A part changed the answer when the answer today differs from
the answer with only that part put back as it stood at K (a certificate issued and
revoked since K is one part, and changes nothing). When no single part does, though the
answer changed (two later certificates, either enough), every part that alone would
change the answer as known at K is marked instead. Facts of no part (a transfer, an
enrolment, a name corrected) never change compliance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.domain import clock
from registry.domain.compliance import (
    CertificateFact,
    DepartureFact,
    PolicyVersion,
    evaluate,
)
from registry.domain.policy import CompliancePolicy
from registry.projections.codec import date_value, id_text, time_text, time_value
from registry.queries.common import (
    CERTIFICATE_FACT_COLUMNS,
    certificate_fact,
    load_policies,
    teacher_id_for,
)
from registry.storage import Cursor
from registry.storage.facts import EventLog, Fact, to_json

if TYPE_CHECKING:
    from registry.application import Registry

Part = tuple[
    Any, ...
]  # ("certificate", number), ("departure",), ("service_start", position), ("policy", recorded_at, effective_from)

# How each later fact reads in the command line's report (the pages say it in their language).
_TEXTS = {
    "Certificate.Issued": "certificate {number} ({hours} h, issued {issued_on}) recorded {at}",
    "Certificate.LegacyRecorded": "legacy certificate {number} ({hours} h, issued {issued_on}) "
    "recorded {at}",
    "Certificate.DuplicateIssued": "duplicate {number} of {duplicate_of} recorded {at}",
    "Certificate.Replaced": "certificate {number} replaced by duplicate {duplicate_number} {at}",
    "Certificate.Revoked": "certificate {number} revoked {at}: {reason}",
    "Certificate.DuplicateRevoked": "certificate {number}: its duplicate {number_revoked} "
    "revoked {at}",
    "Teacher.Registered": "registered {at}",
    "Teacher.Transferred": "transferred to {school} ({region}) from {effective_on}, recorded {at}",
    "Teacher.Departed": "departure effective {effective_on} recorded {at}: {reason}",
    "Teacher.Corrected": "details corrected {at}: {changes}",
    "Enrolment.Enrolled": "enrolled in {programme_code} on {enrolled_on}, recorded {at}",
    "Enrolment.Assessed": "assessed on {assessed_on} (passed: {passed}), recorded {at}",
    "Enrolment.Withdrawn": "withdrawn on {effective_on}: {reason}, recorded {at}",
    "Enrolment.Certified": "enrolment certified as {number}, recorded {at}",
    "Enrolment.CertificateRevoked": "enrolment reopened: {number} revoked, recorded {at}",
    "CompliancePolicy.Started": "policy started {at}: {required_hours} h in {window_years} "
    "years from {effective_from}",
    "CompliancePolicy.VersionAdopted": "policy adopted {at}: {required_hours} h in "
    "{window_years} years from {effective_from}",
}
# Bookkeeping about the teacher that says nothing to a reader (the PIN's index entry).
_UNLISTED = ("PinIndex.",)


@dataclass(frozen=True)
class LaterFact:
    """One fact recorded after the moment, and whether it changed the answer."""

    position: int
    type: str
    recorded_at: datetime
    data: dict[str, Any]
    text: str
    affects: bool
    number: str | None = None  # the certificate's, for a certificate's events

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "type": self.type,
            "number": self.number,
            "recorded_at": self.recorded_at.isoformat(),
            "text": self.text,
            "affects_answer": self.affects,
        }


@dataclass(frozen=True)
class ServiceStart:
    """A value of the teacher's service start, and when it was recorded."""

    position: int
    service_start: date
    recorded_at: datetime


@dataclass(frozen=True)
class RuleInputs:
    """Everything the compliance rule reads about one teacher, each with its recorded time."""

    service_starts: tuple[ServiceStart, ...]
    certificates: tuple[CertificateFact, ...]
    departures: tuple[DepartureFact, ...]
    policies: tuple[PolicyVersion, ...]

    def parts_after(self, moment: datetime) -> set[Part]:
        """The parts with something recorded after the moment."""
        parts: set[Part] = set()
        for c in self.certificates:
            if c.recorded_at > moment or (c.revoked_at is not None and c.revoked_at > moment):
                parts.add(("certificate", c.number))
        parts.update(("departure",) for d in self.departures if d.recorded_at > moment)
        parts.update(
            ("service_start", s.position) for s in self.service_starts if s.recorded_at > moment
        )
        parts.update(_policy_part(p) for p in self.policies if p.recorded_at > moment)
        return parts

    def answer(self, as_of: date, moment: datetime, keep: set[Part], now: datetime) -> tuple:
        """The answer on `as_of` from what was known at `moment` and the later parts in
        `keep` (as they stand now), in the fields a replay compares."""
        certificates = []
        for c in self.certificates:
            later = ("certificate", c.number) not in keep
            if later and c.recorded_at > moment:
                continue
            if later and c.revoked_at is not None and c.revoked_at > moment:
                c = replace(c, revoked_at=None)
            certificates.append(c)
        starts = [
            s
            for s in self.service_starts
            if s.recorded_at <= moment or ("service_start", s.position) in keep
        ] or list(self.service_starts[:1])
        start = max(starts, key=lambda s: (s.recorded_at, s.position))
        verdict = evaluate(
            service_start=start.service_start,
            certificates=certificates,
            departures=[
                d for d in self.departures if d.recorded_at <= moment or ("departure",) in keep
            ],
            policies=[
                p for p in self.policies if p.recorded_at <= moment or _policy_part(p) in keep
            ],
            as_of=as_of,
            known_at=now,
        )
        counting = tuple(sorted(c.number for c in verdict.certificates if c.counts))
        return (
            verdict.status,
            verdict.hours,
            verdict.required_hours,
            verdict.next_due,
            verdict.missing_hours,
            counting,
        )

    def changing_parts(self, as_of: date, moment: datetime, now: datetime) -> set[Part]:
        """The later parts that changed the answer on `as_of` (see the module's words)."""
        later = self.parts_after(moment)
        today = self.answer(as_of, moment, later, now)
        changing = {p for p in later if self.answer(as_of, moment, later - {p}, now) != today}
        then = self.answer(as_of, moment, set(), now)
        if not changing and today != then:
            changing = {p for p in later if self.answer(as_of, moment, {p}, now) != then}
        return changing


def _policy_part(policy: PolicyVersion) -> Part:
    return ("policy", time_text(policy.recorded_at), policy.effective_from)


def part_of(fact: Fact, numbers: dict[UUID, str]) -> Part | None:
    """The part of the rule's inputs a fact changes (None: it changes none)."""
    kind, data = fact.type, fact.data
    if kind in (
        "Certificate.Issued",
        "Certificate.LegacyRecorded",
        "Certificate.DuplicateIssued",
        "Certificate.Revoked",
    ):
        return ("certificate", data.get("number") or numbers.get(fact.originator_id))
    if kind == "Teacher.Departed":
        return ("departure",)
    if kind == "Teacher.Corrected" and "service_start" in (data.get("changes") or {}):
        return ("service_start", fact.position)
    if kind in ("CompliancePolicy.Started", "CompliancePolicy.VersionAdopted"):
        return ("policy", time_text(fact.recorded_at), data.get("effective_from"))
    return None


def describe(fact: Fact, numbers: dict[UUID, str]) -> str:
    """A later fact in plain English (the command line's report)."""
    values = {k: _text(v) for k, v in fact.data.items()}
    values.setdefault("number", numbers.get(fact.originator_id, "?"))
    programme = fact.data.get("programme")
    if isinstance(programme, dict):
        values.setdefault("programme_code", programme.get("code", "?"))
    if fact.type == "Certificate.DuplicateRevoked":
        values["number_revoked"] = fact.data.get("number", "?")
        values["number"] = numbers.get(fact.originator_id, "?")
    if isinstance(fact.data.get("changes"), dict):
        values["changes"] = ", ".join(f"{k}: {_text(v)}" for k, v in fact.data["changes"].items())
    values["at"] = fact.recorded_at.isoformat(timespec="seconds")
    template = _TEXTS.get(fact.type)
    try:
        if template is not None:
            return template.format(**values)
    except (KeyError, IndexError):  # an older event shape: say what happened, plainly
        pass
    return f"{fact.type} recorded {values['at']}"


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


class ExplainQueries:
    """The facts recorded about a teacher after a moment, and which changed an answer."""

    def __init__(self, app: Registry):
        self.app = app
        self.db = app.db

    def teacher_id(self, pin: str) -> str:
        """The internal id of the teacher with this (current or former) PIN."""
        with self.db.reading() as cur:
            return teacher_id_for(cur, pin)

    def inputs(self, teacher_id: str) -> RuleInputs:
        """The rule's inputs for one teacher, as the views hold them now."""
        with self.db.reading() as cur:
            return _inputs(cur, id_text(UUID(str(teacher_id))))

    def later_facts(
        self,
        teacher_id: str,
        moment: datetime,
        as_of: Sequence[date],
        *,
        inputs: RuleInputs | None = None,
        now: datetime | None = None,
    ) -> dict[date, list[LaterFact]]:
        """For each date, every fact recorded after `moment` about the teacher (their
        record, PIN entries, enrolments, certificates) and the policy, those that changed
        the answer on that date first, each group in the order recorded."""
        teacher_id = id_text(UUID(str(teacher_id)))  # any spelling of the id
        facts, numbers = self._facts_after(teacher_id, moment)
        inputs = inputs or self.inputs(teacher_id)
        latest = max((f.recorded_at for f in facts), default=moment)
        now = max(now or clock.now(), latest)
        found = {}
        for day in as_of:
            changing = inputs.changing_parts(day, moment, now)
            listed = [
                LaterFact(
                    position=f.position,
                    type=f.type,
                    recorded_at=f.recorded_at,
                    data=to_json(f.data),
                    text=describe(f, numbers),
                    affects=part_of(f, numbers) in changing,
                    number=numbers.get(f.originator_id),
                )
                for f in facts
            ]
            found[day] = [f for f in listed if f.affects] + [f for f in listed if not f.affects]
        return found

    def _facts_after(self, teacher_id: str, moment: datetime) -> tuple[list[Fact], dict[UUID, str]]:
        """The later facts about the teacher and the policy, in recorded order, and the
        number of each certificate among them (its later events do not repeat it)."""
        with self.db.reading() as cur:
            pins = [
                r[0]
                for r in cur.query(
                    "SELECT pin FROM teacher_pins WHERE teacher_id = ?", (teacher_id,)
                )
            ]
            records = cur.query(
                "SELECT id, NULL FROM enrolments WHERE teacher_id = ? UNION "
                "SELECT id, number FROM certificate_index WHERE teacher_id = ?",
                (teacher_id, teacher_id),
            )
        numbers = {UUID(r[0]): r[1] for r in records if r[1] is not None}
        ids = [
            UUID(teacher_id),
            *(self.app.keys.pin_index_id(p) for p in pins),
            *(UUID(r[0]) for r in records),
            CompliancePolicy.id_for(),
        ]
        facts = [
            f
            for f in EventLog(self.app).about(ids)
            if f.recorded_at > moment and not f.type.startswith(_UNLISTED)
        ]
        facts.sort(key=lambda f: (f.recorded_at, f.position))
        return facts, numbers


def _inputs(cur: Cursor, teacher_id: str) -> RuleInputs:
    starts = cur.query(
        "SELECT position, service_start, recorded_at FROM teacher_service_starts "
        "WHERE teacher_id = ?",
        (teacher_id,),
    )
    certificates = cur.query(
        f"SELECT {CERTIFICATE_FACT_COLUMNS} FROM certificate_index WHERE teacher_id = ?",
        (teacher_id,),
    )
    departure = cur.query_one(
        "SELECT departed_on, departed_at FROM teachers WHERE id = ?", (teacher_id,)
    )
    return RuleInputs(
        service_starts=tuple(
            ServiceStart(r[0], date_value(r[1]), time_value(r[2])) for r in starts
        ),
        certificates=tuple(certificate_fact(c) for c in certificates),
        departures=tuple(
            [DepartureFact(date_value(departure[0]), time_value(departure[1]))]
            if departure and departure[0]
            else []
        ),
        policies=tuple(load_policies(cur)),
    )


def ordered(facts: Iterable[LaterFact]) -> tuple[list[LaterFact], list[LaterFact]]:
    """The facts that changed the answer, and the others."""
    listed = list(facts)
    return [f for f in listed if f.affects], [f for f in listed if not f.affects]


__all__ = ["ExplainQueries", "LaterFact", "RuleInputs", "ordered", "part_of"]
