"""Signing in with a name and password (a session cookie) and signing out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField

from registry.domain.errors import NotAuthenticatedError
from web.pages import access
from web.pages.forms_base import PageForm, at_most, required
from web.services import services

bp = Blueprint("signin", __name__)


class SignInForm(PageForm):
    """Name and password of an account."""

    name = StringField(
        _l("Account name"),
        validators=[required(), at_most(100)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[required(), at_most(200)],
        render_kw={"autocomplete": "current-password"},
    )


class SignOutForm(PageForm):
    """Only the CSRF token: signing out is a POST so another site cannot force it."""


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for("home.index")


@bp.route("/sign-in", methods=["GET", "POST"])
def form():
    """The sign-in page; a wrong name or password says so without saying which."""
    sign_in_form = SignInForm()
    status = 200
    if sign_in_form.validate_on_submit():
        try:
            account = services().registry.authenticate_password(
                sign_in_form.name.data.strip(), sign_in_form.password.data
            )
        except NotAuthenticatedError:
            flash(_("Unknown account name or wrong password."), "error")
            status = 401
        else:
            access.sign_in(account)
            flash(_("Signed in as %(name)s.", name=account.name), "success")
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = sign_in_form.status
    return render_template("auth/sign_in.html", form=sign_in_form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """End the session (a POST with a CSRF token)."""
    if not SignOutForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("home.index")), 303
    access.sign_out()
    flash(_("Signed out."), "success")
    return redirect(url_for("home.index")), 303
