"""A certificate: issued on an enrolment, recorded from paper, or issued as a duplicate.

Never deleted: it can be revoked (its duplicates with it) and replaced by duplicates.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.values import check_not_future, check_text

# What every certificate carries, whichever way it came to exist.
FACT_FIELDS = (
    "number",
    "teacher_id",
    "provider_code",
    "title",
    "form",
    "hours",
    "issued_on",
    "verification_code",
)


class Certificate(RegistryAggregate):
    """A certificate keyed on its globally unique number."""

    @staticmethod
    def id_for(number: str) -> UUID:
        return natural_id("certificate", number)

    class Issued(RegistryAggregate.Created):
        """Issued by a provider on an enrolment whose assessment passed."""

        number: str
        teacher_id: UUID
        provider_code: str
        title: str
        form: str
        hours: int
        issued_on: date
        verification_code: str
        enrolment_id: UUID
        programme: dict[str, Any]

    class LegacyRecorded(RegistryAggregate.Created):
        """A paper certificate from before the registry, recorded without an enrolment."""

        number: str
        teacher_id: UUID
        provider_code: str
        title: str
        form: str
        hours: int
        issued_on: date
        verification_code: str

    class DuplicateIssued(RegistryAggregate.Created):
        """A duplicate replacing a lost original; it adds no hours of its own."""

        number: str
        teacher_id: UUID
        provider_code: str
        title: str
        form: str
        hours: int
        issued_on: date
        verification_code: str
        duplicate_of: str

    def __init__(
        self,
        number: str,
        teacher_id: UUID,
        provider_code: str,
        title: str,
        form: str,
        hours: int,
        issued_on: date,
        verification_code: str,
        enrolment_id: UUID | None = None,
        programme: dict[str, Any] | None = None,
        duplicate_of: str | None = None,
    ):
        self.number = number
        self.teacher_id = teacher_id
        self.provider_code = provider_code
        self.title = title
        self.form = form
        self.hours = hours
        self.issued_on = issued_on
        self.verification_code = verification_code
        self.enrolment_id = enrolment_id
        self.programme = programme
        self.duplicate_of = duplicate_of
        self.duplicates: dict[str, bool] = {}  # duplicate number -> revoked?
        self.revoked = False
        self.revocation_reason: str | None = None

    @classmethod
    def issue(cls, **facts: Any) -> Certificate:
        return cls._create(cls.Issued, id=cls.id_for(facts["number"]), **facts)

    @classmethod
    def record_legacy(cls, **facts: Any) -> Certificate:
        check_not_future(facts["issued_on"], "issued_on")
        return cls._create(cls.LegacyRecorded, id=cls.id_for(facts["number"]), **facts)

    @property
    def kind(self) -> str:
        """issued, legacy or duplicate."""
        if self.duplicate_of:
            return "duplicate"
        return "issued" if self.enrolment_id else "legacy"

    @property
    def status(self) -> str:
        """valid, revoked, or duplicate_issued (a live duplicate replaced it)."""
        if self.revoked:
            return "revoked"
        if any(not revoked for revoked in self.duplicates.values()):
            return "duplicate_issued"
        return "valid"

    def facts(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FACT_FIELDS}

    def issue_duplicate(self, number: str, issued_on: date, verification_code: str) -> Certificate:
        """Replace a lost original with a new certificate pointing to it."""
        if self.duplicate_of:
            raise ConflictError(
                f"{self.number} is itself a duplicate; issue the duplicate of {self.duplicate_of}.",
                code="duplicate_of_duplicate",
            )
        if self.revoked:
            raise ConflictError(f"Certificate {self.number} is revoked.", code="already_revoked")
        check_not_future(issued_on, "issued_on")
        if issued_on < self.issued_on:
            raise RuleViolationError(
                "A duplicate cannot predate the original.",
                field="issued_on",
                code="duplicate_before_original",
            )
        facts = {
            **self.facts(),
            "number": number,
            "issued_on": issued_on,
            "verification_code": verification_code,
        }
        duplicate = Certificate._create(
            Certificate.DuplicateIssued,
            id=Certificate.id_for(number),
            duplicate_of=self.number,
            **facts,
        )
        self._replaced(duplicate_number=number)
        return duplicate

    @event("Replaced")
    def _replaced(self, duplicate_number: str) -> None:
        self.duplicates[duplicate_number] = False

    def revoke(self, reason: str, with_original: str | None = None) -> None:
        """Revoke the certificate (it stays on record with the reason)."""
        reason = check_text(reason, "reason")
        if self.revoked:
            raise ConflictError(
                f"Certificate {self.number} is already revoked.", code="already_revoked"
            )
        self._revoked(reason=reason, with_original=with_original)

    @event("Revoked")
    def _revoked(self, reason: str, with_original: str | None) -> None:
        self.revoked = True
        self.revocation_reason = reason

    def live_duplicates(self) -> list[str]:
        return [number for number, revoked in self.duplicates.items() if not revoked]

    def duplicate_revoked(self, number: str) -> None:
        """Note that one of this original's duplicates was revoked on its own."""
        if self.duplicates.get(number) is False:
            self._duplicate_revoked(number=number)

    @event("DuplicateRevoked")
    def _duplicate_revoked(self, number: str) -> None:
        self.duplicates[number] = True
