"""Commands on teachers: registration, transfers, departures, corrections."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain.errors import ConflictError, NotFoundError, RuleViolationError
from registry.domain.reference import LIST_OF, ReferenceEntry, check_in_region
from registry.domain.teacher import CONTACT_FIELDS, PinIndex, Teacher, check_contacts
from registry.domain.values import check_pin


def _coded(
    commands: CommandBase, session: Session, details: dict[str, Any], region: object
) -> dict[str, Any]:
    """The details with their district, subject and position as codes of the reference
    lists (those given; the district checked against `region`)."""
    coded = dict(details)
    for field, list_name in LIST_OF.items():
        if field in coded:
            coded[field] = commands.resolve_reference(
                session, list_name, coded[field], field, region=region
            )
    return coded


def teacher_data(teacher: Teacher) -> dict[str, Any]:
    """A teacher as a plain result."""
    return {
        "id": str(teacher.id),
        "pin": teacher.pin,
        "full_name": teacher.full_name,
        "region": teacher.region,
        "district": teacher.district,
        "school": teacher.school,
        "subject": teacher.subject,
        "position": teacher.position,
        "service_start": teacher.service_start.isoformat(),
        "departed_on": teacher.departed_on.isoformat() if teacher.departed_on else None,
        "previous_pins": list(teacher.previous_pins),
        **teacher.contacts,
    }


class TeacherCommands(CommandBase):
    """Registry mixin: the teacher writes and the PIN lookup."""

    def find_teacher(self, session: Session, pin: str) -> Teacher:
        """The teacher a PIN (current or corrected-away) points to."""
        check_pin(pin)
        index = session.find(self.keys.pin_index_id(pin))
        if index is None:
            raise NotFoundError("No teacher with this PIN.", code="teacher_not_found")
        return session.get(index.teacher_id, "teacher", "with this PIN")

    @staticmethod
    def resolve_current_district(session: Session, teacher: Teacher, region: object) -> None:
        """A teacher's recorded district, if it is a listed code, is of this region."""
        entry = session.find(ReferenceEntry.id_for("districts", teacher.district))
        if entry is not None:
            check_in_region(entry, region)

    def teacher_id_for_pin(self, pin: str) -> uuid.UUID | None:
        """The internal id of the teacher a PIN points to, or None."""
        try:
            return self.find_teacher(Session(self), pin).id
        except NotFoundError:
            return None

    def register_teacher(
        self,
        actor: Actor,
        details: dict[str, Any],
        *,
        teacher_id: uuid.UUID | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Register a teacher; the PIN must not be registered already."""
        actor.require("write_teachers")

        def body(session: Session) -> dict[str, Any]:
            contacts = {k: details[k] for k in CONTACT_FIELDS if k in details}
            plain = {k: v for k, v in details.items() if k not in CONTACT_FIELDS}
            plain = _coded(self, session, plain, plain.get("region"))
            teacher = Teacher.register(teacher_id or uuid.uuid4(), **plain)
            if contacts:
                check_contacts(contacts)  # a bad e-mail refuses the registration
                teacher.change_contacts(contacts)
            index_id = self.keys.pin_index_id(teacher.pin)
            if session.find(index_id) is not None:
                raise ConflictError(
                    "A teacher with this PIN is already registered.",
                    field="pin",
                    code="duplicate_pin",
                )
            session.add(teacher)
            session.add(PinIndex.point(index_id, teacher.id))
            return teacher_data(teacher)

        return self.commands.run(
            actor, "register_teacher", details, body, idempotency_key=idempotency_key
        )

    def transfer_teacher(
        self,
        actor: Actor,
        pin: str,
        *,
        region: str,
        district: str,
        school: str,
        effective_on: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Move a teacher to another school from a date."""
        actor.require("write_teachers")
        args = {
            "pin": pin,
            "region": region,
            "district": district,
            "school": school,
            "effective_on": effective_on,
        }

        def body(session: Session) -> dict[str, Any]:
            teacher = self.find_teacher(session, pin)
            code = self.resolve_reference(session, "districts", district, "district", region=region)
            teacher.transfer(region, code, school, effective_on)  # type: ignore[arg-type]  # the domain refuses what is not text
            return teacher_data(teacher)

        return self.commands.run(
            actor, "transfer_teacher", args, body, idempotency_key=idempotency_key
        )

    def record_departure(
        self,
        actor: Actor,
        pin: str,
        *,
        effective_on: date,
        reason: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Record that a teacher left service."""
        actor.require("write_teachers")
        args = {"pin": pin, "effective_on": effective_on, "reason": reason}

        def body(session: Session) -> dict[str, Any]:
            teacher = self.find_teacher(session, pin)
            teacher.depart(effective_on, reason)
            return teacher_data(teacher)

        return self.commands.run(
            actor, "record_departure", args, body, idempotency_key=idempotency_key
        )

    def correct_teacher(
        self,
        actor: Actor,
        pin: str,
        changes: dict[str, Any],
        *,
        reason: str | None = None,
        effective_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Correct a teacher's details; a new PIN gets an index entry, the old one keeps its."""
        actor.require("write_teachers")
        args = {"pin": pin, "changes": changes, "reason": reason, "effective_on": effective_on}

        def body(session: Session) -> dict[str, Any]:
            teacher = self.find_teacher(session, pin)
            contacts = {k: changes[k] for k in CONTACT_FIELDS if k in changes}
            details = {k: v for k, v in changes.items() if k not in CONTACT_FIELDS}
            details = _coded(self, session, details, details.get("region", teacher.region))
            if "region" in details and "district" not in details:
                # A district recorded as a code must be of the corrected region (text
                # recorded before the lists is judged by the domain, as it was).
                self.resolve_current_district(session, teacher, details["region"])
            if contacts:
                check_contacts({**teacher.contacts, **contacts})
                changed = bool(teacher.change_contacts(contacts))
                if not details:
                    if not changed:
                        raise RuleViolationError(
                            "The correction changes nothing.", code="no_change"
                        )
                    return teacher_data(teacher)
            new_pin = details.get("pin")
            if new_pin is not None and new_pin != teacher.pin:
                index = session.find(self.keys.pin_index_id(check_pin(new_pin)))
                if index is not None and index.teacher_id != teacher.id:
                    raise ConflictError(
                        "Another teacher is registered with this PIN.",
                        field="pin",
                        code="duplicate_pin",
                    )
                effective = teacher.correct(details, reason, effective_on)
                if index is None and "pin" in effective:
                    session.add(PinIndex.point(self.keys.pin_index_id(new_pin), teacher.id))
            else:
                teacher.correct(
                    {k: v for k, v in details.items() if k != "pin"}, reason, effective_on
                )
            return teacher_data(teacher)

        return self.commands.run(
            actor, "correct_teacher", args, body, idempotency_key=idempotency_key
        )
