"""Programmes and enrolments: registration, enrolment, assessment, withdrawal."""

from __future__ import annotations

from flask.views import MethodView

from web import exports
from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.auth import require_actor
from web.downloads import download
from web.schemas.common import ReadArgs
from web.schemas.providers import (
    AssessmentIn,
    EnrolmentIn,
    EnrolmentOut,
    ProgrammeArgs,
    ProgrammeChange,
    ProgrammeIn,
    ProgrammeList,
    ProgrammeOut,
    WithdrawalIn,
)

blp = Blueprint("programmes", __name__, description="Programmes and enrolments.")


@blp.route("/programmes")
class Programmes(MethodView):
    """The programmes."""

    @blp.arguments(ProgrammeArgs, location="query")
    @blp.read(ProgrammeList, csv=True)
    def get(self, args):
        """A page of programmes (by words, provider, form and year) and how many match:
        newest first, or the best matches first with `q` (?format=csv or xlsx)."""
        actor = require_actor("read_catalogue")
        found = queries().programme_list(
            text=args.get("q"),
            provider_code=args.get("provider_code"),
            form=args.get("form"),
            year=args.get("year"),
            sort=args.get("sort"),
            limit=args["limit"],
            offset=args["offset"],
            actor=actor,
        )
        if args["format"] != "json":
            return download(found["programmes"], exports.PROGRAMMES, "programmes", args["format"])
        return {**found, "limit": args["limit"], "offset": args["offset"]}

    @blp.arguments(ProgrammeIn)
    @blp.write(201, ProgrammeOut, permission="write_programmes")
    def post(self, body):
        """Register a programme (admin, or a registrar of its provider)."""
        actor = require_actor()
        return written(
            registry().register_programme(actor, body, idempotency_key=idempotency_key())
        )


@blp.route("/programmes/<programme_id>")
class Programme(MethodView):
    """One programme."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(ProgrammeOut)
    def get(self, args, programme_id):
        """A programme's details."""
        require_actor("read_catalogue")
        return queries().programme(programme_id)

    @blp.arguments(ProgrammeChange)
    @blp.write(200, ProgrammeOut, permission="write_programmes")
    def patch(self, body, programme_id):
        """Change a programme's places (admin, or a registrar of its provider)."""
        actor = require_actor()
        return written(
            registry().change_programme(
                actor, programme_id, body, idempotency_key=idempotency_key()
            )
        )


@blp.route("/programmes/<programme_id>/enrolments")
class Enrolments(MethodView):
    """Enrolling teachers in a programme."""

    @blp.arguments(EnrolmentIn)
    @blp.write(201, EnrolmentOut, permission="write_programmes")
    def post(self, body, programme_id):
        """Enrol a teacher (at most once per programme)."""
        actor = require_actor()
        return written(
            registry().enrol(actor, programme_id, body["pin"], idempotency_key=idempotency_key())
        )


@blp.route("/enrolments/<enrolment_id>")
class Enrolment(MethodView):
    """One enrolment."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(EnrolmentOut)
    def get(self, args, enrolment_id):
        """An enrolment's state, read from its own history (always current)."""
        actor = require_actor("read_enrolment")
        return queries().enrolment(enrolment_id, actor=actor)


@blp.route("/enrolments/<enrolment_id>/assessments")
class Assessments(MethodView):
    """Assessing an enrolled teacher."""

    @blp.arguments(AssessmentIn)
    @blp.write(201, EnrolmentOut, permission="write_programmes")
    def post(self, body, enrolment_id):
        """Record an assessment (a failed teacher may be re-assessed)."""
        actor = require_actor()
        return written(
            registry().assess(
                actor,
                enrolment_id,
                passed=body["passed"],
                score=body.get("score"),
                assessed_on=body["assessed_on"],
                idempotency_key=idempotency_key(),
            )
        )


@blp.route("/enrolments/<enrolment_id>/withdrawal")
class Withdrawal(MethodView):
    """Withdrawing a teacher from a programme."""

    @blp.arguments(WithdrawalIn)
    @blp.write(200, EnrolmentOut, permission="write_programmes")
    def post(self, body, enrolment_id):
        """Withdraw a teacher from a programme."""
        actor = require_actor()
        return written(
            registry().withdraw(actor, enrolment_id, **body, idempotency_key=idempotency_key())
        )
