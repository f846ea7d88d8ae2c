"""Programmes: the list (paged, searchable by words, provider, form and year, sortable by
its columns, downloadable; a registrar sees their provider's) and the registration form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.domain.errors import NotFoundError, RegistryError
from registry.queries.providers import PROGRAMME_SORTS
from web import exports
from web.downloads import download
from web.errors import status_of
from web.pages import access
from web.pages.forms_base import run_command
from web.pages.forms_training import PlacesForm, ProgrammeForm
from web.pages.labels import choices, programme_detail, programme_label
from web.pages.listing import Listing, choice_arg, every_row
from web.pages.messages import error_message
from web.pages.params import QueryArgs
from web.pages.record import show
from web.pages.record_certificates import provider_choices
from web.services import services

bp = Blueprint("programme_pages", __name__, url_prefix="/programmes")

PAGE_SIZE = 25


def _filters(args: QueryArgs) -> dict[str, Any]:
    """The list's filters from the query (a registrar's provider is always their own)."""
    actor = access.current_actor()
    form = request.args.get("form") or None
    if form is not None and form not in dict(choices("form")):
        args.errors.append(_("“%(value)s” is not one of the choices.", value=form[:40]))
        form = None
    year = args.integer("year", 0, minimum=1900, maximum=2999) or None
    return {
        "q": (request.args.get("q") or "").strip()[:200],
        "provider": access.bound_provider(actor) or request.args.get("provider") or None,
        "form": form,
        "year": year,
    }


def _reader(filters: dict[str, Any], sort: str | None):
    """`read(limit, offset)`: a page of the filtered list (usable after the request, as a
    streamed download reads on)."""
    queries, actor = services().queries, access.current_actor()

    def read(limit: int, offset: int) -> dict[str, Any]:
        return queries.programme_list(
            text=filters["q"] or None,
            provider_code=filters["provider"],
            form=filters["form"],
            year=filters["year"],
            sort=sort,
            limit=limit,
            offset=offset,
            actor=actor,
        )

    return read


@bp.route("/")
@access.permission_required("read_catalogue")
def index():
    """A page of programmes (newest first, or the best matches for typed words) with how
    many match; filters, sortable columns, page numbers and downloads."""
    args = QueryArgs()
    filters = _filters(args)
    listing = Listing(
        args,
        "programme_pages.index",
        PROGRAMME_SORTS,
        size=PAGE_SIZE,
        params=filters,
        ranked=bool(filters["q"]),
    )
    refused, status = None, 200
    try:
        listing.show(_reader(filters, listing.asked)(PAGE_SIZE, listing.offset), "programmes")
    except NotFoundError:  # a provider code that names none: an empty list, said so
        refused, status = _("No provider %(code)s.", code=filters["provider"][:40]), 404
    except RegistryError as error:  # words too short to search by
        refused, status = error_message(error), status_of(error)
    return render_template(
        "providers/programmes.html",
        list=listing,
        filters=filters,
        refused=refused,
        errors=args.errors,
        provider_fixed=access.bound_provider(access.current_actor()) is not None,
        providers=[(p["code"], p["code"]) for p in services().queries.providers()],
        forms=choices("form"),
        can_write=access.may("write_programmes"),
    ), 400 if args.errors else status


@bp.route("/export.<any(csv, xlsx):fmt>")
@access.permission_required("read_catalogue")
def export(fmt: str):
    """Every programme the list's filters find, in its order, as CSV or .xlsx (streamed)."""
    args = QueryArgs()
    filters = _filters(args)
    sort = choice_arg(args, "sort", PROGRAMME_SORTS.choices)
    if args.errors:
        abort(400, description="; ".join(args.errors))
    read = _reader(filters, sort)
    try:  # one row now: a bad filter is an error page, not a download broken midway
        read(1, 0)
    except RegistryError as error:
        abort(status_of(error), description=error_message(error))
    return download(every_row(read, "programmes"), exports.PROGRAMMES, "programmes", fmt)


@bp.route("/suggestions")
@access.permission_required("read_catalogue")
def suggestions():
    """Programmes for a typeahead picker (web/static/picker.js): JSON {total, items}, each
    {value: the id, label, detail}; a registrar's own provider's only."""
    provider = access.bound_provider(access.current_actor())
    try:
        found = services().queries.search_programmes(
            request.args.get("q", ""), provider_code=provider, limit=8
        )
    except RegistryError:  # too short or too long to search by
        return jsonify({"total": 0, "items": []})
    return jsonify(
        {
            "total": found["total"],
            "items": [
                {"value": p["id"], "label": programme_label(p), "detail": programme_detail(p)}
                for p in found["programmes"]
            ],
        }
    )


@bp.route("/new", methods=["GET", "POST"])
@access.permission_required("write_programmes")
def new():
    """Register a programme (a course: at least 72 hours and an assessment)."""
    actor = access.current_actor()
    form = ProgrammeForm(provider_choices(actor))
    if form.validate_on_submit():
        details = form.command_args(*ProgrammeForm.FIELDS)
        if run_command(
            form,
            lambda: services().registry.register_programme(actor, details),
            _("The programme was registered."),
        ):
            return redirect(url_for("programme_pages.index"), 303)
    return show(form, _("Register a programme"), back_url=url_for("programme_pages.index"))


@bp.route("/<programme_id>/places", methods=["GET", "POST"])
@access.permission_required("write_programmes")
def places(programme_id: str):
    """Change a programme's places (an admin, or a registrar of its provider)."""
    try:
        programme = services().queries.programme(programme_id)
    except NotFoundError:
        abort(404)
    actor = access.require_actor("write_programmes", provider=programme["provider_code"])
    form = PlacesForm(data={"capacity": programme.get("capacity")})
    if form.validate_on_submit():
        capacity = form.capacity.data
        if run_command(
            form,
            lambda: services().registry.change_programme(
                actor, programme_id, {"capacity": capacity}
            ),
            _("The places were recorded."),
        ):
            return redirect(url_for("programme_pages.index"), 303)
    return show(
        form,
        _("Places of a programme"),
        subject=[
            (_("Provider"), programme["provider_code"]),
            (_("Programme code"), programme["code"]),
            (_("Title"), programme["title"]),
        ],
        back_url=url_for("programme_pages.index"),
    )
