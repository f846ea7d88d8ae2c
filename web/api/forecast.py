"""The demand forecast: teachers due per month, by region, district or subject."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.domain import clock
from registry.domain.regions import region_codes
from registry.queries.forecast import FORECAST_COLUMNS, forecast_rows
from web.api.base import Blueprint, queries
from web.auth import require_actor
from web.downloads import download
from web.schemas.common import CsvArgs, IsoDate, QueryInteger

blp = Blueprint("forecast", __name__, description="Demand for courses, month by month.")


class ForecastArgs(CsvArgs):
    """The first month (the month of `from`, default today), how many (1 to 60), groups."""

    from_ = IsoDate(data_key="from")
    months = QueryInteger(load_default=24)
    group_by = fields.String(
        load_default="region", validate=validate.OneOf(["region", "district", "subject"])
    )
    region = fields.String(
        validate=validate.OneOf(region_codes()),
        metadata={"description": "Only this region's teachers."},
    )


class ForecastRow(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    group = fields.String(allow_none=True)
    due = fields.Integer()


class BacklogRow(Schema):
    group = fields.String(allow_none=True)
    overdue = fields.Integer()


class PlacesRow(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    group = fields.String(
        allow_none=True,
        metadata={"description": "The provider's region, or the programme's subject."},
    )
    places = fields.Integer()


class MonthTotal(Schema):
    month = fields.String()
    due = fields.Integer()
    places = fields.Integer(
        metadata={"description": "Places of the programmes starting that month."}
    )


class ForecastOut(Schema):
    """Counts of teachers, never names."""

    from_ = IsoDate(data_key="from")
    months = fields.Integer()
    group_by = fields.String()
    rows = fields.List(fields.Nested(ForecastRow))
    backlog = fields.List(fields.Nested(BacklogRow))
    places = fields.List(fields.Nested(PlacesRow))
    totals = fields.List(fields.Nested(MonthTotal))


@blp.route("/statistics/forecast")
class Forecast(MethodView):
    """Demand forecast."""

    @blp.arguments(ForecastArgs, location="query")
    @blp.read(ForecastOut, csv=True)
    def get(self, args):
        """Teachers whose certificates stop sufficing each month, by group; those already
        overdue as the backlog, and the places of the programmes starting each month (their
        `capacity`) beside them (?format=csv|xlsx: month, group, due, places, and overdue:
        the backlog, on the first month's rows). months: 1 to 60."""
        actor = require_actor("read_forecast")
        start = args.get("from_") or clock.today()
        answer = queries().demand_forecast(
            start, args["months"], args["group_by"], region=args.get("region"), actor=actor
        )
        if args["format"] != "json":
            return download(
                forecast_rows(answer),
                FORECAST_COLUMNS,
                f"forecast-{args['group_by']}-{start}-{args['months']}",
                args["format"],
            )
        return {"from_": start, "months": args["months"], "group_by": args["group_by"], **answer}
