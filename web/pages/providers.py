"""Providers: the list, each provider's workload over a date range, and (admin) the
registration, suspension and reinstatement forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _

from registry.domain.errors import RegistryError
from registry.domain.values import check_code
from registry.queries.providers import PROVIDER_SORTS
from web import exports
from web.downloads import download
from web.pages import access, charts
from web.pages.forms_base import run_command
from web.pages.forms_people import ProviderForm, ReasonForm
from web.pages.labels import choices, label, region_choices
from web.pages.listing import Listing, choice_arg, every_row
from web.pages.params import QueryArgs, today
from web.pages.record import show
from web.services import services

bp = Blueprint("provider_pages", __name__, url_prefix="/providers")

WORKLOAD_TOTALS = (
    "enrolments",
    "withdrawals",
    "assessments",
    "passed",
    "failed",
    "completions",
    "certificates",
    "hours_delivered",
)


PAGE_SIZE = 25
SUSPENDED = {"active": False, "suspended": True}


def _provider_filters(args: QueryArgs) -> dict[str, Any]:
    return {
        "kind": choice_arg(args, "kind", dict(choices("provider_kind"))),
        "region": choice_arg(args, "region", dict(region_choices())),
        "status": choice_arg(args, "status", SUSPENDED),
    }


def _provider_reader(filters: dict[str, Any], sort: str | None):
    queries, actor = services().queries, access.current_actor()

    def read(limit: int, offset: int) -> dict[str, Any]:
        return queries.provider_list(
            kind=filters["kind"],
            region=filters["region"],
            suspended=SUSPENDED.get(filters["status"] or ""),
            sort=sort,
            limit=limit,
            offset=offset,
            actor=actor,
        )

    return read


@bp.route("/")
@access.permission_required("read_workload")
def index():
    """A page of providers (of a kind, in a region, active or suspended) with how many
    there are, sortable and downloadable; a registrar goes straight to their own."""
    own = access.bound_provider(access.current_actor())
    if own is not None:
        return redirect(url_for("provider_pages.workload", code=own))
    args = QueryArgs()
    filters = _provider_filters(args)
    listing = Listing(args, "provider_pages.index", PROVIDER_SORTS, size=PAGE_SIZE, params=filters)
    listing.show(_provider_reader(filters, listing.asked)(PAGE_SIZE, listing.offset), "providers")
    return render_template(
        "providers/index.html",
        list=listing,
        filters=filters,
        kinds=choices("provider_kind"),
        regions=region_choices(),
        errors=args.errors,
        can_admin=access.may("manage_providers"),
    ), 400 if args.errors else 200


@bp.route("/export.<any(csv, xlsx):fmt>")
@access.permission_required("read_workload")
def export(fmt: str):
    """Every provider the filters find, in the list's order, as CSV or .xlsx."""
    args = QueryArgs()
    filters = _provider_filters(args)
    sort = choice_arg(args, "sort", PROVIDER_SORTS.choices)
    if args.errors:
        abort(400, description="; ".join(args.errors))
    read = _provider_reader(filters, sort)
    return download(every_row(read, "providers"), exports.PROVIDERS, "providers", fmt)


def visible_provider(code: str) -> dict:
    """The provider, if the actor may see its workload."""
    access.require_actor("read_workload", provider=code)
    try:
        check_code(code)
        return services().queries.provider(code)
    except RegistryError:
        abort(404)


@bp.route("/<code>")
def workload(code: str):
    """What a provider delivered between two dates: totals, by form and by month."""
    provider = visible_provider(code)
    args = QueryArgs()
    end = args.date("to", today())
    start = args.date("from", date(end.year, 1, 1))
    if start > end:  # said, never quietly replaced by another period
        return render_template(
            "providers/workload.html",
            provider=provider,
            reversed_range=True,
            start=start,
            end=end,
            errors=args.errors,
            can_admin=access.may("manage_providers"),
            swapped=url_for(
                "provider_pages.workload",
                code=code,
                **{"from": end.isoformat(), "to": start.isoformat()},
            ),
        ), 400
    report = services().queries.workload(code, start, end, actor=access.current_actor())
    months = [m["month"] for m in report.get("by_month", [])]
    chart = (
        charts.monthly_bars(
            months,
            [
                charts.Series(
                    "measure",
                    "enrolments",
                    _("Enrolments"),
                    [m.get("enrolments") or 0 for m in report["by_month"]],
                ),
                charts.Series(
                    "measure",
                    "certificates",
                    _("Certificates"),
                    [m.get("certificates") or 0 for m in report["by_month"]],
                ),
            ],
            _("Enrolments and certificates by month"),
        )
        if months
        else None
    )
    return render_template(
        "providers/workload.html",
        provider=provider,
        report=report,
        start=start,
        end=end,
        chart=chart,
        chart_legend=[
            (charts.swatch(charts.colour("measure", "enrolments")), _("Enrolments")),
            (charts.swatch(charts.colour("measure", "certificates")), _("Certificates")),
        ],
        errors=args.errors,
        totals=WORKLOAD_TOTALS,
        can_admin=access.may("manage_providers"),
    ), 400 if args.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@access.permission_required("manage_providers")
def new():
    """Register a provider (admin)."""
    form = ProviderForm()
    if form.validate_on_submit():
        args = form.command_args("code", "name", "name_ky", "name_ru", "kind", "region")
        if run_command(
            form,
            lambda: services().registry.register_provider(access.current_actor(), **args),
            _("The provider was registered."),
        ):
            return redirect(url_for("provider_pages.workload", code=args["code"]), 303)
    return show(form, _("Register a provider"), back_url=url_for("provider_pages.index"))


def _decision(code: str, command: str, title: str, done: str, danger: bool):
    access.require_actor("manage_providers")
    provider = visible_provider(code)
    form = ReasonForm()
    if form.validate_on_submit():
        reason = form.reason.data.strip()
        method = getattr(services().registry, command)
        if run_command(form, lambda: method(access.current_actor(), code, reason=reason), done):
            return redirect(url_for("provider_pages.workload", code=code), 303)
    subject = [
        (_("Provider"), f"{provider['code']} — {provider['name']}"),
        (_("Kind"), label("provider_kind", provider["kind"])),
    ]
    return show(
        form,
        title,
        subject=subject,
        danger=danger,
        submit=title,
        back_url=url_for("provider_pages.workload", code=code),
    )


@bp.route("/<code>/suspension", methods=["GET", "POST"])
def suspend(code: str):
    """Suspend a provider: it can record nothing new."""
    return _decision(
        code, "suspend_provider", _("Suspend the provider"), _("The provider was suspended."), True
    )


@bp.route("/<code>/reinstatement", methods=["GET", "POST"])
def reinstate(code: str):
    """Lift a provider's suspension."""
    return _decision(
        code,
        "reinstate_provider",
        _("Reinstate the provider"),
        _("The provider was reinstated."),
        False,
    )
