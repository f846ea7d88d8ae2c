"""Teacher search, the teacher's dossier and a certificate's page (signed-in readers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.domain.errors import NotFoundError, RegistryError
from registry.domain.values import check_certificate_number, check_pin
from web import exports
from web.downloads import download
from web.errors import status_of
from web.pages import access
from web.pages.labels import region_choices
from web.pages.listing import every_row
from web.pages.messages import error_message
from web.pages.params import (
    MAX_PAGE,
    QueryArgs,
    last_page,
    local_input,
    moment_text,
    page_numbers,
    today,
)
from web.pages.timeline import describe
from web.services import services

bp = Blueprint("teacher_pages", __name__)

PAGE_SIZE = 25
EXPORT_CHUNK = 1000  # rows a search's download reads at a time (a search's largest page)
SUGGESTIONS = 8  # a typeahead's list
# Bookkeeping events that say nothing to a reader of the dossier (the audit log shows them).
HIDDEN_FROM_TIMELINE = {"PinIndex.Created"}


def visible_teacher(pin: str) -> dict[str, Any]:
    """The teacher, if the actor may see them (a bound commission sees its region only)."""
    actor = access.require_actor("read_dossier")
    try:
        check_pin(pin)
        return services().queries.teacher(pin, actor=actor)
    except RegistryError:
        abort(404)


@bp.route("/teachers")
@access.permission_required("read_dossier")
def search():
    """Find teachers by name, school or PIN (case, Kyrgyz letters and script make no
    difference), optionally in one region: the total, a page and the page numbers."""
    actor = access.current_actor()
    args = QueryArgs()
    text = (request.args.get("q") or "").strip()
    region = access.bound_region(actor) or request.args.get("region") or None
    page = max(1, args.integer("page", 1, minimum=1, maximum=MAX_PAGE))
    found: dict[str, Any] = {"total": 0, "teachers": []}
    searched, refused, status = bool(text or region), None, 200
    if searched:
        try:
            found = services().queries.search_teachers(
                text, region=region, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, actor=actor
            )
        except RegistryError as error:  # too short or too long to search by
            refused, status = error_message(error), status_of(error)
    last = last_page(found["total"], PAGE_SIZE)
    return render_template(
        "teachers/search.html",
        q=text,
        region=region,
        regions=region_choices(_("All regions")),
        searched=searched and refused is None,
        refused=refused,
        results=found["teachers"],
        total=found["total"],
        page=page,
        last=last,
        pages=page_numbers(page, last),
        errors=args.errors,
        region_fixed=access.bound_region(actor) is not None,
    ), status if refused else (400 if args.errors else 200)


@bp.route("/teachers.<any(csv, xlsx):fmt>")
@access.permission_required("read_dossier")
def search_export(fmt: str):
    """Every teacher a search finds (its words, its region), best match first, as CSV or
    .xlsx: streamed a chunk at a time as it is sent. A search the page refuses (one
    letter, over 200 characters) is refused here too, saying why."""
    actor = access.current_actor()
    text = (request.args.get("q") or "").strip()
    region = access.bound_region(actor) or request.args.get("region") or None
    queries = services().queries

    def read(limit: int, offset: int) -> dict[str, Any]:
        return queries.search_teachers(text, region=region, limit=limit, offset=offset, actor=actor)

    try:
        first = read(EXPORT_CHUNK, 0)  # a refusal is said before the download starts
    except RegistryError as error:
        abort(status_of(error), description=error_message(error))
    rows = every_row(
        lambda limit, offset: first if offset == 0 else read(limit, offset),
        "teachers",
        chunk=EXPORT_CHUNK,
    )
    stem = "teachers" + (f"-{region}" if region else "")
    return download(rows, exports.TEACHERS, stem, fmt)


@bp.route("/teachers/suggestions")
@access.permission_required("read_dossier")
def suggestions():
    """Teachers for a typeahead picker (web/static/picker.js): JSON {total, items}, each
    item {value: the PIN, label, detail}; a query too short to search gives no items."""
    actor = access.current_actor()
    try:
        found = services().queries.search_teachers(
            request.args.get("q", ""),
            region=access.bound_region(actor),
            limit=SUGGESTIONS,
            actor=actor,
        )
    except RegistryError:
        return jsonify({"total": 0, "items": []})
    return jsonify(
        {
            "total": found["total"],
            "items": [
                {
                    "value": t["pin"],
                    "label": t["full_name"],
                    "detail": f"{t['pin']} · {t['school']}",
                }
                for t in found["teachers"]
            ],
        }
    )


@bp.route("/teachers/<pin>")
def dossier(pin: str):
    """Everything about one teacher: profile, compliance, certificates, enrolments and
    timeline, as known now or (for auditors) as the registry knew them at a moment."""
    teacher = visible_teacher(pin)
    actor = access.current_actor()
    args = QueryArgs()
    as_of = args.date("as_of", today())
    time_travel = access.may("audit")
    known_at = args.known_at() if time_travel else None
    queries = services().queries
    if known_at is None:
        pin = teacher["pin"]  # an old PIN finds the teacher; pages use the current one
    try:
        parts = queries.dossier(pin, as_of=as_of, known_at=known_at, history=True, actor=actor)
    except NotFoundError:
        if known_at is None:
            raise
        # The PIN pointed to nobody then (the teacher, whom the reader may see now, was
        # registered later or had another PIN): say so, and offer now and earlier PINs.
        return render_template(
            "teachers/unknown_then.html",
            teacher=teacher,
            pin=pin,
            as_of=as_of,
            known_at_moment=known_at,
            known_at_exact=moment_text(known_at),
        ), 404
    compliance = parts["compliance"]
    counting = {c["number"]: c.get("counts") for c in compliance.get("certificates", [])}
    return render_template(
        "teachers/dossier.html",
        teacher=parts["teacher"],
        now_pin=teacher["pin"],
        contacts=queries.teacher_contacts(pin, known_at=known_at, actor=actor),
        compliance=compliance,
        counting=counting,
        certificates=parts["certificates"],
        enrolments=parts["enrolments"],
        history=[
            dict(fact, summary=describe(fact))
            for fact in parts["history"]
            if fact["type"] not in HIDDEN_FROM_TIMELINE
        ],
        as_of=as_of,
        known_at=local_input(known_at),
        known_at_moment=known_at,
        known_at_exact=moment_text(known_at),
        today=today(),
        errors=args.errors,
        can_write=access.may("write_teachers") and known_at is None,
        can_time_travel=time_travel,
    ), 400 if args.errors else 200


@bp.route("/certificates/<path:number>")
def certificate(number: str):
    """A certificate's full record, with its status, links and the actions allowed (for
    auditors also as the registry knew it at a moment)."""
    actor = access.require_actor("read_dossier")
    args = QueryArgs()
    known_at = args.known_at() if access.may("audit") else None
    try:
        check_certificate_number(number)
        record = services().queries.certificate(number, known_at=known_at, actor=actor)
    except RegistryError:  # unknown (then), or a teacher's the actor may not see
        if known_at is None:
            abort(404)
        return render_template(
            "teachers/unknown_then.html",
            number=number,
            known_at_moment=known_at,
            known_at_exact=moment_text(known_at),
        ), 404
    may_change = known_at is None and access.may(
        "write_certificates", provider=record.get("provider_code")
    )
    return render_template(
        "teachers/certificate.html",
        certificate=record,
        may_change=may_change,
        errors=args.errors,
        known_at_moment=known_at,
        known_at_exact=moment_text(known_at),
    ), 400 if args.errors else 200


@bp.route("/certificates")
def find_certificate():
    """Open a certificate by its number (from a search box)."""
    access.require_actor("read_dossier")
    number = (request.args.get("number") or "").strip()
    if not number:
        return redirect(url_for("teacher_pages.search"))
    return redirect(url_for("teacher_pages.certificate", number=number))
