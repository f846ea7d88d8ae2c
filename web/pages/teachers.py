"""Teacher search, the teacher's dossier and a certificate's page (signed-in readers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.domain.errors import NotFoundError, RegistryError
from registry.domain.values import check_certificate_number, check_pin
from web.pages import access
from web.pages.labels import region_choices
from web.pages.params import MAX_PAGE, QueryArgs, local_input, today
from web.pages.timeline import describe
from web.services import services

bp = Blueprint("teacher_pages", __name__)

PAGE_SIZE = 25
# Bookkeeping events that say nothing to a reader of the dossier (the audit log shows them).
HIDDEN_FROM_TIMELINE = {"PinIndex.Created"}


def visible_teacher(pin: str) -> dict[str, Any]:
    """The teacher, if the actor may see them (a bound commission sees its region only)."""
    actor = access.require_actor(*access.READ_TEACHERS)
    try:
        check_pin(pin)
        teacher = services().queries.teacher(pin)
    except RegistryError:
        abort(404)
    if actor.role == "commission" and actor.region and teacher["region"] != actor.region:
        abort(404)
    return teacher


@bp.route("/teachers")
@access.roles_required(*access.READ_TEACHERS)
def search():
    """Find teachers by name, PIN or school, optionally in one region."""
    actor = access.current_actor()
    args = QueryArgs()
    text = (request.args.get("q") or "").strip()[:100]
    region = request.args.get("region") or None
    if actor.role == "commission" and actor.region:
        region = actor.region
    page = max(1, args.integer("page", 1, minimum=1, maximum=MAX_PAGE))
    results: list[dict[str, Any]] = []
    searched = bool(text or region)
    if searched:
        results = services().queries.search_teachers(
            text, region=region, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("teachers/search.html", q=text, region=region,
                           regions=region_choices(_("All regions")), searched=searched,
                           results=results[:PAGE_SIZE], more=len(results) > PAGE_SIZE,
                           page=page, errors=args.errors,
                           region_fixed=actor.role == "commission" and bool(actor.region))


@bp.route("/teachers/<pin>")
def dossier(pin: str):
    """Everything about one teacher: profile, compliance, certificates, enrolments, timeline."""
    teacher = visible_teacher(pin)
    actor = access.current_actor()
    args = QueryArgs()
    as_of = args.date("as_of", today())
    known_at = args.moment("known_at") if actor.role == "auditor" else None
    queries = services().queries
    pin = teacher["pin"]  # an old PIN finds the teacher; pages use the current one
    compliance = queries.compliance(pin, as_of=as_of, known_at=known_at)
    counting = {c["number"]: c.get("counts") for c in compliance.get("certificates", [])}
    history = queries.teacher_history(pin)
    return render_template(
        "teachers/dossier.html", teacher=teacher, compliance=compliance, counting=counting,
        certificates=queries.teacher_certificates(pin),
        enrolments=queries.teacher_enrolments(pin),
        history=[dict(fact, summary=describe(fact)) for fact in history
                 if fact["type"] not in HIDDEN_FROM_TIMELINE],
        as_of=as_of, known_at=local_input(known_at), today=today(), errors=args.errors,
        can_write=actor.role in access.WRITE, can_time_travel=actor.role == "auditor"), \
        400 if args.errors else 200


@bp.route("/certificates/<path:number>")
def certificate(number: str):
    """A certificate's full record, with its status, links and the actions allowed."""
    actor = access.require_actor(*access.READ_TEACHERS)
    try:
        check_certificate_number(number)
        record = services().queries.certificate(number)
    except NotFoundError:
        abort(404)
    except RegistryError:
        abort(404)
    if actor.role == "commission" and actor.region:
        visible_teacher(record["pin"])
    may_change = actor.role == "admin" or (
        actor.role == "registrar" and actor.provider_code == record.get("provider_code"))
    return render_template("teachers/certificate.html", certificate=record,
                           may_change=may_change)


@bp.route("/certificates")
def find_certificate():
    """Open a certificate by its number (from a search box)."""
    access.require_actor(*access.READ_TEACHERS)
    number = (request.args.get("number") or "").strip()
    if not number:
        return redirect(url_for("teacher_pages.search"))
    return redirect(url_for("teacher_pages.certificate", number=number))


DUE_STATUSES = ("overdue", "due_soon", "grace")


@bp.route("/teachers/due")
@access.roles_required(*access.READ_TEACHERS)
def due():
    """Teachers who are overdue, due soon or in their grace period, by place, on a date."""
    actor = access.current_actor()
    args = QueryArgs()
    status = args.choice("status", DUE_STATUSES, "overdue")
    as_of = args.date("as_of", today())
    region = request.args.get("region") or None
    if actor.role == "commission" and actor.region:
        region = actor.region
    page = max(1, args.integer("page", 1, minimum=1, maximum=MAX_PAGE))
    rows = services().queries.due_list(status=status, as_of=as_of, region=region,
                                       limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("teachers/due.html", rows=rows[:PAGE_SIZE],
                           more=len(rows) > PAGE_SIZE, page=page, status=status, as_of=as_of,
                           region=region, statuses=DUE_STATUSES, errors=args.errors,
                           regions=region_choices(_("All regions")),
                           region_fixed=actor.role == "commission" and bool(actor.region)), \
        400 if args.errors else 200
