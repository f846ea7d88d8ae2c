"""A teacher's enrolment in a programme: assessed, certified, or withdrawn."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.values import check_not_future, check_text


class Enrolment(RegistryAggregate):
    """At most one per teacher and programme (its id is derived from both)."""

    @staticmethod
    def id_for(programme_id: UUID, teacher_id: UUID) -> UUID:
        return natural_id("enrolment", f"{programme_id}/{teacher_id}")

    @event("Enrolled")
    def __init__(
        self, programme_id: UUID, teacher_id: UUID, enrolled_on: date, programme: dict[str, Any]
    ):
        self.programme_id = programme_id
        self.teacher_id = teacher_id
        self.enrolled_on = enrolled_on
        self.programme = programme
        self.passed: bool | None = None
        self.assessed_on: date | None = None
        self.score: float | None = None
        self.attempts = 0
        self.withdrawn_on: date | None = None
        self.certificate_number: str | None = None

    @classmethod
    def enrol(
        cls, programme_id: UUID, teacher_id: UUID, enrolled_on: date, programme: dict[str, Any]
    ) -> Enrolment:
        """Enrol a teacher; the programme's facts are copied so the history stands alone."""
        return cls._create(
            cls.Enrolled,  # type: ignore[attr-defined]  # @event("Enrolled") makes this class at runtime
            id=cls.id_for(programme_id, teacher_id),
            programme_id=programme_id,
            teacher_id=teacher_id,
            enrolled_on=enrolled_on,
            programme=programme,
        )

    def summary(self) -> dict[str, Any]:
        """The enrolment as a plain result (ids and dates as text)."""
        return {
            "id": str(self.id),
            "programme_id": str(self.programme_id),
            "teacher_id": str(self.teacher_id),
            "provider_code": self.provider_code,
            "status": self.status,
            "enrolled_on": self.enrolled_on.isoformat(),
            "passed": self.passed,
            "score": self.score,
            "assessed_on": self.assessed_on.isoformat() if self.assessed_on else None,
            "attempts": self.attempts,
            "withdrawn_on": self.withdrawn_on.isoformat() if self.withdrawn_on else None,
            "certificate_number": self.certificate_number,
        }

    @property
    def provider_code(self) -> str:
        code: str = self.programme["provider_code"]
        return code

    @property
    def status(self) -> str:
        """enrolled, passed, failed, certified or withdrawn."""
        if self.withdrawn_on is not None:
            return "withdrawn"
        if self.certificate_number is not None:
            return "certified"
        if self.passed is None:
            return "enrolled"
        return "passed" if self.passed else "failed"

    def assess(self, passed: bool, score: float | None, assessed_on: date) -> None:
        """Record an assessment; a failed teacher may be re-assessed (rule 4), a passed one
        not: a pass recorded in error is undone by withdrawing the enrolment (its
        certificate revoked first, if one was issued)."""
        self._check_open()
        if self.passed:
            raise ConflictError(
                "The teacher already passed this assessment; only a failed teacher may be "
                "re-assessed.",
                code="already_passed",
            )
        if self.programme["assessment"] == "none":
            raise RuleViolationError(
                "This programme has no assessment.", code="programme_without_assessment"
            )
        if not isinstance(passed, bool):
            raise RuleViolationError(
                "passed must be true or false.", field="passed", code="invalid_passed"
            )
        if score is not None and (
            isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 100
        ):
            raise RuleViolationError(
                "score must be a number from 0 to 100.", field="score", code="invalid_score"
            )
        check_not_future(assessed_on, "assessed_on")
        if assessed_on < self.programme["starts_on"]:
            raise RuleViolationError(
                "The assessment is dated before the programme starts.",
                field="assessed_on",
                code="assessment_before_programme",
            )
        if self.assessed_on is not None and assessed_on < self.assessed_on:
            raise RuleViolationError(
                "A re-assessment cannot predate the previous assessment.",
                field="assessed_on",
                code="assessment_before_previous",
            )
        self._assessed(passed=passed, score=score, assessed_on=assessed_on)

    @event("Assessed")
    def _assessed(self, passed: bool, score: float | None, assessed_on: date) -> None:
        self.passed, self.score, self.assessed_on = passed, score, assessed_on
        self.attempts += 1

    def withdraw(self, effective_on: date, reason: str) -> None:
        """Withdraw the teacher from the programme."""
        self._check_open()
        check_not_future(effective_on, "effective_on")
        reason = check_text(reason, "reason")
        self._withdrawn(effective_on=effective_on, reason=reason)

    @event("Withdrawn")
    def _withdrawn(self, effective_on: date, reason: str) -> None:
        self.withdrawn_on = effective_on

    def check_certifiable(self, issued_on: date) -> None:
        """A certificate needs a passed assessment (unless there is none) and sane dates."""
        self._check_open()
        if self.programme["assessment"] != "none" and not self.passed:
            raise RuleViolationError(
                "A certificate needs a passed assessment.", code="assessment_not_passed"
            )
        check_not_future(issued_on, "issued_on")
        if issued_on < self.programme["starts_on"]:
            raise RuleViolationError(
                "A certificate cannot be issued before its programme starts.",
                field="issued_on",
                code="certificate_before_programme",
            )
        if self.assessed_on is not None and issued_on < self.assessed_on:
            raise RuleViolationError(
                "A certificate cannot be issued before the assessment it rests on.",
                field="issued_on",
                code="certificate_before_assessment",
            )

    def certify(self, number: str, issued_on: date) -> None:
        """Record the certificate issued on this enrolment."""
        self.check_certifiable(issued_on)
        self._certified(number=number, issued_on=issued_on)

    @event("Certified")
    def _certified(self, number: str, issued_on: date) -> None:
        self.certificate_number = number

    def certificate_revoked(self, number: str) -> None:
        """Reopen the enrolment for a corrected certificate after a revocation."""
        if self.certificate_number == number:
            self._certificate_revoked(number=number)

    @event("CertificateRevoked")
    def _certificate_revoked(self, number: str) -> None:
        if self.certificate_number == number:
            self.certificate_number = None

    def _check_open(self) -> None:
        if self.withdrawn_on is not None:
            raise ConflictError("The enrolment was withdrawn.", code="enrolment_withdrawn")
        if self.certificate_number is not None:
            raise ConflictError(
                f"The enrolment is already certified ({self.certificate_number}).",
                code="already_certified",
            )
