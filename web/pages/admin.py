"""Administration: compliance policy versions and accounts (admin; auditors read the policy)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.projections import deadletters
from registry.queries.readiness import outbox_backlog, readiness
from registry.reminders import mail
from web.pages import access
from web.pages.forms_base import PageForm, run_command
from web.pages.forms_people import AccountForm, PolicyForm
from web.services import services

if TYPE_CHECKING:
    from registry.access import Actor
    from registry.storage import Database

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


REMINDER_KINDS = {
    "due_in_180_days": _l("180 days before the due date (teacher)"),
    "due_in_60_days": _l("60 days before the due date (teacher)"),
    "overdue": _l("Overdue (teacher)"),
    "overdue_30_days": _l("Overdue 30 days (school head)"),
    "overdue_90_days": _l("Overdue 90 days (district department)"),
}


class StuckLetterForm(PageForm):
    """The buttons that put a stuck letter back in the outbox or set it aside (the form
    holds the CSRF token)."""


@bp.get("/outbox")
@access.permission_required("manage_outbox")
def outbox():
    """The reminders' outbox: how many letters in each state, and those stuck (failed after
    every retry, or cut off mid-send) with their last error, each to try again."""
    registry = services().registry
    return render_template(
        "admin/outbox.html",
        backlog=outbox_backlog(registry.db),
        rows=mail.stuck(registry.db, access.current_actor()),
        form=StuckLetterForm(),
        max_attempts=mail.MAX_ATTEMPTS,
        kinds=REMINDER_KINDS,
    )


@bp.post("/outbox/<row_id>/retry")
@access.permission_required("manage_outbox")
def outbox_retry(row_id: str):
    """Try a stuck letter again at the next delivery (at most once more per request)."""
    return _change_stuck_letter(
        lambda db, actor: mail.retry(db, actor, row_id, datetime.now(UTC)),
        _("The letter will be tried again at the next delivery."),
    )


@bp.post("/outbox/<row_id>/set-aside")
@access.permission_required("manage_outbox")
def outbox_set_aside(row_id: str):
    """Let a stuck letter go unsent (it is kept, marked set aside)."""
    return _change_stuck_letter(
        lambda db, actor: mail.set_aside(db, actor, row_id),
        _("The letter is set aside: it will not be sent."),
    )


def _change_stuck_letter(change: Callable[[Database, Actor], bool], done: str):
    """Check the form's CSRF token, make the change, say whether it was made."""
    form = StuckLetterForm()
    if not form.validate_on_submit():  # a missing or stale CSRF token: nothing changes
        abort(400, description=_("The form has expired; reload the page and try again."))
    if change(services().registry.db, access.current_actor()):
        flash(done, "success")
    else:
        flash(_("This letter is no longer stuck: nothing was changed."), "info")
    return redirect(url_for("admin.outbox"), 303)
