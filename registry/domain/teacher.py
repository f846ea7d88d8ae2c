"""A teacher, keyed on an internal id; the PIN is personal data found through `PinIndex`."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.values import (
    LANGUAGES,
    check_choice,
    check_district,
    check_email,
    check_not_future,
    check_phone,
    check_pin,
    check_region,
    check_text,
    pin_birth_date,
)

DETAIL_FIELDS = (
    "pin",
    "full_name",
    "region",
    "district",
    "school",
    "subject",
    "position",
    "service_start",
)


def check_details(details: dict[str, Any]) -> dict[str, Any]:
    """Validate a full set of teacher details (registration) and return them cleaned."""
    clean: dict[str, Any] = {
        "pin": check_pin(details.get("pin")),
        "full_name": check_text(details.get("full_name"), "full_name"),
        "region": check_region(details.get("region")),
        "school": check_text(details.get("school"), "school"),
        "subject": check_text(details.get("subject"), "subject"),
        "position": check_text(details.get("position"), "position"),
        "service_start": check_not_future(details.get("service_start"), "service_start"),
    }
    clean["district"] = check_district(details.get("district"), clean["region"])
    check_service_start(clean["service_start"], clean["pin"])
    return clean


def check_service_start(service_start: date, pin: str) -> date:
    """Teaching began after the birth date the PIN carries."""
    if service_start <= pin_birth_date(pin):
        raise RuleViolationError(
            "service_start is before the birth date in the PIN.",
            field="service_start",
            code="service_before_birth",
        )
    return service_start


CONTACT_FIELDS = ("email", "phone", "language")


def check_contacts(contacts: dict[str, Any]) -> dict[str, Any]:
    """Optional contacts (protected data): e-mail, E.164 phone, the language of letters."""
    email, phone = contacts.get("email"), contacts.get("phone")
    language = contacts.get("language") or "ru"
    return {
        "email": None if email in (None, "") else check_email(email),
        "phone": None if phone in (None, "") else check_phone(phone),
        "language": check_choice(language, LANGUAGES, "language"),
    }


class Teacher(RegistryAggregate):
    """A teacher in service: details, location and departure, each change an event."""

    @event("Registered")
    def __init__(
        self,
        pin: str,
        full_name: str,
        region: str,
        district: str,
        school: str,
        subject: str,
        position: str,
        service_start: date,
    ):
        self.pin = pin
        self.previous_pins: list[str] = []
        self.full_name = full_name
        self.region = region
        self.district = district
        self.school = school
        self.subject = subject
        self.position = position
        self.service_start = service_start
        self.departed_on: date | None = None
        # Contacts are protected data: their own event, which no view reads.
        self.email: str | None = None
        self.phone: str | None = None
        self.language = "ru"

    @classmethod
    def register(cls, teacher_id: UUID, **details: Any) -> Teacher:
        """Register a teacher from validated details under a fresh internal id."""
        return cls._create(cls.Registered, id=teacher_id, **check_details(details))  # type: ignore[attr-defined]  # @event("Registered") makes this class at runtime

    @property
    def has_departed(self) -> bool:
        return self.departed_on is not None

    def transfer(self, region: str, district: str, school: str, effective_on: date) -> None:
        """Move the teacher to another school from a date."""
        self._check_in_service()
        region = check_region(region)
        district = check_district(district, region)
        school = check_text(school, "school")
        check_not_future(effective_on, "effective_on")
        if effective_on < self.service_start:
            raise RuleViolationError(
                "A transfer cannot take effect before service_start.",
                field="effective_on",
                code="before_service_start",
            )
        if (region, district, school) == (self.region, self.district, self.school):
            raise RuleViolationError(
                "The teacher already works at this school.", field="school", code="no_change"
            )
        self._transferred(
            region=region, district=district, school=school, effective_on=effective_on
        )

    @event("Transferred")
    def _transferred(self, region: str, district: str, school: str, effective_on: date) -> None:
        self.region, self.district, self.school = region, district, school

    def depart(self, effective_on: date, reason: str) -> None:
        """Record that the teacher left service from a date."""
        self._check_in_service()
        check_not_future(effective_on, "effective_on")
        reason = check_text(reason, "reason")
        if effective_on < self.service_start:
            raise RuleViolationError(
                "A departure cannot take effect before service_start.",
                field="effective_on",
                code="before_service_start",
            )
        self._departed(effective_on=effective_on, reason=reason)

    @event("Departed")
    def _departed(self, effective_on: date, reason: str) -> None:
        self.departed_on = effective_on

    def correct(
        self, changes: dict[str, Any], reason: str | None = None, effective_on: date | None = None
    ) -> dict[str, Any]:
        """Correct registered details (a civil-registry PIN change included); returns the changes.

        `effective_on` is the date the correction was decided (a civil-registry change of
        PIN, say); the corrected details themselves replace the wrong ones from the start.
        """
        unknown = set(changes) - set(DETAIL_FIELDS)
        if unknown:
            raise RuleViolationError(
                f"Cannot correct {', '.join(sorted(unknown))}.", code="unknown_field"
            )
        current = {name: getattr(self, name) for name in DETAIL_FIELDS}
        merged = check_details({**current, **changes})
        effective = {k: v for k, v in merged.items() if k in changes and v != current[k]}
        if not effective:
            raise RuleViolationError("The correction changes nothing.", code="no_change")
        if effective_on is not None:
            check_not_future(effective_on, "effective_on")
        self._corrected(
            changes=effective,
            reason=check_text(reason, "reason") if reason else None,
            effective_on=effective_on,
        )
        return effective

    class Corrected(RegistryAggregate.Event):
        """Details corrected; version 2 added the date the correction was decided."""

        class_version = 2
        changes: dict[str, Any]
        reason: str | None
        effective_on: date | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["effective_on"] = None  # corrections recorded before the field existed

    @event(Corrected)
    def _corrected(
        self, changes: dict[str, Any], reason: str | None, effective_on: date | None
    ) -> None:
        if "pin" in changes:
            self.previous_pins.append(self.pin)
        for name, value in changes.items():
            setattr(self, name, value)

    @property
    def contacts(self) -> dict[str, Any]:
        return {"email": self.email, "phone": self.phone, "language": self.language}

    def change_contacts(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Set or clear the e-mail, phone or language; returns the contacts if they changed.

        A missing key keeps its value, None or "" clears it."""
        unknown = set(changes) - set(CONTACT_FIELDS)
        if unknown:
            raise RuleViolationError(
                f"Cannot correct {', '.join(sorted(unknown))}.", code="unknown_field"
            )
        merged = check_contacts({**self.contacts, **changes})
        if merged == self.contacts:
            return {}
        self._contacts_changed(**merged)
        return merged

    @event("ContactsChanged")
    def _contacts_changed(self, email: str | None, phone: str | None, language: str) -> None:
        self.email, self.phone, self.language = email, phone, language

    def _check_in_service(self) -> None:
        if self.has_departed:
            raise ConflictError("The teacher has left service.", code="teacher_departed")


class PinIndex(RegistryAggregate):
    """Points a PIN (through a secret-keyed id that does not reveal it) to a teacher."""

    @event("Created")
    def __init__(self, teacher_id: UUID):
        self.teacher_id = teacher_id

    @classmethod
    def point(cls, index_id: UUID, teacher_id: UUID) -> PinIndex:
        """An index entry under a secret-keyed id."""
        return cls._create(cls.Created, id=index_id, teacher_id=teacher_id)
