"""Commands on programmes and enrolments: register, enrol, assess, withdraw."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.access import check_provider
from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain import clock
from registry.domain.enrolment import Enrolment
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.programme import Programme
from registry.domain.values import check_not_future, parse_id


def programme_data(programme: Programme) -> dict[str, Any]:
    """A programme as a plain result."""
    facts = programme.facts()
    return {
        "id": str(programme.id),
        **facts,
        "subject": programme.subject,
        "capacity": programme.capacity,
        "starts_on": facts["starts_on"].isoformat(),
        "ends_on": facts["ends_on"].isoformat(),
    }


class ProgrammeCommands(CommandBase):
    """Registry mixin: programme and enrolment writes."""

    def find_programme(self, session: Session, programme_id: str | uuid.UUID) -> Programme:
        return session.get(parse_id(programme_id, "programme"), "programme", str(programme_id))

    def find_enrolment(self, session: Session, enrolment_id: str | uuid.UUID) -> Enrolment:
        return session.get(parse_id(enrolment_id, "enrolment"), "enrolment", str(enrolment_id))

    def register_programme(
        self, actor: Actor, details: dict[str, Any], *, idempotency_key: str | None = None
    ) -> CommandResult:
        """Register a programme of a provider (a course: >= 72 hours, assessed)."""
        # A missing code reads as "None" (the same natural id and message it always had).
        provider_code = str(details.get("provider_code"))
        actor.require("write_programmes")
        check_provider(actor, provider_code)

        def body(session: Session) -> dict[str, Any]:
            self.active_provider(session, provider_code)
            fields = {k: v for k, v in details.items() if k != "provider_code"}
            if fields.get("subject") is not None:  # optional; given, a listed subject's code
                fields["subject"] = self.resolve_reference(
                    session, "subjects", fields["subject"], "subject"
                )
            programme = Programme.register(provider_code, **fields)
            if session.find(programme.id) is not None:
                raise ConflictError(
                    f"Programme {programme.code} of {provider_code} is already registered.",
                    field="code",
                    code="duplicate_programme",
                )
            return programme_data(session.add(programme))

        return self.commands.run(
            actor, "register_programme", details, body, idempotency_key=idempotency_key
        )

    def enrol(
        self,
        actor: Actor,
        programme_id: str | uuid.UUID,
        pin: str,
        *,
        enrolled_on: date | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Enrol a teacher in a programme, at most once (dated today unless recorded late)."""
        actor.require("write_programmes")
        args = {"programme_id": str(programme_id), "pin": pin, "enrolled_on": enrolled_on}
        day = clock.today() if enrolled_on is None else check_not_future(enrolled_on, "enrolled_on")

        def body(session: Session) -> dict[str, Any]:
            programme = self.find_programme(session, programme_id)
            check_provider(actor, programme.provider_code)
            self.active_provider(session, programme.provider_code)
            teacher = self.find_teacher(session, pin)
            if teacher.has_departed:
                raise ConflictError("The teacher has left service.", code="teacher_departed")
            enrolment_id = Enrolment.id_for(programme.id, teacher.id)
            if session.find(enrolment_id) is not None:
                raise ConflictError(
                    "The teacher is already enrolled in this programme.", code="already_enrolled"
                )
            enrolment = Enrolment.enrol(programme.id, teacher.id, day, programme.facts())
            return session.add(enrolment).summary()

        return self.commands.run(actor, "enrol", args, body, idempotency_key=idempotency_key)

    def change_programme(
        self,
        actor: Actor,
        programme_id: str | uuid.UUID,
        changes: dict[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Change a programme's places (`capacity`: a whole number from 1, or None)."""
        actor.require("write_programmes")
        unknown = set(changes) - {"capacity"}
        if unknown:
            raise RuleViolationError(
                f"Cannot change {', '.join(sorted(unknown))}.", code="unknown_field"
            )
        args = {"programme_id": str(programme_id), **changes}

        def body(session: Session) -> dict[str, Any]:
            programme = self.find_programme(session, programme_id)
            check_provider(actor, programme.provider_code)
            self.active_provider(session, programme.provider_code)
            if "capacity" in changes:
                programme.change_capacity(changes["capacity"])
            return programme_data(programme)

        return self.commands.run(
            actor, "change_programme", args, body, idempotency_key=idempotency_key
        )

    def open_enrolment(
        self, session: Session, actor: Actor, enrolment_id: str | uuid.UUID
    ) -> Enrolment:
        enrolment = self.find_enrolment(session, enrolment_id)
        check_provider(actor, enrolment.provider_code)
        self.active_provider(session, enrolment.provider_code)
        return enrolment

    def assess(
        self,
        actor: Actor,
        enrolment_id: str | uuid.UUID,
        *,
        passed: bool,
        assessed_on: date,
        score: float | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Record an assessment (a failed teacher may be re-assessed)."""
        actor.require("write_programmes")
        args = {
            "enrolment_id": str(enrolment_id),
            "passed": passed,
            "score": score,
            "assessed_on": assessed_on,
        }

        def body(session: Session) -> dict[str, Any]:
            enrolment = self.open_enrolment(session, actor, enrolment_id)
            enrolment.assess(passed, score, assessed_on)
            return enrolment.summary()

        return self.commands.run(actor, "assess", args, body, idempotency_key=idempotency_key)

    def withdraw(
        self,
        actor: Actor,
        enrolment_id: str | uuid.UUID,
        *,
        effective_on: date,
        reason: str,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Withdraw a teacher from a programme."""
        actor.require("write_programmes")
        args = {"enrolment_id": str(enrolment_id), "effective_on": effective_on, "reason": reason}

        def body(session: Session) -> dict[str, Any]:
            enrolment = self.open_enrolment(session, actor, enrolment_id)
            enrolment.withdraw(effective_on, reason)
            return enrolment.summary()

        return self.commands.run(actor, "withdraw", args, body, idempotency_key=idempotency_key)
