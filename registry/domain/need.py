"""A training need: a school or a district asks for a course for some of its teachers.

A need names its place (region, district, and the school if it is a school's own), the
subject and topic, how many teachers, and the months it is wanted in (from-to, each
"YYYY-MM"). Needs are matched to programmes of that subject starting within the period
(`registry.queries.needs`); recording one needs `record_needs` (registry.access).

A need answered otherwise, or recorded in error, is withdrawn with a reason: it stays on
record (the event log keeps both), and the lists of open needs leave it out.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.values import check_district, check_region, check_text

MAX_TEACHERS = 10_000
MAX_PERIOD_MONTHS = 60
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def check_month(value: object, field: str) -> str:
    """A month as YYYY-MM (years 2000 to 2100)."""
    match = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise RuleViolationError(
            f"{field} must be a month written YYYY-MM (2000 to 2100).",
            field=field,
            code="invalid_month",
        )
    return match.group(0)


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def check_period(period_from: object, period_to: object) -> tuple[str, str]:
    """The months a need is wanted in: the end not before the start, at most five years."""
    start, end = check_month(period_from, "period_from"), check_month(period_to, "period_to")
    span = month_index(end) - month_index(start) + 1
    if span < 1:
        raise RuleViolationError(
            "period_to is before period_from.", field="period_to", code="ends_before_start"
        )
    if span > MAX_PERIOD_MONTHS:
        raise RuleViolationError(
            f"A need's period spans at most {MAX_PERIOD_MONTHS} months.",
            field="period_to",
            code="period_too_long",
        )
    return start, end


def check_teachers(value: object) -> int:
    """How many teachers need the course: a whole number from 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TEACHERS:
        raise RuleViolationError(
            f"teachers must be a whole number from 1 to {MAX_TEACHERS}.",
            field="teachers",
            code="invalid_teachers",
        )
    return value


def check_need(details: dict[str, Any]) -> dict[str, Any]:
    """Every rule on a need's details; the checked values."""
    region = check_region(details.get("region"))
    school = details.get("school")
    period_from, period_to = check_period(details.get("period_from"), details.get("period_to"))
    return {
        "region": region,
        "district": check_district(details.get("district"), region),
        "school": check_text(school, "school")
        if isinstance(school, str) and school.strip()
        else None,
        "subject": check_text(details.get("subject"), "subject"),
        "topic": check_text(details.get("topic"), "topic"),
        "teachers": check_teachers(details.get("teachers")),
        "period_from": period_from,
        "period_to": period_to,
    }


class TrainingNeed(RegistryAggregate):
    """A school's or a district's need for a course, as recorded."""

    withdrawal_reason: str | None = None  # set once withdrawn

    @event("Recorded")
    def __init__(
        self,
        region: str,
        district: str,
        school: str | None,
        subject: str,
        topic: str,
        teachers: int,
        period_from: str,
        period_to: str,
    ):
        self.region = region
        self.district = district
        self.school = school
        self.subject = subject
        self.topic = topic
        self.teachers = teachers
        self.period_from = period_from
        self.period_to = period_to

    @classmethod
    def record(cls, details: dict[str, Any], need_id: UUID | None = None) -> TrainingNeed:
        return cls._create(
            cls.Recorded,  # type: ignore[attr-defined]  # @event("Recorded") makes it at runtime
            id=need_id or uuid.uuid4(),
            **check_need(details),
        )

    def withdraw(self, reason: str) -> None:
        """Close the need (answered otherwise, or recorded in error); it stays on record
        with the reason."""
        reason = check_text(reason, "reason")
        if self.withdrawal_reason is not None:
            raise ConflictError("This need is already withdrawn.", code="already_withdrawn")
        self._withdrawn(reason=reason)

    @event("Withdrawn")
    def _withdrawn(self, reason: str) -> None:
        self.withdrawal_reason = reason

    def data(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            **{name: getattr(self, name) for name in NEED_FIELDS},
            "withdrawn": self.withdrawal_reason is not None,
            "withdrawal_reason": self.withdrawal_reason,
        }


NEED_FIELDS = (
    "region",
    "district",
    "school",
    "subject",
    "topic",
    "teachers",
    "period_from",
    "period_to",
)
