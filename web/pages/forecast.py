"""The demand forecast page: teachers due for a course in each coming month beside the
places of the programmes starting then (a chart, its table, by group, CSV and .xlsx).

Counts only, never names. Statisticians, admins and auditors see the country; a
commission bound to a region sees that region alone (`registry.access.region_filter`,
applied by `Queries.demand_forecast`, refuses any other).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from registry import access as rules
from registry.queries.forecast import (
    FORECAST_COLUMNS,
    FORECAST_GROUPS,
    MAX_MONTHS,
    forecast_rows,
)
from web.downloads import download
from web.pages import access, charts
from web.pages.labels import region_choices
from web.pages.params import QueryArgs, today
from web.pages.statistics import group_namer
from web.services import services

bp = Blueprint("forecast_pages", __name__)

DEFAULT_MONTHS = 24


def _filters(args: QueryArgs) -> dict[str, Any]:
    """The first month, how many months (1-60), the grouping and a region, from the query."""
    start = args.date("from", today()) or today()
    text = (request.args.get("months") or "").strip()
    months = DEFAULT_MONTHS
    if text:
        if re.fullmatch(r"[0-9]{1,3}", text) and 1 <= int(text) <= MAX_MONTHS:
            months = int(text)
        else:
            args.errors.append(
                _(
                    "Months: “%(value)s” is not a whole number from 1 to %(most)s.",
                    value=text[:40],
                    most=MAX_MONTHS,
                )
            )
    group_by = args.choice("group_by", FORECAST_GROUPS, "region")
    # A bound commission's own region by default; asking for another is refused (403)
    # by registry.access.region_filter, which the query applies.
    bound = rules.bound_region(access.current_actor())
    region = (request.args.get("region") or "").strip() or bound
    if region is not None and region not in dict(region_choices()):
        args.errors.append(_("“%(value)s” is not one of the choices.", value=region[:40]))
        region = None
    return {"start": start, "months": months, "group_by": group_by, "region": region}


def _forecast(filters: dict[str, Any]) -> dict[str, Any]:
    return services().queries.demand_forecast(
        filters["start"],
        filters["months"],
        filters["group_by"],
        region=filters["region"],
        actor=access.current_actor(),
    )


def by_group(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Per group: already overdue, due within the months, places starting within them."""
    overdue = {r["group"]: r["overdue"] for r in answer["backlog"]}
    due: Counter[Any] = Counter()
    places: Counter[Any] = Counter()
    for r in answer["rows"]:
        due[r["group"]] += r["due"]
    for r in answer["places"]:
        places[r["group"]] += r["places"]
    groups = set(overdue) | set(due) | set(places)
    return [
        {"group": g, "overdue": overdue.get(g, 0), "due": due[g], "places": places[g]}
        for g in sorted(groups, key=lambda g: (g is None, g or ""))
    ]


@bp.route("/forecast")
@access.permission_required("read_forecast")
def forecast():
    """Demand against places, month by month, with a table and by group."""
    args = QueryArgs()
    filters = _filters(args)
    answer = _forecast(filters)
    totals = answer["totals"]
    months = [t["month"] for t in totals]
    due_colour = ("compliance", "due_soon")  # the demand, in the colour of "due soon"
    places_colour = ("measure", "certificates")
    chart = charts.many_monthly_bars(
        months,
        [
            charts.Series(*due_colour, _("Teachers due"), [t["due"] for t in totals]),
            charts.Series(*places_colour, _("Places"), [t["places"] for t in totals]),
        ],
        _("Teachers due for a course and places, by month"),
    )
    legend = [
        (charts.swatch(charts.colour(*due_colour)), _("Teachers due")),
        (charts.swatch(charts.colour(*places_colour)), _("Places")),
    ]
    groups = by_group(answer)
    return render_template(
        "forecast/forecast.html",
        filters=filters,
        totals=totals,
        chart=chart,
        chart_legend=legend,
        groups=groups,
        group_choices=FORECAST_GROUPS,
        namer=group_namer(filters["group_by"]),
        regions=region_choices(),
        region_fixed=rules.bound_region(access.current_actor()) is not None,
        sums={
            "due": sum(t["due"] for t in totals),
            "places": sum(t["places"] for t in totals),
            "overdue": sum(g["overdue"] for g in groups),
        },
        max_months=MAX_MONTHS,
        errors=args.errors,
    ), 400 if args.errors else 200


@bp.route("/forecast.<any(csv, xlsx):fmt>")
@access.permission_required("read_forecast")
def forecast_download(fmt: str):
    """The forecast by month and group (teachers due, places) as CSV or .xlsx."""
    args = QueryArgs()
    filters = _filters(args)
    if args.errors:
        abort(400, description="; ".join(args.errors))
    answer = _forecast(filters)
    start: date = filters["start"]
    return download(
        forecast_rows(answer),
        FORECAST_COLUMNS,
        f"forecast-{filters['group_by']}-{start.isoformat()}-{filters['months']}",
        fmt,
    )
