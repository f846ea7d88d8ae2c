"""Programmes: the list (a registrar sees their provider's) and the registration form."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.pages import access
from web.pages.forms_base import run_command
from web.pages.forms_training import ProgrammeForm
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
