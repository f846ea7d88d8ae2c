"""Public verification of one certificate by its number and verification code."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from registry.domain.errors import NotFoundError, RegistryError
from registry.domain.values import check_certificate_number
from web.services import services

bp = Blueprint("verify", __name__)

MAX_CODE_LENGTH = 64


@bp.route("/verify")
def form():
    """The form to enter a number and code (it submits by GET, so a link can carry both)."""
    number = (request.args.get("number") or "").strip()
    code = (request.args.get("code") or "").strip()
    if number and code:
        return redirect(url_for("verify.certificate", number=number, code=code))
    missing = ("number" in request.args or "code" in request.args) and not (number and code)
    return render_template("verify/form.html", number=number, code=code, missing=missing)


@bp.route("/verify/<path:number>")
def certificate(number: str):
    """What the registry says about a certificate, if the code matches; else nothing."""
    code = (request.args.get("code") or "").strip()
    if not code:
        return render_template("verify/form.html", number=number, code="", missing=False)
    result = None
    try:
        check_certificate_number(number)
        if len(code) <= MAX_CODE_LENGTH:
            result = services().queries.verify(number, code)
    except (NotFoundError, RegistryError):
        result = None
    if result is None:
        # The same answer for an unknown number and a wrong code: nothing is revealed.
        return render_template("verify/form.html", number=number, code=code, mismatch=True), 404
    response = render_template("verify/result.html", certificate=result, code=code)
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
