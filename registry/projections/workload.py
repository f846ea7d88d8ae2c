"""The workload view: enrolments, and per provider and day what was delivered.

`workload_days` keeps additive counters per provider, day, form, mode and funding
(enrolments by enrolment date, assessments by assessment date, withdrawals by their
effective date, certificates and hours by issue date), so a report for any date range
sums a few rows and groups them by month, form, mode or funding. A revoked certificate
is taken off the day it was issued: it delivered nothing that counts.
"""

from __future__ import annotations

from registry.eventlog import Fact
from registry.projections.base import View
from registry.projections.codec import date_text, flag, id_text, time_text
from registry.projections.rows import Batch
from registry.projections.tables import Table

UNKNOWN = "unknown"  # mode and funding of paper certificates recorded without an enrolment

ENROLMENTS = Table(
    "enrolments",
    (("id", "TEXT"), ("teacher_id", "TEXT"), ("programme_id", "TEXT"),
     ("programme_code", "TEXT"), ("title", "TEXT"), ("provider_code", "TEXT"),
     ("form", "TEXT"), ("mode", "TEXT"), ("funding", "TEXT"), ("hours", "INTEGER"),
     ("assessment", "TEXT"), ("enrolled_on", "TEXT"), ("assessed_on", "TEXT"),
     ("passed", "INTEGER"), ("score", "REAL"), ("attempts", "INTEGER"),
     ("withdrawn_on", "TEXT"), ("withdrawal_reason", "TEXT"), ("recorded_at", "TEXT")),
    key=("id",), indexes=(("teacher_id",),))

WORKLOAD_CERTIFICATES = Table(
    "workload_certificates",
    (("id", "TEXT"), ("provider_code", "TEXT"), ("issued_on", "TEXT"), ("form", "TEXT"),
     ("mode", "TEXT"), ("funding", "TEXT"), ("hours", "INTEGER"), ("revoked", "INTEGER")),
    key=("id",))

COUNTERS = ("enrolments", "withdrawals", "assessments", "passed", "failed", "certificates",
            "hours")
WORKLOAD_DAYS = Table(
    "workload_days",
    (("provider_code", "TEXT"), ("on_date", "TEXT"), ("form", "TEXT"), ("mode", "TEXT"),
     ("funding", "TEXT")) + tuple((name, "INTEGER") for name in COUNTERS),
    key=("provider_code", "on_date", "form", "mode", "funding"), counters=COUNTERS)


class WorkloadView(View):
    """What each provider enrolled, assessed and certified, day by day."""

    name = "workload"
    weight = 3.0
    tables = (ENROLMENTS, WORKLOAD_CERTIFICATES, WORKLOAD_DAYS)
    handlers = {
        "Enrolment.Enrolled": "enrolled",
        "Enrolment.Assessed": "assessed",
        "Enrolment.Withdrawn": "withdrawn",
        "Certificate.Issued": "certificate_issued",
        "Certificate.LegacyRecorded": "certificate_issued",
        "Certificate.Revoked": "revoked",
    }
    # An enrolment's certificate is the certificate index's business (each issued
    # certificate names its enrolment), so Enrolment.Certified is not needed here.
    loads = {"Enrolment.Assessed": ("enrolments",), "Enrolment.Withdrawn": ("enrolments",),
             "Certificate.Revoked": ("workload_certificates",)}

    @staticmethod
    def _day(batch: Batch, row: dict, on: str, **amounts: int) -> None:
        batch["workload_days"].add(
            (row["provider_code"], on, row["form"], row["mode"], row["funding"]), **amounts)

    def enrolled(self, batch: Batch, fact: Fact) -> None:
        d, p = fact.data, fact.data["programme"]
        row = batch["enrolments"].put({
            "id": id_text(fact.originator_id), "teacher_id": id_text(d["teacher_id"]),
            "programme_id": id_text(d["programme_id"]), "programme_code": p["code"],
            "title": p["title"], "provider_code": p["provider_code"], "form": p["form"],
            "mode": p["mode"], "funding": p["funding"], "hours": p["hours"],
            "assessment": p["assessment"], "enrolled_on": date_text(d["enrolled_on"]),
            "assessed_on": None, "passed": None, "score": None, "attempts": 0,
            "withdrawn_on": None, "withdrawal_reason": None,
            "recorded_at": time_text(fact.recorded_at)})
        self._day(batch, row, row["enrolled_on"], enrolments=1)

    def assessed(self, batch: Batch, fact: Fact) -> None:
        d = fact.data
        row = batch["enrolments"].get(id_text(fact.originator_id))
        if row is None:
            return
        batch["enrolments"].update(id_text(fact.originator_id), passed=flag(d["passed"]),
                                   score=d.get("score"), assessed_on=date_text(d["assessed_on"]),
                                   attempts=(row["attempts"] or 0) + 1)
        self._day(batch, row, date_text(d["assessed_on"]), assessments=1,
                  passed=int(bool(d["passed"])), failed=int(not d["passed"]))

    def withdrawn(self, batch: Batch, fact: Fact) -> None:
        d = fact.data
        row = batch["enrolments"].update(id_text(fact.originator_id),
                                         withdrawn_on=date_text(d["effective_on"]),
                                         withdrawal_reason=d["reason"])
        if row is not None:
            self._day(batch, row, row["withdrawn_on"], withdrawals=1)

    def certificate_issued(self, batch: Batch, fact: Fact) -> None:
        d = fact.data
        programme = d.get("programme") or {}
        row = batch["workload_certificates"].put({
            "id": id_text(fact.originator_id), "provider_code": d["provider_code"],
            "issued_on": date_text(d["issued_on"]), "form": d["form"],
            "mode": programme.get("mode") or UNKNOWN,
            "funding": programme.get("funding") or UNKNOWN, "hours": d["hours"],
            "revoked": 0})
        self._day(batch, row, row["issued_on"], certificates=1, hours=row["hours"])

    def revoked(self, batch: Batch, fact: Fact) -> None:
        row = batch["workload_certificates"].get(id_text(fact.originator_id))
        if row is not None and not row["revoked"]:
            batch["workload_certificates"].update(row["id"], revoked=1)
            self._day(batch, row, row["issued_on"], certificates=-1, hours=-row["hours"])
