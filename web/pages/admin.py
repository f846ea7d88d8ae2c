"""Administration: compliance policy versions and accounts (admin; auditors read the policy)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _

from registry.projections import deadletters
from registry.queries.readiness import readiness
from web.pages import access
from web.pages.forms_base import run_command
from web.pages.forms_people import AccountForm, PolicyForm
from web.services import services

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/policy", methods=["GET", "POST"])
@access.permission_required("read_catalogue")
def policies():
    """The policy versions in force over time, and (admin) the form to adopt a new one."""
    actor = access.current_actor()
    form = PolicyForm() if access.may("adopt_policy") else None
    if form is not None and form.validate_on_submit():
        args = form.command_args("effective_from", "window_years", "required_hours")
        if run_command(
            form,
            lambda: services().registry.adopt_policy(actor, **args),
            _("The new policy version was adopted."),
        ):
            return redirect(url_for("admin.policies"), 303)
    return render_template(
        "admin/policies.html", policies=services().queries.policies(), form=form
    ), form.status if form else 200


@bp.route("/accounts", methods=["GET", "POST"])
@access.permission_required("manage_accounts")
def accounts():
    """Create an account; its API token is shown once."""
    form = AccountForm(services().queries.providers())
    token = None
    if form.validate_on_submit():
        args = form.command_args("name", "role", "provider_code", "region", "password")
        try_result: list = []

        def create():
            result, secret = services().registry.create_account(access.current_actor(), **args)
            try_result.append(secret)
            return result

        if run_command(form, create, _("The account %(name)s was created.", name=args["name"])):
            token = try_result[0]
            form = AccountForm(services().queries.providers(), formdata=None)
    return render_template("admin/accounts.html", form=form, token=token), form.status


@bp.get("/views")
@access.permission_required("read_operations")
def views():
    """How far each view has got, and the events the views set aside (dead letters)."""
    registry = services().registry
    return render_template(
        "admin/views.html",
        readiness=readiness(registry),
        letters=deadletters.listed(registry.db, registry.name, limit=500),
    )
