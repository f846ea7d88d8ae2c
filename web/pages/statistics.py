"""Statistics dashboards (compliance by group, activity over time, forms) and the public
open-data page; each chart is drawn on the server and has a table and a CSV download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from registry.queries.statistics import PSEUDONYM_SORTS
from web.pages import access, charts
from web.pages.labels import district_name, label, region_choices, region_name
from web.pages.listing import Listing, choice_arg
from web.pages.params import QueryArgs, today
from web.services import services

bp = Blueprint("statistics_pages", __name__)

COMPLIANCE_GROUPS = ("region", "district", "subject", "position")
ACTIVITY_GROUPS = ("region", "provider_kind", "form", "mode", "funding")
OPEN_DATA_GROUPS = ("region", "district")
MAX_MONTHS = 36


def group_namer(group_by: str) -> Callable[[Any], str]:
    """How a group's code is shown (region names, vocabulary labels, districts)."""
    if group_by == "region":
        return region_name
    if group_by == "district":
        return district_name
    if group_by in ("provider_kind", "form", "mode", "funding"):
        return lambda value: label(group_by, value)
    return lambda value: value if value else "—"


def totals(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    """Column sums (groups with suppressed counts add nothing)."""
    return {k: sum(r.get(k) or 0 for r in rows) for k in keys}


@bp.route("/statistics")
@access.permission_required("read_statistics")
def dashboard():
    """Teachers by compliance status, by region (or district, subject, position), on a date."""
    args = QueryArgs()
    as_of = args.date("as_of", today())
    group_by = args.choice("group_by", COMPLIANCE_GROUPS, "region")
    rows = services().queries.compliance_statistics(as_of, group_by, actor=access.current_actor())
    namer = group_namer(group_by)
    chart = (
        charts.compliance_chart(rows, namer, _("Teachers by compliance status")) if rows else None
    )
    return render_template(
        "statistics/compliance.html",
        rows=rows,
        as_of=as_of,
        group_by=group_by,
        groups=COMPLIANCE_GROUPS,
        namer=namer,
        chart=chart,
        statuses=charts.STATUSES,
        errors=args.errors,
        total=totals(rows, charts.STATUSES + ("total", "hours")),
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
    series: dict[str, list[int]] = {
        label("form", f): [] for f in ("course", "seminar", "training", "internship")
    }
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
        for form in ("course", "seminar", "training", "internship"):
            series[label("form", form)].append(counts.get(form, 0))
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
    forms = queries.activity_statistics(start, end, "form", actor=actor)
    months, series = activity_by_month(start, end)
    namer = group_namer(group_by)
    return render_template(
        "statistics/activity.html",
        rows=rows,
        start=start,
        end=end,
        group_by=group_by,
        groups=ACTIVITY_GROUPS,
        namer=namer,
        errors=args.errors,
        total=totals(rows, ("certificates", "hours", "teachers")),
        over_time=charts.activity_chart(months, series, _("Certificates per month by form")),
        months=months,
        series=series,
        forms_chart=charts.share_chart(
            [(label("form", r["group"]), r.get("hours") or 0) for r in forms],
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
    shown = [r for r in rows if not r.get("suppressed")]
    chart = (
        charts.compliance_chart(shown, namer, _("Teachers by compliance status")) if shown else None
    )
    return render_template(
        "statistics/open_data.html",
        rows=rows,
        as_of=as_of,
        group_by=group_by,
        groups=OPEN_DATA_GROUPS,
        namer=namer,
        chart=chart,
        statuses=charts.STATUSES,
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
