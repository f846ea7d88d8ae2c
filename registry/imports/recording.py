"""Recording one import row through the registry's commands, all of it or none of it.

A row runs inside `Session.step()`, so a row that fails half-way (enrolled, then its
certificate number turns out to be taken) leaves nothing behind. A row that was
recorded before is recognised twice over: by an `IdempotentRequest` stored under a key
derived from the row's content (re-importing the same file), and by the facts
themselves (the same certificate or result recorded another way).
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from registry.commands.base import Actor, Session, fingerprint
from registry.domain import clock
from registry.domain.certificate import Certificate
from registry.domain.enrolment import Enrolment
from registry.domain.errors import RegistryError
from registry.domain.idempotency import IdempotentRequest
from registry.domain.values import check_certificate_number
from registry.imports.reading import LEGACY, Row
from registry.imports.report import ALREADY_RECORDED, RECORDED, REJECTED, RowOutcome

if TYPE_CHECKING:
    from registry.application import Registry

# One scope for every importer: the same row imported by another account of the
# provider is the same fact, and must not be recorded twice either.
IMPORT_SCOPE = "csv-import"
_PIN = re.compile(r"^[0-9]{14}$")


class RowRecorder:
    """Runs rows of one layout as commands of one actor."""

    def __init__(self, app: Registry, actor: Actor, kind: str):
        self.app = app
        self.actor = actor
        self.kind = kind
        self.seen: dict[str, int] = {}  # row key -> first line with it in this file

    def prefetch(self, session: Session, rows: list[Row]) -> None:
        """Read what a batch of rows will look up in two queries, not several per row."""
        first: list[uuid.UUID] = []
        for row in rows:
            if row.error is not None:
                continue
            values = row.values
            first.append(IdempotentRequest.id_for(IMPORT_SCOPE, row.key))
            if _PIN.match(values["pin"]):
                first.append(self.app.keys.pin_index_id(values["pin"]))
            if values.get("number"):
                first.append(Certificate.id_for(values["number"].strip()))
            if self.kind != LEGACY and (programme_id := _uuid(values["programme_id"])):
                first.append(programme_id)
        session.preload(first)
        second: list[uuid.UUID] = []
        for row in rows:
            if row.error is not None or not _PIN.match(row.values["pin"]):
                continue
            index = session.aggregates.get(self.app.keys.pin_index_id(row.values["pin"]).int)
            if index is None:
                continue
            second.append(index.teacher_id)
            if self.kind != LEGACY and (programme_id := _uuid(row.values["programme_id"])):
                second.append(Enrolment.id_for(programme_id, index.teacher_id))
        session.preload(second)

    def record(self, session: Session, row: Row) -> RowOutcome:
        """Record a row into the session (saved with its batch); never raises a rule."""
        if row.error is not None:
            fields = {row.error.field: [row.error.message]} if row.error.field else {}
            return RowOutcome(row.line, REJECTED, row.error.code, row.error.message, fields)
        request_id = IdempotentRequest.id_for(IMPORT_SCOPE, row.key)
        earlier = session.find(request_id)
        if earlier is not None:
            first = self.seen.get(row.key)
            note = f"same as line {first}" if first is not None else None
            return RowOutcome(row.line, ALREADY_RECORDED, reason=note, result=earlier.result)
        try:
            with session.step():
                if self.kind == LEGACY:
                    result, new = self._legacy(session, row.values)
                else:
                    result, new = self._result(session, row.values)
                if new:
                    session.add(
                        IdempotentRequest.record(
                            request_id,
                            row.key,
                            "import_row",
                            fingerprint("import_row", {"kind": self.kind, **row.values}),
                            result,
                        )
                    )
        except RegistryError as error:
            return RowOutcome(
                row.line, REJECTED, error.code, error.message.rstrip("."), error.fields
            )
        self.seen.setdefault(row.key, row.line)
        return RowOutcome(row.line, RECORDED if new else ALREADY_RECORDED, result=result)

    def _legacy(self, session: Session, values: dict[str, Any]) -> tuple[dict, bool]:
        existing = session.find(Certificate.id_for(check_certificate_number(values["number"])))
        if existing is not None and self._same_certificate(session, existing, values):
            return _certificate_result(existing), False
        data = self.app.record_legacy_certificate(self.actor, **values).data
        return {
            "number": data["number"],
            "verification_code": data["verification_code"],
            "teacher_id": data["teacher_id"],
        }, True

    def _same_certificate(
        self, session: Session, certificate: Certificate, values: dict[str, Any]
    ) -> bool:
        teacher = self.app.find_teacher(session, values["pin"])
        return (
            certificate.teacher_id == teacher.id
            and certificate.enrolment_id is None
            and certificate.duplicate_of is None
            and (
                certificate.provider_code,
                certificate.form,
                certificate.hours,
                certificate.issued_on,
                certificate.title,
            )
            == (
                values["provider_code"],
                values["form"],
                values["hours"],
                values["issued_on"],
                " ".join(values["title"].split()),
            )
        )

    def _result(self, session: Session, values: dict[str, Any]) -> tuple[dict, bool]:
        app, actor = self.app, self.actor
        programme = app.find_programme(session, values["programme_id"])
        teacher = app.find_teacher(session, values["pin"])
        enrolment_id = Enrolment.id_for(programme.id, teacher.id)
        enrolment = session.find(enrolment_id)
        new = False
        if enrolment is None:
            # A result recorded late: the enrolment dates from the programme's start.
            app.enrol(
                actor,
                programme.id,
                values["pin"],
                enrolled_on=min(programme.starts_on, clock.today()),
            )
            enrolment, new = session.find(enrolment_id), True
        assert enrolment is not None  # found, or enrolled just now in this session
        passed, assessed_on = values["passed"], values["assessed_on"]
        if passed is not None and (enrolment.passed, enrolment.assessed_on) != (
            passed,
            assessed_on,
        ):
            app.assess(
                actor, enrolment_id, passed=passed, assessed_on=assessed_on, score=values["score"]
            )
            new = True
        number = values["number"]
        if number is not None and enrolment.certificate_number != number.strip():
            app.issue_certificate(actor, enrolment_id, number=number, issued_on=values["issued_on"])
            new = True
        result = {
            "enrolment_id": str(enrolment_id),
            "enrolment_status": enrolment.status,
            "number": enrolment.certificate_number,
        }
        if enrolment.certificate_number:
            result["verification_code"] = app.keys.verification_code(enrolment.certificate_number)
        return result, new


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _certificate_result(certificate: Certificate) -> dict[str, Any]:
    return {
        "number": certificate.number,
        "verification_code": certificate.verification_code,
        "teacher_id": str(certificate.teacher_id),
    }
