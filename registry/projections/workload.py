"""The workload view: enrolments, and per provider and day what was delivered.

`workload_days` keeps additive counters per provider, day, form, mode and funding
(enrolments by enrolment date, assessments by assessment date, withdrawals by their
effective date), and `workload_months` the same per month, so a report for any date
range sums its whole months' rows and the days of its partial first and last months
(`registry.queries.providers`): a few hundred rows whatever the number of teachers (from
the days alone, a year of a provider read 5 x the rows at 100,000 teachers as at 20,000:
more of its days and groups hold something). The certificates delivered are counted the
same way by the certificates view (`certificate_days`, `certificate_months`).
"""

from __future__ import annotations

from registry.projections.base import View
from registry.projections.codec import date_text, flag, id_text, time_text
from registry.projections.rows import Batch
from registry.storage.facts import Fact
from registry.storage.tables import Table

ENROLMENTS = Table(
    "enrolments",
    (
        ("id", "TEXT"),
        ("teacher_id", "TEXT"),
        ("programme_id", "TEXT"),
        ("programme_code", "TEXT"),
        ("title", "TEXT"),
        ("provider_code", "TEXT"),
        ("form", "TEXT"),
        ("mode", "TEXT"),
        ("funding", "TEXT"),
        ("hours", "INTEGER"),
        ("assessment", "TEXT"),
        ("enrolled_on", "TEXT"),
        ("assessed_on", "TEXT"),
        ("passed", "INTEGER"),
        ("score", "REAL"),
        ("attempts", "INTEGER"),
        ("withdrawn_on", "TEXT"),
        ("withdrawal_reason", "TEXT"),
        ("recorded_at", "TEXT"),
    ),
    key=("id",),
    indexes=(("teacher_id",),),
)

PROVIDER_DAY = ("provider_code", "on_date", "form", "mode", "funding")
PROVIDER_MONTH = ("provider_code", "on_month", "form", "mode", "funding")


def _provider_counters(name: str, key: tuple[str, ...], counters: tuple[str, ...]) -> Table:
    return Table(
        name,
        tuple((column, "TEXT") for column in key)
        + tuple((counter, "INTEGER") for counter in counters),
        key=key,
        counters=counters,
    )


def provider_counters(days: str, months: str, counters: tuple[str, ...]) -> tuple[Table, Table]:
    """Tables of additive counters per provider, form, mode and funding: by day (on_date,
    YYYY-MM-DD) and by month (on_month, YYYY-MM); this view's, and the certificates
    view's of what was delivered. `count_on_day` adds to both."""
    return (
        _provider_counters(days, PROVIDER_DAY, counters),
        _provider_counters(months, PROVIDER_MONTH, counters),
    )


def count_on_day(
    batch: Batch, tables: tuple[Table, Table], group: tuple[str, str, str, str, str], **amounts: int
) -> None:
    """Add amounts to a provider's day and its month; `group` is (provider, day, form,
    mode, funding)."""
    provider, day, form, mode, funding = group
    days, months = tables
    batch[days.name].add(group, **amounts)
    batch[months.name].add((provider, day[:7], form, mode, funding), **amounts)


COUNTERS = ("enrolments", "withdrawals", "assessments", "passed", "failed")
WORKLOAD_DAYS, WORKLOAD_MONTHS = provider_counters("workload_days", "workload_months", COUNTERS)


class WorkloadView(View):
    """What each provider enrolled, assessed and certified, day by day."""

    name = "workload"
    weight = 14.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (ENROLMENTS, WORKLOAD_DAYS, WORKLOAD_MONTHS)
    handlers = {
        "Enrolment.Enrolled": "enrolled",
        "Enrolment.Assessed": "assessed",
        "Enrolment.Withdrawn": "withdrawn",
    }
    # An enrolment's certificate is the certificate index's business (each issued
    # certificate names its enrolment), so Enrolment.Certified is not needed here.
    loads = {"Enrolment.Assessed": ("enrolments",), "Enrolment.Withdrawn": ("enrolments",)}

    @staticmethod
    def _day(batch: Batch, row: dict, on: str, **amounts: int) -> None:
        count_on_day(
            batch,
            (WORKLOAD_DAYS, WORKLOAD_MONTHS),
            (row["provider_code"], on, row["form"], row["mode"], row["funding"]),
            **amounts,
        )

    def enrolled(self, batch: Batch, fact: Fact) -> None:
        """A new enrolment, counted on its enrolment day."""
        d, p = fact.data, fact.data["programme"]
        row = batch["enrolments"].put(
            {
                "id": id_text(fact.originator_id),
                "teacher_id": id_text(d["teacher_id"]),
                "programme_id": id_text(d["programme_id"]),
                "programme_code": p["code"],
                "title": p["title"],
                "provider_code": p["provider_code"],
                "form": p["form"],
                "mode": p["mode"],
                "funding": p["funding"],
                "hours": p["hours"],
                "assessment": p["assessment"],
                "enrolled_on": date_text(d["enrolled_on"]),
                "assessed_on": None,
                "passed": None,
                "score": None,
                "attempts": 0,
                "withdrawn_on": None,
                "withdrawal_reason": None,
                "recorded_at": time_text(fact.recorded_at),
            }
        )
        self._day(batch, row, row["enrolled_on"], enrolments=1)

    def assessed(self, batch: Batch, fact: Fact) -> None:
        """An assessment (passed or failed), counted on its day."""
        d = fact.data
        row = batch["enrolments"].get(id_text(fact.originator_id))
        if row is None:
            return
        batch["enrolments"].update(
            id_text(fact.originator_id),
            passed=flag(d["passed"]),
            score=d.get("score"),
            assessed_on=date_text(d["assessed_on"]),
            attempts=(row["attempts"] or 0) + 1,
        )
        self._day(
            batch,
            row,
            date_text(d["assessed_on"]),
            assessments=1,
            passed=int(bool(d["passed"])),
            failed=int(not d["passed"]),
        )

    def withdrawn(self, batch: Batch, fact: Fact) -> None:
        """A withdrawal, counted on its effective day."""
        d = fact.data
        row = batch["enrolments"].update(
            id_text(fact.originator_id),
            withdrawn_on=date_text(d["effective_on"]),
            withdrawal_reason=d["reason"],
        )
        if row is not None:
            self._day(batch, row, row["withdrawn_on"], withdrawals=1)
