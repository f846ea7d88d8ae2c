"""Then against now: each teacher's compliance as the replayed log answers it and as the
live registry answers it, for the same dates, with what was recorded in between.

Compliance on D as known at K depends only on facts about the teacher (their record,
certificates, departure) and on the policy, each recorded at or before K. So only
teachers with such a fact recorded after the replay's moment (or everyone, when a policy
version was adopted after it) can differ; the others are counted as unaffected and
compared only with `exhaustive=True`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from registry.domain.errors import NotFoundError
from registry.domain.teacher import Teacher
from registry.queries.explain import ExplainQueries, LaterFact
from registry.storage.facts import EventLog, to_json

if TYPE_CHECKING:
    from registry.application import Registry

COMPARED = ("status", "hours", "required_hours", "next_due", "missing_hours")
_CHUNK = 500


@dataclass
class Difference:
    """One teacher whose answer on a date changed since the replay's moment."""

    pin: str
    full_name: str
    as_of: date
    then: dict[str, Any]
    now: dict[str, Any]
    reasons: list[LaterFact] = field(default_factory=list)  # those that changed it first

    @property
    def change(self) -> str:
        return f"{self.then.get('status')} -> {self.now.get('status')}"

    @property
    def affecting(self) -> list[LaterFact]:
        """The later facts that changed this answer."""
        return [r for r in self.reasons if r.affects]

    @property
    def unaffecting(self) -> list[LaterFact]:
        """The later facts that changed nothing in this answer."""
        return [r for r in self.reasons if not r.affects]

    def as_json(self) -> dict[str, Any]:
        return to_json(
            {
                "pin": self.pin,
                "full_name": self.full_name,
                "as_of": self.as_of,
                "then": self.then,
                "now": self.now,
                "change": self.change,
                "reasons": [r.as_json() for r in self.reasons],
            }
        )


@dataclass
class Comparison:
    """Every difference, and how many teachers were looked at."""

    as_of: list[date]
    teachers: int = 0  # registered by the moment
    registered_later: int = 0
    compared: int = 0  # teachers whose answers were compared
    unaffected: int = 0  # teachers with nothing recorded after the moment
    policy_changed: bool = False
    differences: list[Difference] = field(default_factory=list)
    seconds: float = 0.0

    def changes(self) -> Counter:
        """How many answers moved from one status to another (or only in hours/dates)."""
        return Counter(d.change for d in self.differences)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": [d.isoformat() for d in self.as_of],
            "teachers": self.teachers,
            "registered_later": self.registered_later,
            "compared": self.compared,
            "unaffected": self.unaffected,
            "policy_changed": self.policy_changed,
            "changes": dict(self.changes()),
            "differences": [d.as_json() for d in self.differences],
            "seconds": self.seconds,
        }


def compare(
    live: Registry,
    replayed: Registry,
    until: datetime,
    as_of: list[date],
    later_ids: Iterable[str],
    *,
    exhaustive: bool = False,
) -> Comparison:
    """Compare every possibly affected teacher's compliance then (replayed) and now (live)."""
    from registry.queries import Queries

    started = time.perf_counter()
    result = Comparison(as_of=list(as_of))
    affected, result.policy_changed = _affected_teachers(live, later_ids, until)
    teachers = _teachers(live)
    then, now = Queries(replayed), Queries(live)
    explain = ExplainQueries(live)
    for teacher_id, (pin, full_name, registered_at) in teachers.items():
        if registered_at > until:
            result.registered_later += 1
            continue
        result.teachers += 1
        if not (exhaustive or result.policy_changed or teacher_id in affected):
            result.unaffected += 1
            continue
        result.compared += 1
        changed = []
        for day in as_of:
            before, after = _answer(then, pin, day), _answer(now, pin, day)
            if before != after:
                changed.append(Difference(pin, full_name, day, before, after))
        if changed:
            reasons = explain.later_facts(teacher_id, until, [d.as_of for d in changed])
            for difference in changed:
                difference.reasons = reasons[difference.as_of]
            result.differences.extend(changed)
    result.seconds = time.perf_counter() - started
    return result


def _answer(queries: Any, pin: str, day: date) -> dict[str, Any]:
    try:
        answer = queries.compliance(pin, as_of=day)
    except NotFoundError:
        return {"status": "not_registered"}
    found = {key: answer.get(key) for key in COMPARED}
    found["counting"] = sorted(c["number"] for c in answer.get("certificates", ()) if c["counts"])
    return found


def _teachers(live: Registry) -> dict[str, tuple[str, str, datetime]]:
    """Every teacher ever registered: id -> (PIN at registration, name, registered at)."""
    teachers = {}
    for fact in EventLog(live).select("topic = ?", (get_topic(Teacher.Registered),)):  # type: ignore[attr-defined]  # @event("Registered") makes this class at runtime
        teachers[fact.originator_id.hex] = (
            fact.data["pin"],
            fact.data.get("full_name", ""),
            fact.recorded_at,
        )
    return teachers


def _affected_teachers(
    live: Registry, later_ids: Iterable[str], until: datetime
) -> tuple[dict[str, set[UUID]], bool]:
    """Teacher id -> aggregates about them with events after the moment (read from each
    aggregate's first event, which names its teacher); and whether a policy version was
    adopted after it (the initial regulation recorded late changes no answer: it is the
    one in force when none is known)."""
    db, log = live.db, EventLog(live)
    ids = sorted(later_ids)
    affected: dict[str, set[UUID]] = {}
    policy_changed = False
    for start in range(0, len(ids), _CHUNK):
        chunk = [UUID(i) for i in ids[start : start + _CHUNK]]
        where, params = db.ids_condition("originator_id", chunk)
        for fact in log.select(f"originator_version = 1 AND {where}", params):
            if fact.type.startswith("CompliancePolicy."):
                policy_changed = any(
                    f.type == "CompliancePolicy.VersionAdopted" and f.recorded_at > until
                    for f in log.about([fact.originator_id])
                )
            elif fact.type == "Teacher.Registered":
                affected.setdefault(fact.originator_id.hex, set()).add(fact.originator_id)
            elif fact.data.get("teacher_id") is not None:
                teacher = UUID(str(fact.data["teacher_id"])).hex
                affected.setdefault(teacher, set()).add(fact.originator_id)
    return affected, policy_changed


__all__ = ["Comparison", "Difference", "compare"]
