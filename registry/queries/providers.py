"""Reading providers, programmes and what each provider delivered."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.domain.errors import InvalidInputError, NotFoundError
from registry.domain.programme import FACT_FIELDS as PROGRAMME_FIELDS
from registry.projections.codec import date_value
from registry.projections.workload import COUNTERS as ACTIVITY
from registry.queries import search
from registry.queries.common import require_date
from registry.storage import Database

# Completions: programmes finished with a certificate (the valid certificates issued on
# enrolments); certificates also count paper ones recorded for the provider.
COUNTERS = ACTIVITY + ("completions", "certificates", "hours")
MAX_WORKLOAD_YEARS = 100  # a workload lists every month of its span
UNKNOWN = "unknown"  # mode and funding of paper certificates recorded without an enrolment

_PROVIDER = ("code", "name", "kind", "region", "suspended", "suspension_reason")
_PROGRAMME = ("id", *PROGRAMME_FIELDS)


def _provider(row: tuple) -> dict[str, Any]:
    p = dict(zip(_PROVIDER, row))
    p["suspended"] = bool(p["suspended"])
    return p


def _programme(row: tuple) -> dict[str, Any]:
    p = dict(zip(_PROGRAMME, row))
    p["starts_on"], p["ends_on"] = date_value(p["starts_on"]), date_value(p["ends_on"])
    return p


def _totals(sums: dict[str, int]) -> dict[str, Any]:
    """Counters as a report line, with the pass rate of the assessments."""
    line: dict[str, Any] = {name: sums.get(name, 0) for name in COUNTERS if name != "hours"}
    line["hours_delivered"] = sums.get("hours", 0)
    assessed = line["passed"] + line["failed"]
    line["pass_rate"] = round(line["passed"] / assessed, 4) if assessed else None
    return line


def _months(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class ProviderQueries:
    """The directory of providers and programmes, and providers' workload."""

    def __init__(self, db: Database):
        self.db = db

    def provider(self, code: str) -> dict[str, Any]:
        """One provider by code."""
        row = self.db.query_one(
            f"SELECT {', '.join(_PROVIDER)} FROM providers WHERE code = ?", (code,)
        )
        if row is None:
            raise NotFoundError(f"No provider {code}.", code="provider_not_found")
        return _provider(row)

    def providers(self) -> list[dict[str, Any]]:
        """Every provider, by code."""
        return [
            _provider(r)
            for r in self.db.query(f"SELECT {', '.join(_PROVIDER)} FROM providers ORDER BY code")
        ]

    def programmes(self, provider_code: str | None = None) -> list[dict[str, Any]]:
        """Programmes (of one provider, if given), newest first per provider."""
        where, params = (
            ("", ()) if provider_code is None else (" WHERE provider_code = ?", (provider_code,))
        )
        if provider_code is not None:
            self.provider(provider_code)
        return [
            _programme(r)
            for r in self.db.query(
                f"SELECT {', '.join(_PROGRAMME)} FROM programmes{where} "
                "ORDER BY provider_code, starts_on DESC, code",
                params,
            )
        ]

    def search_programmes(
        self, text: str, *, provider_code: str | None, limit: int, offset: int
    ) -> dict[str, Any]:
        """{total, programmes} matching the typed words (`registry.queries.search`)."""
        total, rows = search.programmes(self.db, text, _PROGRAMME, provider_code, limit, offset)
        return {"total": total, "programmes": [_programme(r) for r in rows]}

    def programme(self, programme_id: str) -> dict[str, Any]:
        """One programme by id."""
        row = self.db.query_one(
            f"SELECT {', '.join(_PROGRAMME)} FROM programmes WHERE id = ?", (str(programme_id),)
        )
        if row is None:
            raise NotFoundError(f"No programme {programme_id}.", code="programme_not_found")
        return _programme(row)

    def workload(self, provider_code: str, date_from: date, date_to: date) -> dict[str, Any]:
        """Enrolments, withdrawals, assessments, pass rate, completions, certificates and hours delivered
        between two dates (inclusive): in total, by form, mode, funding and month."""
        date_from = require_date(date_from, "from")
        date_to = require_date(date_to, "to")
        if date_from > date_to:
            raise InvalidInputError("from is after to.", field="from", code="invalid_range")
        if date_to.year - date_from.year > MAX_WORKLOAD_YEARS:
            # Every month of the span is listed: 10,000 years were 19 MB of zeros.
            raise InvalidInputError(
                f"from and to may be at most {MAX_WORKLOAD_YEARS} years apart.",
                field="to",
                code="range_too_long",
            )
        self.provider(provider_code)
        span = (provider_code, date_from.isoformat(), date_to.isoformat())
        sums = ", ".join(f"SUM({name})" for name in ACTIVITY)
        with self.db.reading() as cur:
            activity = cur.query(
                f"SELECT substr(on_date, 1, 7), form, mode, funding, {sums}, 0, 0, 0 "
                "FROM workload_days WHERE provider_code = ? AND on_date >= ? AND on_date <= ? "
                "GROUP BY substr(on_date, 1, 7), form, mode, funding",
                span,
            )
            # Certificates delivered: the valid ones (not revoked, not duplicates).
            zeros = ", ".join("0" for _ in ACTIVITY)
            certified = cur.query(
                f"SELECT substr(issued_on, 1, 7), form, COALESCE(mode, '{UNKNOWN}'), "
                f"COALESCE(funding, '{UNKNOWN}'), {zeros}, "
                "SUM(CASE WHEN enrolment_id IS NULL THEN 0 ELSE 1 END), COUNT(*), SUM(hours) "
                "FROM certificate_index WHERE provider_code = ? AND issued_on >= ? AND "
                "issued_on <= ? AND revoked_at IS NULL AND duplicate_of IS NULL "
                f"GROUP BY substr(issued_on, 1, 7), form, COALESCE(mode, '{UNKNOWN}'), "
                f"COALESCE(funding, '{UNKNOWN}')",
                span,
            )
        rows = activity + certified
        total: dict[str, int] = {}
        groups: dict[str, dict[str, dict[str, int]]] = {"form": {}, "mode": {}, "funding": {}}
        months: dict[str, dict[str, int]] = {m: {} for m in _months(date_from, date_to)}
        for month, form, mode, funding, *values in rows:
            counts = dict(zip(COUNTERS, (int(v or 0) for v in values)))
            for target in (
                total,
                groups["form"].setdefault(form, {}),
                groups["mode"].setdefault(mode, {}),
                groups["funding"].setdefault(funding, {}),
                months[month],
            ):
                for name, value in counts.items():
                    target[name] = target.get(name, 0) + value
        return {
            "provider_code": provider_code,
            "from": date_from,
            "to": date_to,
            "totals": _totals(total),
            **{
                f"by_{name}": {key: _totals(sums) for key, sums in sorted(values.items())}
                for name, values in groups.items()
            },
            "by_month": [{"month": month, **_totals(sums)} for month, sums in months.items()],
        }
