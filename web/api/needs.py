"""Training needs of schools and districts, matched to programmes."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.domain.regions import region_codes
from registry.queries.needs import STATUSES
from web import exports
from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.auth import require_actor
from web.downloads import download
from web.schemas.common import CsvArgs, IsoDate, ReasonSchema, StrictInteger, choice, text

blp = Blueprint(
    "needs", __name__, description="Training needs, and the programmes that answer them."
)

MONTH_DOC = {"description": "A month, YYYY-MM.", "example": "2027-03"}


class NeedIn(Schema):
    """A school's (or, without `school`, a district's) need for a course."""

    region = choice(region_codes())
    district = text("district")
    school = text("school", required=False, allow_none=True)
    subject = text("subject", metadata={"description": "As teachers' subjects are written."})
    topic = text("topic")
    teachers = StrictInteger(required=True, metadata={"minimum": 1, "maximum": 10_000})
    period_from = fields.String(required=True, metadata=MONTH_DOC)
    period_to = fields.String(required=True, metadata=MONTH_DOC)


class NeedOut(Schema):
    id = fields.String()
    region = fields.String()
    district = fields.String()
    school = fields.String(allow_none=True)
    subject = fields.String()
    topic = fields.String()
    teachers = fields.Integer()
    period_from = fields.String()
    period_to = fields.String()
    withdrawn = fields.Boolean()
    withdrawal_reason = fields.String(
        allow_none=True, metadata={"description": "Why it was withdrawn (null while open)."}
    )


class MatchedProgramme(Schema):
    id = fields.String()
    provider_code = fields.String()
    code = fields.String()
    title = fields.String()
    starts_on = IsoDate()
    capacity = fields.Integer(allow_none=True)


class MatchedNeed(NeedOut):
    status = fields.String(
        metadata={
            "enum": list(STATUSES),
            "description": "unmet: no programme of the subject starts in the period; short: "
            "their stated places are fewer than the teachers; met: otherwise; withdrawn: "
            "closed with a reason (matched to nothing).",
        }
    )
    places = fields.Integer(metadata={"description": "The matching programmes' stated places."})
    places_unknown = fields.Integer(
        metadata={"description": "How many matching programmes state no places."}
    )
    programmes = fields.List(fields.Nested(MatchedProgramme))
    withdrawn_at = fields.String(
        allow_none=True, metadata={"description": "When it was withdrawn (null while open)."}
    )


class NeedList(Schema):
    needs = fields.List(fields.Nested(MatchedNeed))


class NeedArgs(CsvArgs):
    region = fields.String(validate=validate.OneOf(region_codes()))
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "unmet, short or met (default: every open need), or withdrawn "
            "(the withdrawn ones, listed only so)."
        },
    )


@blp.route("/needs")
class Needs(MethodView):
    """Training needs."""

    @blp.arguments(NeedArgs, location="query")
    @blp.read(NeedList, csv=True)
    def get(self, args):
        """Every open need (of a region, of a status; or the withdrawn ones) with the programmes of its subject starting
        in its period and their places (?format=csv|xlsx: one row per need)."""
        actor = require_actor("read_needs")
        found = queries().training_needs(
            region=args.get("region"), status=args.get("status"), actor=actor
        )
        if args["format"] != "json":
            return download(found, exports.NEEDS, "training-needs", args["format"])
        return {"needs": found}

    @blp.arguments(NeedIn)
    @blp.write(201, NeedOut, permission="record_needs")
    def post(self, body):
        """Record a need (admins and registrars; a commission bound to a region, for it)."""
        actor = require_actor()
        return written(registry().record_need(actor, body, idempotency_key=idempotency_key()))


@blp.route("/needs/<need_id>/withdrawal")
class Withdrawal(MethodView):
    """Withdrawing a need."""

    @blp.arguments(ReasonSchema)
    @blp.write(200, NeedOut, permission="record_needs")
    def post(self, body, need_id):
        """Withdraw a need answered otherwise or recorded in error (those who record needs;
        a commission bound to a region, its region's): it stays on record with the reason
        and leaves the lists of open needs."""
        actor = require_actor()
        return written(
            registry().withdraw_need(
                actor, need_id, reason=body["reason"], idempotency_key=idempotency_key()
            )
        )
