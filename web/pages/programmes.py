"""Programmes: the list (a registrar sees their provider's) and the registration form."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.domain.errors import RegistryError
from web.pages import access
from web.pages.forms_base import run_command
from web.pages.forms_training import ProgrammeForm
from web.pages.labels import programme_detail, programme_label
from web.pages.record import show
from web.pages.record_certificates import provider_choices
from web.services import services

bp = Blueprint("programme_pages", __name__, url_prefix="/programmes")


@bp.route("/")
@access.permission_required("read_catalogue")
def index():
    """Programmes, newest first; a registrar sees their own provider's only."""
    actor = access.current_actor()
    provider = access.bound_provider(actor) or request.args.get("provider") or None
    programmes = sorted(
        services().queries.programmes(provider), key=lambda p: str(p.get("starts_on")), reverse=True
    )
    return render_template(
        "providers/programmes.html",
        programmes=programmes,
        provider=provider,
        can_write=access.may("write_programmes"),
    )


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
