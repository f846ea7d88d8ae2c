"""Statistics dashboards (compliance by group, activity over time, forms) and the public
open-data page; each chart is drawn on the server and has a table and a CSV download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from registry.domain.reference import LIST_OF, UNMAPPED
from registry.queries.statistics import PSEUDONYM_SORTS
from web.i18n import percent_filter
from web.pages import access, charts
from web.pages.labels import label, region_choices, region_name
from web.pages.listing import Listing, choice_arg
from web.pages.params import QueryArgs, today
from web.pages.reference import reference_name
from web.services import services

bp = Blueprint("statistics_pages", __name__)
UNMAPPED_LABEL = _l("Not yet mapped to a code")

COMPLIANCE_GROUPS = ("region", "district", "subject", "position")
ACTIVITY_GROUPS = ("region", "provider_kind", "form", "mode", "funding")
OPEN_DATA_GROUPS = ("region", "district")
MAX_MONTHS = 36


def group_namer(group_by: str) -> Callable[[Any], str]:
    """How a group's code is shown (region names, vocabulary labels, districts)."""
    if group_by == "region":
        return region_name
    if group_by in LIST_OF:  # district, subject, position: codes, and the unmapped text
        list_name = LIST_OF[group_by]
        return lambda value: (
            str(UNMAPPED_LABEL) if value == UNMAPPED else reference_name(list_name, value)
        )
    if group_by in ("provider_kind", "form", "mode", "funding"):
        return lambda value: label(group_by, value)
    return lambda value: value if value else "—"


