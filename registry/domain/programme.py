"""A programme of qualification upgrading offered by one provider."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import RuleViolationError
from registry.domain.values import (
    ASSESSMENTS,
    FORMS,
    FUNDING,
    MODES,
    check_choice,
    check_code,
    check_course,
    check_date,
    check_hours,
    check_text,
)

FACT_FIELDS = (
    "provider_code",
    "code",
    "title",
    "form",
    "mode",
    "hours",
    "assessment",
    "funding",
    "starts_on",
    "ends_on",
)
# Details of the programme alone, not copied into enrolments and certificates.
PLAN_FIELDS = ("subject", "capacity")


MAX_CAPACITY = 100_000


def check_capacity(value: object) -> int | None:
    """A programme's places: a whole number from 1, or None (not known)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CAPACITY:
        raise RuleViolationError(
            f"capacity must be a whole number from 1 to {MAX_CAPACITY}, or absent.",
            field="capacity",
            code="invalid_capacity",
        )
    return value


def check_subject(value: object) -> str | None:
    """The subject a programme is for (free text, as a teacher's), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return check_text(value, "subject")


def check_period(starts_on: object, ends_on: object) -> tuple[date, date]:
    """A programme's dates: two dates, the end not before the start."""
    start, end = check_date(starts_on, "starts_on"), check_date(ends_on, "ends_on")
    if end < start:
        raise RuleViolationError(
            "ends_on is before starts_on.", field="ends_on", code="ends_before_start"
        )
    return start, end


class Programme(RegistryAggregate):
    """A course, seminar, training or internship with its hours, assessment and dates."""

    @staticmethod
    def id_for(provider_code: str, code: str) -> UUID:
        return natural_id("programme", f"{provider_code}/{code}")

    @event("Registered")
    def __init__(
        self,
        provider_code: str,
        code: str,
        title: str,
        form: str,
        mode: str,
        hours: int,
        assessment: str,
        funding: str,
        starts_on: date,
        ends_on: date,
        subject: str | None = None,
        capacity: int | None = None,
    ):
        # subject and capacity came after the first programmes: their Registered events,
        # without them, replay with None (not known).
        self.provider_code = provider_code
        self.code = code
        self.title = title
        self.form = form
        self.mode = mode
        self.hours = hours
        self.assessment = assessment
        self.funding = funding
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.subject = subject
        self.capacity = capacity

    @classmethod
    def register(cls, provider_code: str, **details: Any) -> Programme:
        """Register a programme after checking the regulation's rules on it."""
        code = check_code(details.get("code"))
        form = check_choice(details.get("form"), FORMS, "form")
        hours = check_hours(details.get("hours"))
        assessment = check_choice(details.get("assessment"), ASSESSMENTS, "assessment")
        check_course(form, hours, assessment)
        starts_on, ends_on = check_period(details.get("starts_on"), details.get("ends_on"))
        return cls._create(
            cls.Registered,  # type: ignore[attr-defined]  # @event("Registered") makes this class at runtime
            id=cls.id_for(provider_code, code),
            provider_code=provider_code,
            code=code,
            title=check_text(details.get("title"), "title"),
            form=form,
            mode=check_choice(details.get("mode"), MODES, "mode"),
            hours=hours,
            assessment=assessment,
            funding=check_choice(details.get("funding"), FUNDING, "funding"),
            starts_on=starts_on,
            ends_on=ends_on,
            subject=check_subject(details.get("subject")),
            capacity=check_capacity(details.get("capacity")),
        )

    def change_capacity(self, capacity: object) -> bool:
        """Set or clear the places (None: not known); False if that changes nothing."""
        value = check_capacity(capacity)
        if value == self.capacity:
            return False
        self._capacity_changed(capacity=value)
        return True

    @event("CapacityChanged")
    def _capacity_changed(self, capacity: int | None) -> None:
        self.capacity = capacity

    def facts(self) -> dict[str, Any]:
        """What enrolments and certificates copy from the programme."""
        return {name: getattr(self, name) for name in FACT_FIELDS}
