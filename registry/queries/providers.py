"""Reading providers, programmes and what each provider delivered."""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.domain.dates import EARLIEST_DATE, LATEST_DATE
from registry.domain.errors import InvalidInputError, NotFoundError
from registry.domain.programme import FACT_FIELDS as PROGRAMME_FIELDS
from registry.domain.programme import PLAN_FIELDS
from registry.domain.regions import region_codes
from registry.domain.values import FORMS, PROVIDER_KINDS
from registry.projections.certificates import CERTIFICATE_DAYS, CERTIFICATE_MONTHS
from registry.projections.codec import date_value
from registry.projections.directory import PROGRAMMES
from registry.projections.workload import WORKLOAD_DAYS, WORKLOAD_MONTHS
from registry.queries import listing, search
from registry.queries.activity import segments
from registry.queries.common import require_choice, require_date, require_page
from registry.storage import Database

# Completions: programmes finished with a certificate (the valid certificates issued on
# enrolments); certificates also count paper ones recorded for the provider.
COUNTERS = WORKLOAD_DAYS.counters + CERTIFICATE_DAYS.counters
MAX_WORKLOAD_YEARS = 100  # a workload lists every month of its span

_PROVIDER = (
    "code",
    "name",
    "kind",
    "region",
    "suspended",
    "suspension_reason",
    "name_ky",
    "name_ru",
)
_PROGRAMME = ("id", *PROGRAMME_FIELDS, *PLAN_FIELDS)

PROVIDER_SORTS = listing.Sorts(
    {"code": "code", "name": "name", "kind": "kind", "region": "region"},
    default="code",
    tiebreak=("code",),
)
PROGRAMME_SORTS = listing.Sorts(
    {
        "starts_on": "starts_on",
        "title": "title",
        "provider": "provider_code",
        "code": "code",
        "form": "form",
        "hours": "hours",
    },
    default="-starts_on",
    tiebreak=("provider_code", "code"),  # a programme's natural key
)


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


def _year(year: Any) -> tuple[str, str]:
    """A year argument: its first and last days, as the views store dates."""
    if (
        isinstance(year, bool)
        or not isinstance(year, int)
        or not (EARLIEST_DATE.year <= year <= LATEST_DATE.year)
    ):
        raise InvalidInputError(
            f"year must be a year from {EARLIEST_DATE.year} to {LATEST_DATE.year}.",
            field="year",
            code="invalid_year",
        )
    return f"{year:04d}-01-01", f"{year:04d}-12-31"


_GROUPINGS = ("on_month", "form", "mode", "funding")


