"""The certificate index: number → teacher, programme, provider, hours, dates, status, links.

For verification (public) and commission queries, and the certificates that compliance
(with recorded and revocation times) and statistics count. Status and the "replaced by"
links are derived when read from the rows themselves (a live duplicate points to its
original), so no event has to rewrite another certificate's row.

`certificate_days` and `certificate_months` keep what providers delivered as additive
counters per provider, issue day (and month), form, mode and funding: the certificates
that count (issued or recorded on paper, not duplicates, not revoked), those that
completed an enrolment, and their hours. A provider's workload for a period sums its
whole months and the days of its partial ones, whatever the number of certificates (it
read every certificate of the period before: 3.3 × slower at 100,000 teachers than at
20,000).
"""

from __future__ import annotations

from registry.domain.certificate import Certificate
from registry.projections.base import View
from registry.projections.codec import UNKNOWN, date_text, id_text, time_text
from registry.projections.rows import Batch
from registry.projections.workload import count_on_day, provider_counters
from registry.storage.facts import Fact
from registry.storage.tables import Table

CERTIFICATE_INDEX = Table(
    "certificate_index",
    (
        ("id", "TEXT"),
        ("number", "TEXT"),
        ("kind", "TEXT"),
        ("teacher_id", "TEXT"),
        ("provider_code", "TEXT"),
        ("title", "TEXT"),
        ("form", "TEXT"),
        ("mode", "TEXT"),
        ("funding", "TEXT"),
        ("hours", "INTEGER"),
        ("issued_on", "TEXT"),
        ("starts_on", "TEXT"),
        ("ends_on", "TEXT"),
        ("assessment", "TEXT"),
        ("assessed_on", "TEXT"),
        ("score", "REAL"),
        ("programme_id", "TEXT"),
        ("programme_code", "TEXT"),
        ("enrolment_id", "TEXT"),
        ("verification_code", "TEXT"),
        ("duplicate_of", "TEXT"),
        ("recorded_at", "TEXT"),
        ("revoked_at", "TEXT"),
        ("revocation_reason", "TEXT"),
    ),
    key=("id",),
    indexes=(
        ("number",),
        ("teacher_id", "issued_on"),
        ("provider_code", "issued_on"),
        ("duplicate_of", "WHERE duplicate_of IS NOT NULL"),
    ),
)

DELIVERED = ("completions", "certificates", "hours")
CERTIFICATE_DAYS, CERTIFICATE_MONTHS = provider_counters(
    "certificate_days", "certificate_months", DELIVERED
)

# What a duplicate repeats of its original (its event carries only the certificate facts).
PROGRAMME_FIELDS = (
    "mode",
    "funding",
    "starts_on",
    "ends_on",
    "assessment",
    "assessed_on",
    "score",
    "programme_id",
    "programme_code",
    "enrolment_id",
)


class CertificateIndexView(View):
    """Every certificate ever recorded, findable by number."""

    name = "certificates"
    weight = 15.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (CERTIFICATE_INDEX, CERTIFICATE_DAYS, CERTIFICATE_MONTHS)
    handlers = {
        "Certificate.Issued": "issued",
        "Certificate.LegacyRecorded": "legacy_recorded",
        "Certificate.DuplicateIssued": "duplicate_issued",
        "Certificate.Revoked": "revoked",
    }
    loads = {"Certificate.Revoked": ("certificate_index",)}

    @staticmethod
    def _row(fact: Fact, kind: str) -> dict:
        d = fact.data
        row = {
            "id": id_text(fact.originator_id),
            "number": d["number"],
            "kind": kind,
            "teacher_id": id_text(d["teacher_id"]),
            "provider_code": d["provider_code"],
            "title": d["title"],
            "form": d["form"],
            "hours": d["hours"],
            "issued_on": date_text(d["issued_on"]),
            "verification_code": d["verification_code"],
            "duplicate_of": d.get("duplicate_of"),
            "recorded_at": time_text(fact.recorded_at),
            "revoked_at": None,
            "revocation_reason": None,
        }
        row.update(dict.fromkeys(PROGRAMME_FIELDS))
        return row

    @staticmethod
    def _delivered(batch: Batch, row: dict, sign: int) -> None:
        """Count a certificate that counts (sign 1) or no longer does (-1) on its day."""
        count_on_day(
            batch,
            (CERTIFICATE_DAYS, CERTIFICATE_MONTHS),
            (
                row["provider_code"],
                row["issued_on"],
                row["form"],
                row["mode"] or UNKNOWN,
                row["funding"] or UNKNOWN,
            ),
            completions=sign * (row["enrolment_id"] is not None),
            certificates=sign,
            hours=sign * row["hours"],
        )

    def issued(self, batch: Batch, fact: Fact) -> None:
        """A certificate issued on an enrolment, with its programme's facts."""
        row = self._row(fact, "issued")
        programme = fact.data.get("programme") or {}
        row.update(
            mode=programme.get("mode"),
            funding=programme.get("funding"),
            starts_on=date_text(programme.get("starts_on")),
            ends_on=date_text(programme.get("ends_on")),
            assessment=programme.get("assessment"),
            assessed_on=date_text(programme.get("assessed_on")),
            score=programme.get("score"),
            programme_id=id_text(programme.get("id")),
            programme_code=programme.get("code"),
            enrolment_id=id_text(fact.data.get("enrolment_id")),
        )
        batch["certificate_index"].put(row)
        self._delivered(batch, row, 1)

    def legacy_recorded(self, batch: Batch, fact: Fact) -> None:
        """A paper certificate recorded without an enrolment."""
        row = batch["certificate_index"].put(self._row(fact, "legacy"))
        self._delivered(batch, row, 1)

    def duplicate_issued(self, batch: Batch, fact: Fact) -> None:
        """A duplicate, with its original's programme facts."""
        row = self._row(fact, "duplicate")
        original = batch["certificate_index"].get(
            id_text(Certificate.id_for(fact.data["duplicate_of"]))
        )
        if original is not None:
            row.update({name: original[name] for name in PROGRAMME_FIELDS})
        batch["certificate_index"].put(row)

    def revoked(self, batch: Batch, fact: Fact) -> None:
        """A revocation, with when it was recorded and why; a certificate that counted
        no longer does."""
        row = batch["certificate_index"].get(id_text(fact.originator_id))
        if row is not None and row["revoked_at"] is None and row["duplicate_of"] is None:
            self._delivered(batch, row, -1)
        batch["certificate_index"].update(
            id_text(fact.originator_id),
            revoked_at=time_text(fact.recorded_at),
            revocation_reason=fact.data["reason"],
        )
