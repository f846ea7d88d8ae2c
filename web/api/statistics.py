"""Aggregates: compliance and activity statistics, open data, pseudonymised teachers."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView

from registry.domain import clock
from registry.domain.errors import InvalidInputError
from web import exports
from web.api.base import Blueprint, queries
from web.auth import require_actor
from web.downloads import download
from web.schemas.statistics import (
    ActivityStatsArgs,
    ActivityStatsOut,
    ComplianceStatsArgs,
    ComplianceStatsOut,
    OpenDataArgs,
    OpenDataOut,
    PseudonymArgs,
    PseudonymList,
)

blp = Blueprint("statistics", __name__, description="Aggregates and open data.")

STATUS_COLUMNS = ("group", "total", "compliant", "due_soon", "grace", "overdue", "inactive")


@blp.route("/statistics/compliance")
class ComplianceStatistics(MethodView):
    """Compliance by group."""

    @blp.arguments(ComplianceStatsArgs, location="query")
    @blp.read(ComplianceStatsOut, csv=True)
    def get(self, args):
        """Teachers by status per region, district, subject or position (?format=csv)."""
        actor = require_actor("read_statistics")
        as_of = args.get("as_of") or clock.today()
        groups = queries().compliance_statistics(as_of, args["group_by"], actor=actor)
        if args["format"] != "json":
            return download(
                groups,
                (*STATUS_COLUMNS, "hours"),
                f"compliance-{args['group_by']}-{as_of}",
                args["format"],
            )
        return {"as_of": as_of, "group_by": args["group_by"], "groups": groups}


@blp.route("/statistics/activity")
class ActivityStatistics(MethodView):
    """Training activity by group."""

    @blp.arguments(ActivityStatsArgs, location="query")
    @blp.read(ActivityStatsOut, csv=True)
    def get(self, args):
        """Certificates, hours and teachers in a period per group (?format=csv)."""
        actor = require_actor("read_statistics")
        date_to = args.get("to") or clock.today()
        date_from = args.get("from_") or date(date_to.year, 1, 1)
        if date_to < date_from:
            raise InvalidInputError("from is after to.", field="from", code="invalid_range")
        groups = queries().activity_statistics(date_from, date_to, args["group_by"], actor=actor)
        if args["format"] != "json":
            return download(
                groups,
                ("group", "certificates", "hours", "teachers"),
                f"activity-{args['group_by']}-{date_from}-{date_to}",
                args["format"],
            )
        return {"from": date_from, "to": date_to, "group_by": args["group_by"], "groups": groups}


@blp.route("/statistics/teachers")
class PseudonymisedTeachers(MethodView):
    """Teacher-level rows for analysis, without names or PINs."""

    @blp.arguments(PseudonymArgs, location="query")
    @blp.read(PseudonymList, csv=True)
    def get(self, args):
        """A page of pseudonymised teachers with place, service years, status and hours
        (in a region, of a status), and how many there are (?format=csv or xlsx)."""
        actor = require_actor("read_pseudonymised")
        found = queries().pseudonymised_page(
            args.get("as_of"),
            region=args.get("region"),
            status=args.get("status"),
            sort=args.get("sort"),
            limit=args["limit"],
            offset=args["offset"],
            actor=actor,
        )
        if args["format"] != "json":
            return download(
                found["teachers"], exports.PSEUDONYMISED, "teachers-pseudonymised", args["format"]
            )
        return {
            **found,
            "as_of": args.get("as_of"),
            "limit": args["limit"],
            "offset": args["offset"],
        }


@blp.route("/open-data/compliance")
class OpenData(MethodView):
    """Public compliance counts."""

    @blp.arguments(OpenDataArgs, location="query")
    @blp.read(OpenDataOut, public=True, csv=True)
    def get(self, args):
        """Anyone: counts by status per region or district; groups under 5 are suppressed."""
        as_of = args.get("as_of") or clock.today()
        groups = queries().open_data(as_of, args["group_by"])
        if args["format"] != "json":
            return download(
                groups,
                (*STATUS_COLUMNS, "suppressed"),
                f"open-data-compliance-{args['group_by']}-{as_of}",
                args["format"],
            )
        return {"as_of": as_of, "group_by": args["group_by"], "groups": groups}
