"""Downloads behind the dashboards' buttons, as CSV or .xlsx (the same numbers as the
tables)."""

from __future__ import annotations

from datetime import date

from flask import abort

from web import exports
from web.downloads import download
from web.pages import access
from web.pages.params import QueryArgs, today
from web.pages.providers import visible_provider
from web.pages.statistics import (
    ACTIVITY_GROUPS,
    COMPLIANCE_GROUPS,
    OPEN_DATA_GROUPS,
    bp,
    pseudonym_filters,
)
from web.services import services

STATUS_COLUMNS = ("total", "compliant", "due_soon", "grace", "overdue", "inactive")
PSEUDONYM_CHUNK = 10_000  # rows a download reads at a time (the largest page)


def _checked(args: QueryArgs) -> None:
    if args.errors:
        abort(400, description="; ".join(args.errors))


@bp.route("/statistics/compliance.<any(csv, xlsx):fmt>")
@access.permission_required("read_statistics")
def compliance_download(fmt: str):
    """Teachers by compliance status per group, as CSV or .xlsx."""
    args = QueryArgs()
    as_of = args.date("as_of", today())
    group_by = args.choice("group_by", COMPLIANCE_GROUPS, "region")
    _checked(args)
    rows = services().queries.compliance_statistics(as_of, group_by, actor=access.current_actor())
    return download(
        rows,
        ("group",) + STATUS_COLUMNS + ("hours",),
        f"compliance-{group_by}-{as_of.isoformat()}",
        fmt,
    )


@bp.route("/statistics/activity.<any(csv, xlsx):fmt>")
@access.permission_required("read_statistics")
def activity_download(fmt: str):
    """Certificates, hours and teachers per group over a period, as CSV or .xlsx."""
    args = QueryArgs()
    end = args.date("to", today())
    start = args.date("from", date(end.year - 1, end.month, 1))
    group_by = args.choice("group_by", ACTIVITY_GROUPS, "region")
    _checked(args)
    rows = services().queries.activity_statistics(
        start, end, group_by, actor=access.current_actor()
    )
    return download(
        rows,
        ("group", "certificates", "hours", "teachers"),
        f"activity-{group_by}-{start.isoformat()}-{end.isoformat()}",
        fmt,
    )


@bp.route("/open-data.<any(csv, xlsx):fmt>")
def open_data_download(fmt: str):
    """Public open data (small groups suppressed), as CSV or .xlsx."""
    args = QueryArgs()
    as_of = args.date("as_of", today())
    group_by = args.choice("group_by", OPEN_DATA_GROUPS, "region")
    _checked(args)
    rows = services().queries.open_data(as_of, group_by)
    return download(
        rows,
        ("group",) + STATUS_COLUMNS + ("suppressed",),
        f"open-data-{group_by}-{as_of.isoformat()}",
        fmt,
    )


@bp.route("/providers/<code>/workload.<any(csv, xlsx):fmt>")
def workload_download(code: str, fmt: str):
    """A provider's workload by month, as CSV or .xlsx."""
    visible_provider(code)
    args = QueryArgs()
    end = args.date("to", today())
    start = args.date("from", date(end.year, 1, 1))
    _checked(args)
    report = services().queries.workload(code, start, end, actor=access.current_actor())
    columns = (
        "month",
        "enrolments",
        "withdrawals",
        "assessments",
        "passed",
        "failed",
        "pass_rate",
        "completions",
        "certificates",
        "hours_delivered",
    )
    return download(
        report.get("by_month", []),
        columns,
        f"workload-{code}-{start.isoformat()}-{end.isoformat()}",
        fmt,
    )


@bp.route("/statistics/teachers.<any(csv, xlsx):fmt>")
@access.permission_required("read_pseudonymised")
def pseudonymised_download(fmt: str):
    """Every teacher under a pseudonym (in a region, of a status) on a date, as CSV or
    .xlsx, by pseudonym: streamed a chunk at a time as it is sent, each chunk the rows
    after the last key sent (no chunk re-reads the rows before it)."""
    args = QueryArgs()
    filters = pseudonym_filters(args)
    _checked(args)
    queries, actor = services().queries, access.current_actor()
    as_of = date.fromisoformat(filters["as_of"])

    def all_rows():
        after = None
        while True:
            batch = queries.pseudonymised_teachers(
                as_of,
                limit=PSEUDONYM_CHUNK,
                region=filters["region"],
                status=filters["status"],
                after=after,
                actor=actor,
            )
            yield from batch
            if len(batch) < PSEUDONYM_CHUNK:
                return
            after = batch[-1]["key"]

    stem = f"teachers-pseudonymised-{as_of.isoformat()}"
    return download(all_rows(), exports.PSEUDONYMISED, stem, fmt)
