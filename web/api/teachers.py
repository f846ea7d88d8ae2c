"""Teachers: registration, transfers, departures, corrections; dossier, compliance, history."""

from __future__ import annotations

from flask.views import MethodView

from registry.domain import clock
from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.api.paths import PIN_PARAMETER
from web.auth import require_actor
from web.downloads import download
from web.schemas.common import ReadArgs
from web.schemas.teachers import (
    ComplianceArgs,
    ComplianceOut,
    CorrectionIn,
    DepartureIn,
    DossierOut,
    DueArgs,
    DueList,
    HistoryOut,
    SearchArgs,
    TeacherIn,
    TeacherList,
    TeacherOut,
    TransferIn,
)

blp = Blueprint("teachers", __name__, description="Teachers, their compliance and history.")

DUE_COLUMNS = (
    "pin",
    "full_name",
    "region",
    "district",
    "school",
    "subject",
    "status",
    "hours",
    "missing_hours",
    "next_due",
)


@blp.route("/teachers")
class Teachers(MethodView):
    """The teachers."""

    @blp.arguments(SearchArgs, location="query")
    @blp.read(TeacherList)
    def get(self, args):
        """Find teachers by words of a name or a school, or by a PIN: the total and a page.

        A query of one letter or over 200 characters is refused (422)."""
        actor = require_actor("read_dossier")
        found = queries().search_teachers(
            args["q"],
            region=args.get("region"),
            district=args.get("district"),
            school=args.get("school"),
            limit=args["limit"],
            offset=args["offset"],
            actor=actor,
        )
        return {**found, "limit": args["limit"], "offset": args["offset"]}

    @blp.arguments(TeacherIn)
    @blp.write(201, TeacherOut)
    def post(self, body):
        """Register a teacher (admin, registrar)."""
        actor = require_actor()
        return written(registry().register_teacher(actor, body, idempotency_key=idempotency_key()))


@blp.route("/teachers/<pin:pin>", parameters=[PIN_PARAMETER])
class Teacher(MethodView):
    """One teacher's dossier."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(DossierOut)
    def get(self, args, pin):
        """Profile, current compliance, certificates and enrolments (an old PIN works too)."""
        actor = require_actor("read_dossier")
        q = queries()
        teacher = q.teacher(pin, actor=actor)
        return {
            **teacher,
            "compliance": q.compliance(pin, actor=actor),
            "certificates": q.teacher_certificates(pin, actor=actor),
            "enrolments": q.teacher_enrolments(pin, actor=actor),
        }


@blp.route("/teachers/<pin:pin>/compliance", parameters=[PIN_PARAMETER])
class Compliance(MethodView):
    """Compliance on a date, as known at a time."""

    @blp.arguments(ComplianceArgs, location="query")
    @blp.read(ComplianceOut)
    def get(self, args, pin):
        """Status, hours, next due date and the certificates that count."""
        actor = require_actor("read_dossier")
        return queries().compliance(
            pin, as_of=args.get("as_of"), known_at=args.get("known_at"), actor=actor
        )


@blp.route("/teachers/<pin:pin>/history", parameters=[PIN_PARAMETER])
class History(MethodView):
    """Everything recorded about a teacher."""

    @blp.arguments(ReadArgs, location="query")
    @blp.read(HistoryOut)
    def get(self, args, pin):
        """Every event about the teacher, their enrolments and certificates, oldest first."""
        actor = require_actor("read_dossier")
        return {"events": queries().teacher_history(pin, actor=actor)}


@blp.route("/teachers/<pin:pin>/transfers", parameters=[PIN_PARAMETER])
class Transfers(MethodView):
    """Moving a teacher to another school."""

    @blp.arguments(TransferIn)
    @blp.write(201, TeacherOut)
    def post(self, body, pin):
        """Transfer a teacher from a date."""
        actor = require_actor()
        return written(
            registry().transfer_teacher(actor, pin, **body, idempotency_key=idempotency_key())
        )


@blp.route("/teachers/<pin:pin>/departure", parameters=[PIN_PARAMETER])
class Departure(MethodView):
    """A teacher leaving service."""

    @blp.arguments(DepartureIn)
    @blp.write(200, TeacherOut)
    def post(self, body, pin):
        """Record that a teacher left service from a date."""
        actor = require_actor()
        return written(
            registry().record_departure(actor, pin, **body, idempotency_key=idempotency_key())
        )


@blp.route("/teachers/<pin:pin>/corrections", parameters=[PIN_PARAMETER])
class Corrections(MethodView):
    """Correcting a teacher's registered details."""

    @blp.arguments(CorrectionIn)
    @blp.write(201, TeacherOut)
    def post(self, body, pin):
        """Correct details or the PIN (the old PIN keeps finding the teacher)."""
        actor = require_actor()
        reason = body.pop("reason", None)
        effective_on = body.pop("effective_on", None)
        return written(
            registry().correct_teacher(
                actor,
                pin,
                body,
                reason=reason,
                effective_on=effective_on,
                idempotency_key=idempotency_key(),
            )
        )


@blp.route("/due")
class Due(MethodView):
    """Who is due soon, overdue or in grace."""

    @blp.arguments(DueArgs, location="query")
    @blp.read(DueList, csv=True)
    def get(self, args):
        """Teachers with a status on a date, by place (?format=csv for a spreadsheet)."""
        actor = require_actor("read_dossier")
        as_of = args.get("as_of") or clock.today()
        rows = queries().due_list(
            status=args["status"],
            as_of=as_of,
            region=args.get("region"),
            district=args.get("district"),
            school=args.get("school"),
            limit=args["limit"],
            offset=args["offset"],
            actor=actor,
        )
        if args["format"] != "json":
            return download(rows, DUE_COLUMNS, f"{args['status']}-{as_of}", args["format"])
        return {"status": args["status"], "as_of": as_of, "teachers": rows}
