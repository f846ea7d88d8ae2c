"""Teachers: registration, transfers, departures, corrections; dossier, compliance, history."""

from __future__ import annotations

from flask.views import MethodView

from registry.domain import clock
from web import exports
from web.api.base import Blueprint, idempotency_key, queries, registry, written
from web.api.paths import PIN_PARAMETER
from web.auth import require_actor
from web.downloads import download
from web.schemas.common import KnownAtArgs
from web.schemas.teachers import (
    ComplianceArgs,
    ComplianceOut,
    CorrectionIn,
    DepartureIn,
    DossierArgs,
    DossierOut,
    DueArgs,
    DueList,
    HistoryOut,
    SearchArgs,
    TeacherCertificates,
    TeacherEnrolments,
    TeacherIn,
    TeacherList,
    TeacherOut,
    TransferIn,
)

blp = Blueprint("teachers", __name__, description="Teachers, their compliance and history.")


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
    @blp.write(201, TeacherOut, permission="write_teachers")
    def post(self, body):
        """Register a teacher (admin, registrar)."""
        actor = require_actor()
        return written(registry().register_teacher(actor, body, idempotency_key=idempotency_key()))


@blp.route("/teachers/<pin:pin>", parameters=[PIN_PARAMETER])
class Teacher(MethodView):
    """One teacher's dossier."""

    @blp.arguments(DossierArgs, location="query")
    @blp.read(DossierOut)
    def get(self, args, pin):
        """Profile, compliance, certificates and enrolments (an old PIN works too), as
        known now or, with known_at, as the registry knew them then (a PIN not known
        then is 404)."""
        actor = require_actor("read_dossier")
        parts = queries().dossier(
            pin, as_of=args.get("as_of"), known_at=args.get("known_at"), actor=actor
        )
        return {
            **parts["teacher"],
            **queries().teacher_contacts(pin, known_at=args.get("known_at"), actor=actor),
            "known_at": parts["compliance"]["known_at"] if args.get("known_at") else None,
            "compliance": parts["compliance"],
            "certificates": parts["certificates"],
            "enrolments": parts["enrolments"],
        }


@blp.route("/teachers/<pin:pin>/certificates", parameters=[PIN_PARAMETER])
class TeacherCertificateList(MethodView):
    """A teacher's certificates."""

    @blp.arguments(KnownAtArgs, location="query")
    @blp.read(TeacherCertificates)
    def get(self, args, pin):
        """Every certificate of the teacher (paper ones and duplicates too), newest first,
        with status and links; with known_at, only those recorded by then, with the status
        and links of then."""
        actor = require_actor("read_dossier")
        found = queries().teacher_certificates(pin, known_at=args.get("known_at"), actor=actor)
        return {"certificates": found}


@blp.route("/teachers/<pin:pin>/enrolments", parameters=[PIN_PARAMETER])
class TeacherEnrolmentList(MethodView):
    """A teacher's enrolments."""

    @blp.arguments(KnownAtArgs, location="query")
    @blp.read(TeacherEnrolments)
    def get(self, args, pin):
        """Every enrolment of the teacher, newest first, with its status (as of known_at,
        if given)."""
        actor = require_actor("read_dossier")
        found = queries().teacher_enrolments(pin, known_at=args.get("known_at"), actor=actor)
        return {"enrolments": found}


@blp.route("/teachers/<pin:pin>/compliance", parameters=[PIN_PARAMETER])
class Compliance(MethodView):
    """Compliance on a date, as known at a time."""

    @blp.arguments(ComplianceArgs, location="query")
    @blp.read(ComplianceOut)
    def get(self, args, pin):
        """Status, hours, next due date and the certificates that count."""
        actor = require_actor("read_dossier")
        return queries(standing_with_answer=True).compliance(
            pin, as_of=args.get("as_of"), known_at=args.get("known_at"), actor=actor
        )


@blp.route("/teachers/<pin:pin>/history", parameters=[PIN_PARAMETER])
class History(MethodView):
    """Everything recorded about a teacher."""

    @blp.arguments(KnownAtArgs, location="query")
    @blp.read(HistoryOut)
    def get(self, args, pin):
        """Every event about the teacher, their enrolments and certificates, oldest first
        (with known_at: those recorded by then)."""
        actor = require_actor("read_dossier")
        found = queries().teacher_history(pin, known_at=args.get("known_at"), actor=actor)
        return {"events": found}


@blp.route("/teachers/<pin:pin>/transfers", parameters=[PIN_PARAMETER])
class Transfers(MethodView):
    """Moving a teacher to another school."""

    @blp.arguments(TransferIn)
    @blp.write(201, TeacherOut, permission="write_teachers")
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
    @blp.write(200, TeacherOut, permission="write_teachers")
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
    @blp.write(201, TeacherOut, permission="write_teachers")
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
        """A page of the teachers with a status on a date, by place unless sorted
        otherwise, and how many there are (?format=csv or xlsx for the page); with
        known_at, as the registry knew it then (names, places and statuses recorded by
        then)."""
        actor = require_actor("read_dossier")
        as_of = args.get("as_of") or clock.today()
        known_at = args.get("known_at")
        found = queries().due_page(
            status=args["status"],
            as_of=as_of,
            region=args.get("region"),
            district=args.get("district"),
            school=args.get("school"),
            limit=args["limit"],
            offset=args["offset"],
            sort=args.get("sort"),
            known_at=known_at,
            actor=actor,
        )
        if args["format"] != "json":
            stem = f"{args['status']}-{as_of}"
            if known_at:
                stem += f"-known-{known_at:%Y%m%dT%H%M%SZ}"
            return download(found["teachers"], exports.DUE, stem, args["format"])
        return {
            **found,
            "status": args["status"],
            "as_of": as_of,
            "known_at": known_at,
            "limit": args["limit"],
            "offset": args["offset"],
        }