def totals(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """Column sums (groups with suppressed counts add nothing)."""
    return {k: sum(r.get(k) or 0 for r in rows) for k in keys}


# Shares are of the teachers in service on the date (those who have left service are
# counted apart, never in a denominator); meeting the requirement is compliant or due soon.
IN_SERVICE = ("compliant", "due_soon", "grace", "overdue")
MEETS = ("compliant", "due_soon")
TREND_MONTHS = 24
# The nine regions on a grid as they lie on the map (row, column), north-west first.
REGION_TILES = {
    "KG-T": (0, 0),
    "KG-GB": (0, 1),
    "KG-C": (0, 2),
    "KG-Y": (0, 3),
    "KG-J": (1, 0),
    "KG-N": (1, 2),
    "KG-B": (2, 0),
    "KG-GO": (2, 1),
    "KG-O": (2, 2),
}
TILE_COLUMNS, TILE_ROWS = 4, 3


def with_shares(row: dict[str, Any]) -> dict[str, Any]:
    """A group's counts with its teachers in service, how many of them meet the
    requirement, and each status's share of those in service (None when suppressed or
    when nobody is in service)."""
    if row.get("suppressed"):
        return {**row, "in_service": None, "meets": None, "share": None, "shares": {}}
    in_service = sum(row.get(s) or 0 for s in IN_SERVICE)
    meets = sum(row.get(s) or 0 for s in MEETS)
    return {
        **row,
        "in_service": in_service,
        "meets": meets,
        "share": meets / in_service if in_service else None,
        "shares": {s: (row.get(s) or 0) / in_service if in_service else None for s in IN_SERVICE},
    }


def summed(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole of a set of groups (suppressed groups add nothing), with its shares."""
    whole = totals(
        [r for r in rows if not r.get("suppressed")], charts.STATUSES + ("total", "hours")
    )
    return with_shares(whole)


def bar_rows(rows: list[dict[str, Any]], namer: Callable[[Any], str]) -> list[dict[str, Any]]:
    """Each group's bar of shares by status (of its teachers in service)."""
    bars = []
    for r in rows:
        if r.get("suppressed") or not r.get("in_service"):
            continue
        name = namer(r["group"])
        parts = [(s, r["shares"][s]) for s in IN_SERVICE]
        words = "; ".join(
            f"{label('compliance', s)} {percent_filter(share)} ({r[s]})" for s, share in parts
        )
        bars.append(
            {
                **r,
                "name": name,
                "bar": charts.share_bar(
                    [(charts.colour("compliance", s), share) for s, share in parts],
                    f"{name}: {words}",
                ),
            }
        )
    return bars


def tile_map(rows: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """The regions' tiles in grid order (None for a place with no region), each with its
    share, counts and colours."""
    by_region = {r["group"]: r for r in rows}
    grid: list[dict[str, Any] | None] = [None] * (TILE_COLUMNS * TILE_ROWS)
    for code, (row, column) in REGION_TILES.items():
        r = by_region.get(code) or with_shares({"group": code})
        fill, ink = charts.share_fill(r.get("share"))
        grid[row * TILE_COLUMNS + column] = {
            **r,
            "code": code,
            "name": region_name(code),
            "fill": charts.swatch(fill, size=1),
            "ink": "light" if ink == "#ffffff" else "dark",
        }
    return grid


def share_key() -> list[dict[str, Any]]:
    """The tile map's key: each colour with the shares it stands for."""
    bounds = (0.0, *charts.SHARE_STEPS, 1.0)
    key = []
    for i, (fill, _ink) in enumerate(charts.SHARE_FILLS):
        low, high = bounds[i], bounds[i + 1]
        key.append({"swatch": charts.swatch(fill), "low": low, "high": high, "last": i == 4})
    return key


def month_ends(as_of: date, count: int) -> list[date]:
    """The last day of each of `count` months up to as_of's month (as_of for its own)."""
    ends, current = [], as_of
    for _month in range(count):
        ends.append(current)
        current = date(current.year, current.month, 1) - timedelta(days=1)
    return ends[::-1]


def compliance_trend(as_of: date, region: str | None) -> list[dict[str, Any]]:
    """The share meeting the requirement at each month's end over the last months, in a
    region or the whole country (the statistics queries' compliance by region)."""
    queries, actor = services().queries, access.current_actor()
    points = []
    for day in month_ends(as_of, TREND_MONTHS):
        rows = queries.compliance_statistics(day, "region", actor=actor)
        chosen = [r for r in rows if r["group"] == region] if region else rows
        country = summed(rows)
        points.append(
            {
                "date": day,
                "month": day.strftime("%Y-%m"),
                **summed(chosen),
                "country_share": country["share"],
            }
        )
    return points


def trend_chart(points: list[dict[str, Any]], region: str | None) -> Markup:
    """The trend as a line of percentages (with the country's beside a region's)."""
    place = region_name(region) if region else _("All regions")
    series = [
        charts.Series(
            "measure",
            "share",
            place,
            [None if p["share"] is None else round(p["share"] * 100, 1) for p in points],
        )
    ]
    if region:
        series.append(
            charts.Series(
                "measure",
                "country",
                _("All regions"),
                [
                    None if p["country_share"] is None else round(p["country_share"] * 100, 1)
                    for p in points
                ],
            )
        )
    return charts.line_chart(
        [p["month"] for p in points],
        series,
        _("Share meeting the requirement by month: %(place)s", place=place),
        percent=True,
    )


@bp.route("/statistics")
@access.permission_required("read_statistics")
def dashboard():
    """Teachers by compliance status, by region (or district, subject, position), on a
    date; every share over the teachers in service on it; a trend and the regions' map."""
    args = QueryArgs()
    as_of = args.date("as_of", today())
    group_by = args.choice("group_by", COMPLIANCE_GROUPS, "region")
    trend_region = args.choice("trend_region", ("", *dict(region_choices())), "") or None
    queries, actor = services().queries, access.current_actor()
    rows = [with_shares(r) for r in queries.compliance_statistics(as_of, group_by, actor=actor)]
    regions = (
        rows
        if group_by == "region"
        else [with_shares(r) for r in queries.compliance_statistics(as_of, "region", actor=actor)]
    )
    namer = group_namer(group_by)
    points = compliance_trend(as_of, trend_region)
    return render_template(
        "statistics/compliance.html",
        rows=rows,
        bars=bar_rows(rows, namer),
        as_of=as_of,
        group_by=group_by,
        groups=COMPLIANCE_GROUPS,
        namer=namer,
        statuses=charts.STATUSES,
        in_service=IN_SERVICE,
        colour=charts.colour,
        swatch=charts.swatch,
        errors=args.errors,
        total=summed(rows),
        tiles=tile_map(regions),
        tile_rows=regions,
        share_key=share_key(),
        trend=points,
        trend_chart=trend_chart(points, trend_region),
        trend_region=trend_region,
        region_choices=region_choices(),
    ), 400 if args.errors else 200


def month_starts(start: date, end: date) -> list[date]:
    """The first day of each month from start's month to end's month."""
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def activity_by_month(start: date, end: date) -> tuple[list[str], dict[str, list[int]]]:
    """Certificates per month for each form of training (over at most 36 months)."""
    queries = services().queries
    months = month_starts(start, end)[-MAX_MONTHS:]
    series: dict[str, list[int]] = {f: [] for f in charts.FORMS}
    for first in months:
        last = min(
            end, date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)
        )
        counts = {
            r["group"]: r.get("certificates") or 0
            for r in queries.activity_statistics(
                max(first, start), last, "form", actor=access.current_actor()
            )
        }
        for form in charts.FORMS:
            series[form].append(counts.get(form, 0))
    return [m.strftime("%Y-%m") for m in months], series


@bp.route("/statistics/activity")
@access.permission_required("read_statistics")
def activity():
    """Certificates and hours over a period: by month, by form and by a chosen grouping."""
    args = QueryArgs()
    end = args.date("to", today())
    start = args.date("from", date(end.year - 1, end.month, 1))
    group_by = args.choice("group_by", ACTIVITY_GROUPS, "region")
    if start > end:
        # Said, with the swapped period one click away; never quietly another period.
        return render_template(
            "statistics/activity.html",
            reversed_range=True,
            start=start,
            end=end,
            group_by=group_by,
            groups=ACTIVITY_GROUPS,
            errors=args.errors,
            swapped=url_for(
                "statistics_pages.activity",
                group_by=group_by,
                **{"from": end.isoformat(), "to": start.isoformat()},
            ),
        ), 400
    queries, actor = services().queries, access.current_actor()
    rows = queries.activity_statistics(start, end, group_by, actor=actor)
    forms = {r["group"]: r for r in queries.activity_statistics(start, end, "form", actor=actor)}
    months, series = activity_by_month(start, end)
    namer = group_namer(group_by)
    total = totals(rows, ("certificates", "hours", "teachers"))
    # The forms in the legend, each with its colour, certificates and share of the hours.
    form_keys = [f for f in charts.FORMS if f in forms] + [
        f for f in forms if f not in charts.FORMS
    ]
    legend = [
        {
            "swatch": charts.swatch(charts.colour("form", f)),
            "name": label("form", f),
            "certificates": forms[f].get("certificates") or 0,
            "hours": forms[f].get("hours") or 0,
            "share": (forms[f].get("hours") or 0) / total["hours"] if total["hours"] else None,
        }
        for f in form_keys
    ]
    return render_template(
        "statistics/activity.html",
        rows=rows,
        start=start,
        end=end,
        group_by=group_by,
        groups=ACTIVITY_GROUPS,
        namer=namer,
        errors=args.errors,
        total=total,
        over_time=charts.line_chart(
            months,
            [charts.Series("form", f, label("form", f), series[f]) for f in charts.FORMS],
            _("Certificates per month by form"),
        ),
        months=months,
        series={label("form", f): series[f] for f in charts.FORMS},
        form_legend=legend,
        line_legend=[
            {
                "swatch": charts.swatch(charts.colour("form", f)),
                "name": label("form", f),
                "certificates": (forms.get(f) or {}).get("certificates") or 0,
            }
            for f in charts.FORMS
        ],
        # The chart covers at most MAX_MONTHS; the legend's counts are the whole period's.
        months_cut=len(month_starts(start, end)) > len(months),
        forms_chart=charts.pie_chart(
            [
                charts.Series("form", f, label("form", f), [forms[f].get("hours") or 0])
                for f in form_keys
            ],
            _("Academic hours by form"),
        )
        if forms
        else None,
    ), 400 if args.errors else 200


@bp.route("/open-data")
def open_data():
    """Public: how many teachers meet the requirement, by region or district (small groups
    suppressed)."""
    args = QueryArgs()
    as_of = args.date("as_of", today())
    group_by = args.choice("group_by", OPEN_DATA_GROUPS, "region")
    rows = services().queries.open_data(as_of, group_by)
    namer = group_namer(group_by)
    rows = [with_shares(r) for r in rows]
    return render_template(
        "statistics/open_data.html",
        rows=rows,
        as_of=as_of,
        group_by=group_by,
        groups=OPEN_DATA_GROUPS,
        namer=namer,
        bars=bar_rows(rows, namer),
        statuses=charts.STATUSES,
        in_service=IN_SERVICE,
        colour=charts.colour,
        swatch=charts.swatch,
        total=summed(rows),
        tiles=tile_map(rows) if group_by == "region" else None,
        tile_rows=rows,
        share_key=share_key(),
        errors=args.errors,
    ), 400 if args.errors else 200


PSEUDONYM_PAGE = 50


def pseudonym_filters(args: QueryArgs) -> dict[str, Any]:
    """The statisticians' table's filters from the query: a date, a region, a status."""
    as_of = args.date("as_of", today()) or today()
    return {
        "as_of": as_of.isoformat(),
        "region": choice_arg(args, "region", dict(region_choices())),
        "status": choice_arg(args, "status", charts.STATUSES),
    }


@bp.route("/statistics/teachers")
@access.permission_required("read_pseudonymised")
def pseudonymised():
    """A page of the teacher-level records under pseudonyms (no names, no PINs) for
    statistical work, with how many there are: in a region, of a status, in an order."""
    args = QueryArgs()
    filters = pseudonym_filters(args)
    listing = Listing(
        args, "statistics_pages.pseudonymised", PSEUDONYM_SORTS, size=PSEUDONYM_PAGE, params=filters
    )
    found = services().queries.pseudonymised_page(
        date.fromisoformat(filters["as_of"]),
        region=filters["region"],
        status=filters["status"],
        sort=listing.asked,
        limit=PSEUDONYM_PAGE,
        offset=listing.offset,
        actor=access.current_actor(),
    )
    return render_template(
        "statistics/pseudonymised.html",
        list=listing.show(found, "teachers"),
        filters=filters,
        regions=region_choices(),
        statuses=charts.STATUSES,
        errors=args.errors,
    ), 400 if args.errors else 200
