"""Registrar forms about certificates: issue, paper (legacy), duplicate, revocation."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _

from registry.domain.errors import RegistryError
from registry.domain.values import check_certificate_number
from web.pages import access
from web.pages.forms_base import run_command
from web.pages.forms_training import CertificateForm, LegacyCertificateForm, RevocationForm
from web.pages.record import _enrolment_form, bp, show
from web.services import services


def provider_choices(actor: Any) -> list[tuple[str, str]]:
    """Providers the actor may record for: a registrar's own, or (admin) every active one."""
    providers = services().queries.providers()
    bound = access.bound_provider(actor)
    if bound is not None:
        providers = [p for p in providers if p["code"] == bound]
    return [(p["code"], f"{p['code']} — {p['name']}") for p in providers if not p.get("suspended")]


@bp.route("/enrolments/<enrolment_id>/certificate", methods=["GET", "POST"])
def certify(enrolment_id: str):
    """Issue the certificate of an enrolment whose assessment passed."""

    def call(actor: Any, form: CertificateForm):
        return services().registry.issue_certificate(
            actor, enrolment_id, number=form.number.data.strip(), issued_on=form.issued_on.data
        )

    return _enrolment_form(
        enrolment_id,
        CertificateForm(),
        _("Issue a certificate"),
        call,
        _("The certificate was issued."),
        "write_certificates",
    )


@bp.route("/certificates/legacy", methods=["GET", "POST"])
@access.permission_required("write_certificates")
def legacy_certificate():
    """Record a paper certificate issued before the registry existed."""
    actor = access.current_actor()
    form = LegacyCertificateForm(provider_choices(actor))
    if request.method == "GET":
        form.pin.data = request.args.get("pin", "")
    if form.validate_on_submit():
        args = form.command_args(
            "pin", "number", "provider_code", "title", "form", "hours", "issued_on"
        )
        if run_command(
            form,
            lambda: services().registry.record_legacy_certificate(actor, **args),
            _("The paper certificate was recorded."),
        ):
            return redirect(url_for("teacher_pages.dossier", pin=args["pin"]), 303)
    return show(
        form,
        _("Record a paper certificate"),
        intro=_("For certificates issued on paper before the registry existed."),
    )


def _certificate(number: str) -> dict[str, Any]:
    actor = access.require_actor("write_certificates")
    try:
        check_certificate_number(number)
        record = services().queries.certificate(number, actor=actor)
    except RegistryError:
        abort(404)
    access.require_actor("write_certificates", provider=record.get("provider_code"))
    return record


def _certificate_subject(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (_("Certificate"), record["number"]),
        (_("Teacher"), record.get("full_name") or ""),
        (_("Programme"), record.get("title") or ""),
    ]


@bp.route("/certificates/<path:number>/revocation", methods=["GET", "POST"])
def revoke(number: str):
    """Revoke a certificate (its duplicates go with it)."""
    record = _certificate(number)
    form = RevocationForm()
    if form.validate_on_submit():
        reason = form.reason.data.strip()
        if run_command(
            form,
            lambda: services().registry.revoke_certificate(
                access.current_actor(), record["number"], reason=reason
            ),
            _("The certificate was revoked."),
        ):
            return redirect(url_for("teacher_pages.certificate", number=record["number"]), 303)
    return show(
        form,
        _("Revoke a certificate"),
        subject=_certificate_subject(record),
        intro=_(
            "A revoked certificate stops counting. Its enrolment may then be "
            "certified again under a new number."
        ),
        danger=True,
        submit=_("Revoke"),
        back_url=url_for("teacher_pages.certificate", number=record["number"]),
    )


@bp.route("/certificates/<path:number>/duplicate", methods=["GET", "POST"])
def duplicate(number: str):
    """Replace a lost original with a duplicate under a new number."""
    record = _certificate(number)
    form = CertificateForm()
    if form.validate_on_submit():
        new_number = form.number.data.strip()
        if run_command(
            form,
            lambda: services().registry.issue_duplicate(
                access.current_actor(),
                record["number"],
                number=new_number,
                issued_on=form.issued_on.data,
            ),
            _("The duplicate was issued."),
        ):
            return redirect(url_for("teacher_pages.certificate", number=new_number), 303)
    return show(
        form,
        _("Issue a duplicate"),
        subject=_certificate_subject(record),
        intro=_(
            "The duplicate gets its own number, points to the original and adds no "
            "hours of its own."
        ),
        back_url=url_for("teacher_pages.certificate", number=record["number"]),
    )
