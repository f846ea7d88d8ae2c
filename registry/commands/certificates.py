"""Commands on certificates: issue, legacy, duplicate, revoke."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.access import bound_provider, check_provider
from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain.certificate import Certificate
from registry.domain.errors import ConflictError
from registry.domain.values import (
    FORMS,
    check_choice,
    check_code,
    check_course,
    check_hours,
    check_new_certificate_number,
    check_not_future,
    check_text,
)


def certificate_data(certificate: Certificate) -> dict[str, Any]:
    """A certificate as a plain result (as the write side knows it)."""
    return {
        "number": certificate.number,
        "kind": certificate.kind,
        "status": certificate.status,
        "teacher_id": str(certificate.teacher_id),
        "provider_code": certificate.provider_code,
        "title": certificate.title,
        "form": certificate.form,
        "hours": certificate.hours,
        "issued_on": certificate.issued_on.isoformat(),
        "verification_code": certificate.verification_code,
        "enrolment_id": str(certificate.enrolment_id) if certificate.enrolment_id else None,
        "duplicate_of": certificate.duplicate_of,
        "replaced_by": certificate.live_duplicates(),
        "revocation_reason": certificate.revocation_reason,
    }


class CertificateCommands(CommandBase):
    """Registry mixin: certificate writes."""

    def find_certificate(self, session: Session, number: str) -> Certificate:
        return session.get(Certificate.id_for(number), "certificate", number)

    def _new_number(self, session: Session, number: str) -> str:
        number = check_new_certificate_number(number)
        if session.find(Certificate.id_for(number)) is not None:
            raise ConflictError(
                f"Certificate number {number} is already used.",
                field="number",
                code="duplicate_certificate_number",
            )
        return number

    def issue_certificate(
        self,
        actor: Actor,
        enrolment_id: str | uuid.UUID,
        *,
        number: str,
        issued_on: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Issue the certificate of an enrolment whose assessment passed."""
        actor.require("write_certificates")
        args = {"enrolment_id": str(enrolment_id), "number": number, "issued_on": issued_on}

        def body(session: Session) -> dict[str, Any]:
            enrolment = self.open_enrolment(session, actor, enrolment_id)
            enrolment.check_certifiable(issued_on)
            clean_number = self._new_number(session, number)
            programme = enrolment.programme
            certificate = Certificate.issue(
                number=clean_number,
                teacher_id=enrolment.teacher_id,
                provider_code=programme["provider_code"],
                title=programme["title"],
                form=programme["form"],
                hours=programme["hours"],
                issued_on=issued_on,
                verification_code=self.keys.verification_code(clean_number),
                enrolment_id=enrolment.id,
                programme={
                    **programme,
                    "id": str(enrolment.programme_id),
                    "assessed_on": enrolment.assessed_on,
                    "score": enrolment.score,
                },
            )
            enrolment.certify(clean_number, issued_on)
            return certificate_data(session.add(certificate))

        return self.commands.run(
            actor, "issue_certificate", args, body, idempotency_key=idempotency_key
        )

    def record_legacy_certificate(
        self,
        actor: Actor,
        *,
        pin: str,
        number: str,
        provider_code: str,
        title: str,
        form: str,
        hours: int,
        issued_on: date,
        idempotency_key: str | None = None,
        idempotency_scope: str | None = None,
    ) -> CommandResult:
        """Record a paper certificate issued before the registry existed."""
        provider_code = check_code(provider_code, "provider_code")
        actor.require("write_certificates")
        check_provider(actor, provider_code)
        args = {
            "pin": pin,
            "number": number,
            "provider_code": provider_code,
            "title": title,
            "form": form,
            "hours": hours,
            "issued_on": issued_on,
        }

        def body(session: Session) -> dict[str, Any]:
            self.active_provider(session, provider_code)
            teacher = self.find_teacher(session, pin)
            clean_form = check_choice(form, FORMS, "form")
            clean_hours = check_hours(hours)
            check_course(clean_form, clean_hours, None)
            check_not_future(issued_on, "issued_on")
            clean_number = self._new_number(session, number)
            certificate = Certificate.record_legacy(
                number=clean_number,
                teacher_id=teacher.id,
                provider_code=provider_code,
                title=check_text(title, "title"),
                form=clean_form,
                hours=clean_hours,
                issued_on=issued_on,
                verification_code=self.keys.verification_code(clean_number),
            )
            return certificate_data(session.add(certificate))

        return self.commands.run(
            actor,
            "record_legacy_certificate",
            args,
            body,
            idempotency_key=idempotency_key,
            idempotency_scope=idempotency_scope,
        )

    def issue_duplicate(
        self,
        actor: Actor,
        original_number: str,
        *,
        number: str,
        issued_on: date,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Replace a lost original with a duplicate under a new number."""
        actor.require("write_certificates")
        args = {"original": original_number, "number": number, "issued_on": issued_on}

        def body(session: Session) -> dict[str, Any]:
            original = self.find_certificate(session, original_number)
            check_provider(actor, original.provider_code)
            self.active_provider(session, original.provider_code)
            clean_number = self._new_number(session, number)
            duplicate = original.issue_duplicate(
                clean_number, issued_on, self.keys.verification_code(clean_number)
            )
            return certificate_data(session.add(duplicate))

        return self.commands.run(
            actor, "issue_duplicate", args, body, idempotency_key=idempotency_key
        )

    def revoke_certificate(
        self, actor: Actor, number: str, *, reason: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Revoke a certificate (and its duplicates); its enrolment may be certified again."""
        actor.require("write_certificates")
        args = {"number": number, "reason": reason}

        def body(session: Session) -> dict[str, Any]:
            certificate = self.find_certificate(session, number)
            check_provider(actor, certificate.provider_code)
            if bound_provider(actor) is not None:  # an admin may still revoke a suspended one's
                self.active_provider(session, certificate.provider_code)
            certificate.revoke(reason)
            for duplicate_number in certificate.live_duplicates():
                self.find_certificate(session, duplicate_number).revoke(
                    reason, with_original=certificate.number
                )
            if certificate.duplicate_of:
                self.find_certificate(session, certificate.duplicate_of).duplicate_revoked(
                    certificate.number
                )
            elif certificate.enrolment_id:
                self.find_enrolment(session, certificate.enrolment_id).certificate_revoked(
                    certificate.number
                )
            return certificate_data(certificate)

        return self.commands.run(
            actor, "revoke_certificate", args, body, idempotency_key=idempotency_key
        )
