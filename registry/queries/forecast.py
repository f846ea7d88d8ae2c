"""Demand forecast: how many teachers will need a course in each coming month.

For each teacher in service on `start`, the compliance rule (`registry.domain.compliance`,
as known now) gives the day their present certificates stop sufficing (`next_due`; the
end of grace for those without any yet); the forecast counts them in that month, and the
teachers already overdue on `start` as its backlog. Counts only, by region, district or
subject.

Beside the demand, the places: the `capacity` of the programmes starting in each month
(programmes without one are not counted), grouped by their provider's region or their own
subject (a programme has no district: by district, the places are only in the totals). A
forecast narrowed to a region counts the places of that region's providers.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from registry.domain.compliance import OVERDUE, DepartureFact, evaluate
from registry.domain.errors import RuleViolationError
from registry.domain.reference import LIST_OF, UNMAPPED
from registry.projections.codec import date_value
from registry.queries.common import CERTIFICATE_FACT_COLUMNS, certificate_fact, load_policies
from registry.queries.reference import Resolver
from registry.storage import Database

FORECAST_GROUPS = ("region", "district", "subject")
MAX_MONTHS = 60


def check_months(months: object) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise RuleViolationError(
            f"months must be a whole number from 1 to {MAX_MONTHS}.",
            field="months",
            code="invalid_months",
        )
    return months


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def demand(
    db: Database, start: date, months: int, group_by: str, region: str | None = None
) -> dict[str, Any]:
    """{rows: [{month, group, due}], backlog: [{group, overdue}], places: [{month, group,
    places}], totals: [{month, due, places}] (every month, zeros included)}."""
    months = check_months(months)
    if group_by not in FORECAST_GROUPS:
        raise RuleViolationError(
            f"group_by must be one of: {', '.join(FORECAST_GROUPS)}.",
            field="group_by",
            code="invalid_group_by",
        )
    known_at = datetime.now(UTC)
    where, params = ("WHERE region = ?", (region,)) if region else ("", ())
    with db.reading(snapshot=True) as cur:
        teachers = {
            r[0]: {
                "group": r[1],
                "service_start": date_value(r[2]),
                "departed_on": date_value(r[3]),
                "certificates": [],
            }
            for r in cur.query(
                f"SELECT id, {group_by}, service_start, departed_on FROM teachers {where}",
                params,
            )
        }
        for c in cur.query(f"SELECT teacher_id, {CERTIFICATE_FACT_COLUMNS} FROM certificate_index"):
            if c[0] in teachers:
                teachers[c[0]]["certificates"].append(certificate_fact(c[1:]))
        policies = load_policies(cur)
        first_day = date(start.year, start.month, 1)
        end_index = start.year * 12 + start.month - 1 + months
        end_day = date(end_index // 12, end_index % 12 + 1, 1)
        place_group = {"region": "p.region", "subject": "g.subject"}.get(group_by, "NULL")
        place_where = " AND p.region = ?" if region else ""
        programmes = cur.query(
            f"SELECT g.starts_on, {place_group}, g.capacity FROM programmes g "
            "JOIN providers p ON p.code = g.provider_code "
            f"WHERE g.capacity IS NOT NULL AND g.starts_on >= ? AND g.starts_on < ?{place_where}",
            (first_day.isoformat(), end_day.isoformat(), *((region,) if region else ())),
        )
        if group_by in LIST_OF:  # district, subject: by code, text not mapped as "unmapped"
            resolver = Resolver.read(cur)
            list_name = LIST_OF[group_by]

            def by_code(text: str | None) -> str | None:
                return None if text is None else resolver.code(list_name, text) or UNMAPPED

            for t in teachers.values():
                t["group"] = by_code(t["group"])
            programmes = [(row[0], by_code(row[1]), *row[2:]) for row in programmes]
    due: Counter[tuple[str, str]] = Counter()
    backlog: Counter[str] = Counter()
    first = start.year * 12 + start.month - 1
    for t in teachers.values():
        departures = [DepartureFact(t["departed_on"], known_at)] if t["departed_on"] else []
        verdict = evaluate(
            service_start=t["service_start"],
            certificates=t["certificates"],
            departures=departures,
            policies=policies,
            as_of=start,
            known_at=known_at,
        )
        if verdict.status == OVERDUE:
            backlog[t["group"]] += 1
        elif verdict.next_due is not None:
            index = verdict.next_due.year * 12 + verdict.next_due.month - 1 - first
            if 0 <= index < months:
                due[(month_key(verdict.next_due), t["group"])] += 1
    totals: Counter[str] = Counter()
    for (month, _), n in due.items():
        totals[month] += n
    places: Counter[tuple[str, str | None]] = Counter()
    place_totals: Counter[str] = Counter()
    for starts_on, group, capacity in programmes:
        month = month_key(date_value(starts_on))
        places[(month, group)] += capacity
        place_totals[month] += capacity
    all_months = [f"{(first + i) // 12:04d}-{(first + i) % 12 + 1:02d}" for i in range(months)]
    return {
        "rows": [{"month": m, "group": g, "due": n} for (m, g), n in sorted(due.items())],
        "backlog": [{"group": g, "overdue": n} for g, n in sorted(backlog.items())],
        "places": [
            {"month": m, "group": g, "places": n}
            for (m, g), n in sorted(places.items(), key=lambda item: (item[0][0], item[0][1] or ""))
        ],
        "totals": [
            {"month": m, "due": totals.get(m, 0), "places": place_totals.get(m, 0)}
            for m in all_months
        ],
    }


# The columns of `forecast_rows` (the CSV and workbook downloads).
FORECAST_COLUMNS = ("month", "group", "due", "places", "overdue")


def forecast_rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per month and group: teachers due, places starting, and, on the first
    month's rows, the teachers already overdue then (the backlog, demand as well: a CSV
    without it under-counted what the JSON's `backlog` says)."""
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for r in answer["rows"]:
        rows[(r["month"], r["group"])] = {**r, "places": 0, "overdue": 0}
    for r in answer["places"]:
        row = rows.setdefault(
            (r["month"], r["group"]),
            {"month": r["month"], "group": r["group"], "due": 0, "overdue": 0},
        )
        row["places"] = r["places"]
    first: str = answer["totals"][0]["month"] if answer.get("totals") else ""
    for r in answer.get("backlog", []) if first else []:
        row = rows.setdefault(
            (first, r["group"]),
            {"month": first, "group": r["group"], "due": 0, "places": 0, "overdue": 0},
        )
        row["overdue"] = r["overdue"]
    return [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1] is None, k[1] or ""))]