def _workload_sql(provider_code: str, first: date, last: date) -> tuple[str, list[Any]]:
    """(grouping, key, *COUNTERS) of a provider's period: one row per month, form, mode
    and funding (`_GROUPINGS`), summed by the database over the period's whole months
    (and years) from the months' counters and the days of its partial first and last
    months from the days' (`activity.segments`). Summed by the database, not by the
    caller: adding up every (month, form, mode, funding) cell in Python took more than
    the statement itself (a year of the busiest provider, SQLite, 100,000 teachers x 20
    years: 7.2 ms a read, 4.0 ms summed here; 20,000: 3.0 and 1.9 ms)."""
    runs = segments(first, last)
    days = [(low, high) for grain, low, high in runs if grain == "D"]
    whole = [(grain, low, high) for grain, low, high in runs if grain != "D"]
    spans = {"on_date": days, "on_month": []}
    if whole:  # contiguous: from the first whole run's first month to the last's last
        (grain_1, low, _), (grain_2, _, high) = whole[0], whole[-1]
        spans["on_month"] = [
            (f"{low}-01" if grain_1 == "Y" else low, f"{high}-12" if grain_2 == "Y" else high)
        ]
    parts, params = [], []
    for table in (WORKLOAD_DAYS, WORKLOAD_MONTHS, CERTIFICATE_DAYS, CERTIFICATE_MONTHS):
        column = "on_month" if "on_month" in table.key else "on_date"
        values = ", ".join(n if n in table.counters else "0" for n in COUNTERS)
        for low, high in spans[column]:
            parts.append(
                f"SELECT substr({column}, 1, 7), form, mode, funding, {values} "
                f"FROM {table.name} "
                f"WHERE provider_code = ? AND {column} >= ? AND {column} <= ?"
            )
            params += [provider_code, low, high]
    sums = ", ".join(f"SUM({n})" for n in COUNTERS)
    counted = (
        f"WITH counted ({', '.join(_GROUPINGS)}, {', '.join(COUNTERS)}) AS "
        f"({' UNION ALL '.join(parts)}) "
    )
    return counted + " UNION ALL ".join(
        f"SELECT '{name}', {name}, {sums} FROM counted GROUP BY {name}" for name in _GROUPINGS
    ), params


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

    def provider_list(
        self,
        *,
        kind: str | None = None,
        region: str | None = None,
        suspended: bool | None = None,
        sort: str | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> dict[str, Any]:
        """{providers, total, total_capped, sort}: a page of providers of a kind, in a
        region, suspended or not."""
        limit, offset = require_page(limit, offset)
        order = PROVIDER_SORTS.order_by(sort)
        where: list[str] = []
        params: list[Any] = []
        if kind:
            where.append("kind = ?")
            params.append(require_choice(kind, PROVIDER_KINDS, "kind"))
        if region:
            where.append("region = ?")
            params.append(require_choice(region, region_codes(), "region"))
        if suspended is not None:
            where.append("suspended = ?")
            params.append(1 if suspended else 0)
        source = "providers" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self.db.reading() as cur:
            total, capped = listing.count(cur, source, params)
            rows = (
                cur.query(
                    f"SELECT {', '.join(_PROVIDER)} FROM {source} ORDER BY {order} "
                    "LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                )
                if offset < total
                else []
            )
        return listing.page(
            "providers", [_provider(r) for r in rows], total, capped, PROVIDER_SORTS.check(sort)
        )

    def programme_list(
        self,
        *,
        text: str | None = None,
        provider_code: str | None = None,
        form: str | None = None,
        year: int | None = None,
        sort: str | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> dict[str, Any]:
        """{programmes, total, total_capped, sort}: a page of programmes with the typed
        words (title, code, provider: `registry.queries.search`), of a provider, of a form,
        running in a year. With words and no sort, the best matches come first (sort
        None); otherwise newest first unless another sort is asked for."""
        limit, offset = require_page(limit, offset)
        query = search.Query.read(text)
        if query.pin is not None:  # fourteen digits are no programme's words
            query = search.Query(pin=None, folded=query.pin, words=(query.pin,))
        ranked = bool(query.words) and not sort
        order = "" if ranked else PROGRAMME_SORTS.order_by(sort)
        where: list[str] = []
        params: list[Any] = []
        rank_params: list[Any] = []
        if query.words:
            condition, matched = self.db.text_match(PROGRAMMES, "search_key", query.substrings())
            where.append(condition)
            params += matched
        if ranked:
            order = (
                f"CASE WHEN search_key LIKE ? THEN 0 ELSE 1 END, "
                f"{self.db.similarity('search_key', '?')} DESC, starts_on DESC, provider_code, code"
            )
            rank_params = [f"% {query.folded}%", query.folded]
        if provider_code:
            self.provider(provider_code)
            where.append("provider_code = ?")
            params.append(provider_code)
        if form:
            where.append("form = ?")
            params.append(require_choice(form, FORMS, "form"))
        if year is not None:
            first, last = _year(year)
            where.append("starts_on <= ? AND ends_on >= ?")  # running some time that year
            params += [last, first]
        source = "programmes" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self.db.reading() as cur:
            total, capped = listing.count(cur, source, params)
            rows = (
                cur.query(
                    f"SELECT {', '.join(_PROGRAMME)} FROM {source} ORDER BY {order} "
                    "LIMIT ? OFFSET ?",
                    [*params, *rank_params, limit, offset],
                )
                if offset < total
                else []
            )
        return listing.page(
            "programmes",
            [_programme(r) for r in rows],
            total,
            capped,
            None if ranked else PROGRAMME_SORTS.check(sort),
        )

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
        # What was enrolled, assessed and withdrawn (the workload view) and the valid
        # certificates delivered (not revoked, not duplicates: the certificates view),
        # counted by day and by month, summed per month, form, mode and funding in one
        # statement.
        sql, params = _workload_sql(provider_code, date_from, date_to)
        with self.db.reading() as cur:
            rows = cur.query(sql, params)
        groups: dict[str, dict[str, dict[str, int]]] = {name: {} for name in _GROUPINGS}
        for grouping, key, *values in rows:
            groups[grouping][key] = dict(zip(COUNTERS, (int(v or 0) for v in values)))
        found_months = groups.pop("on_month")
        total = {n: sum(sums[n] for sums in found_months.values()) for n in COUNTERS}
        months = {m: found_months.get(m, {}) for m in _months(date_from, date_to)}
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
