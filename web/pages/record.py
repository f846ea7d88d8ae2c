"""Registrar forms about teachers and their enrolments (admin and registrars)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from registry.domain.errors import ForbiddenError, RegistryError
from web.errors import status_of
from web.pages import access
from web.pages.forms_base import PageForm, options, run_command
from web.pages.forms_people import CorrectionForm, DepartureForm, TeacherForm, TransferForm
from web.pages.forms_training import AssessmentForm, EnrolmentForm, WithdrawalForm
from web.pages.labels import programme_detail, programme_label
from web.pages.messages import error_message
from web.pages.teachers import visible_teacher
from web.services import services

bp = Blueprint("record", __name__, url_prefix="/record")


def show(form: PageForm, title: str, **context: Any):
    """Render a form page with the status its last submission earned."""
    return render_template("forms/form.html", form=form, title=title, **context), form.status


def teacher_subject(teacher: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (_("Teacher"), teacher["full_name"]),
        (_("PIN"), teacher["pin"]),
        (_("School"), teacher["school"]),
    ]


@bp.route("/")
@access.permission_required("write_teachers")
def index():
    """What a registrar (or admin) can record."""
    return render_template("forms/index.html")


@bp.route("/teachers/new", methods=["GET", "POST"])
@access.permission_required("write_teachers")
def register_teacher():
    """Register a teacher."""
    form = TeacherForm()
    if form.validate_on_submit():
        details = form.command_args(
            "pin",
            "full_name",
            "region",
            "district",
            "school",
            "subject",
            "position",
            "service_start",
            "email",
            "phone",
        )
        details = {k: v for k, v in details.items() if k not in ("email", "phone") or v}
        if run_command(
            form,
            lambda: services().registry.register_teacher(access.current_actor(), details),
            _("The teacher was registered."),
        ):
            return redirect(url_for("teacher_pages.dossier", pin=details["pin"]), 303)
    return show(
        form,
        _("Register a teacher"),
        back_url=url_for("teacher_pages.search"),
    )


def _teacher_form(
    pin: str,
    form: PageForm,
    title: str,
    command: str,
    names: tuple[str, ...],
    done: str,
    **extra: Any,
):
    access.require_actor("write_teachers")
    teacher = visible_teacher(pin)
    if form.validate_on_submit():
        args = form.command_args(*names)
        method = getattr(services().registry, command)
        if run_command(form, lambda: method(access.current_actor(), teacher["pin"], **args), done):
            return redirect(url_for("teacher_pages.dossier", pin=teacher["pin"]), 303)
    return show(
        form,
        title,
        subject=teacher_subject(teacher),
        back_url=url_for("teacher_pages.dossier", pin=teacher["pin"]),
        **extra,
    )


@bp.route("/teachers/<pin>/transfer", methods=["GET", "POST"])
def transfer(pin: str):
    """Move a teacher to another school from a date."""
    return _teacher_form(
        pin,
        TransferForm(),
        _("Transfer to another school"),
        "transfer_teacher",
        ("region", "district", "school", "effective_on"),
        _("The transfer was recorded."),
    )


@bp.route("/teachers/<pin>/departure", methods=["GET", "POST"])
def departure(pin: str):
    """Record that a teacher left service."""
    return _teacher_form(
        pin,
        DepartureForm(),
        _("Record a departure from service"),
        "record_departure",
        ("effective_on", "reason"),
        _("The departure was recorded."),
        danger=True,
    )


@bp.route("/teachers/<pin>/correction", methods=["GET", "POST"])
def correct(pin: str):
    """Correct a teacher's details (a PIN changed by the civil registry included)."""
    access.require_actor("write_teachers")
    teacher = visible_teacher(pin)
    form = CorrectionForm()
    if form.validate_on_submit():
        changes = form.changes()
        reason = (form.reason.data or "").strip() or None
        if run_command(
            form,
            lambda: services().registry.correct_teacher(
                access.current_actor(),
                teacher["pin"],
                changes,
                reason=reason,
                effective_on=form.effective_on.data,
            ),
            _("The correction was recorded."),
        ):
            return redirect(
                url_for("teacher_pages.dossier", pin=changes.get("pin", teacher["pin"])), 303
            )
    return show(
        form,
        _("Correct a teacher's details"),
        subject=teacher_subject(teacher),
        intro=_("Fill in only what is wrong; the old values stay in the history."),
        back_url=url_for("teacher_pages.dossier", pin=teacher["pin"]),
    )


NEWEST_PROGRAMMES = 50  # the programme select before a search: the newest, not all 226


def programme_choices(
    actor: Any, text: str = "", chosen: str | None = None
) -> list[tuple[str, str]]:
    """Programmes the actor may enrol into (a registrar: their provider's), named so that
    programmes of one title differ: the newest 50, or with `text` those it finds, best
    first; `chosen` (a prefilled or submitted programme) is always among them."""
    provider = access.bound_provider(actor)
    queries = services().queries
    if text:
        found = queries.search_programmes(text, provider_code=provider, limit=100)["programmes"]
    else:
        found = queries.programme_list(provider_code=provider, limit=NEWEST_PROGRAMMES)[
            "programmes"
        ]
    if chosen and chosen not in {p["id"] for p in found}:
        try:
            extra = queries.programme(chosen)
        except RegistryError:  # no such programme: the select refuses it as it is
            extra = None
        if extra is not None and provider in (None, extra["provider_code"]):
            found = [extra, *found]
    return [(p["id"], f"{programme_label(p)} ({programme_detail(p)})") for p in found]


@bp.route("/enrolments/new", methods=["GET", "POST"])
@access.permission_required("write_programmes")
def enrol():
    """Enrol a teacher in a programme (PIN and programme may come prefilled). The Find
    button beside the programme search narrows the list without recording anything."""
    actor = access.current_actor()
    chosen = request.form.get("programme_id") or request.args.get("programme") or None
    form = EnrolmentForm(programme_choices(actor, chosen=chosen))
    if request.method == "GET":
        form.pin.data = request.args.get("pin", "")
        form.programme_id.data = request.args.get("programme", "")
    found_note = None
    if request.method == "POST" and request.form.get("find") == "programme_q":
        text = (form.programme_q.data or "").strip()
        try:
            choices = programme_choices(actor, text)
        except RegistryError as error:
            form.programme_q.errors = [error_message(error)]
            form.status = status_of(error)
        else:
            form.programme_id.choices = options([("", _("Choose a programme")), *choices])
            found_note = ngettext(
                "%(num)d programme found", "%(num)d programmes found", len(choices)
            )
    elif form.validate_on_submit():
        pin, programme_id = form.pin.data.strip(), form.programme_id.data
        if run_command(
            form,
            lambda: services().registry.enrol(actor, programme_id, pin),
            _("The teacher was enrolled."),
        ):
            return redirect(url_for("teacher_pages.dossier", pin=pin), 303)
    return show(form, _("Enrol a teacher"), found_note=found_note)


def _enrolment(enrolment_id: str) -> dict[str, Any]:
    """The enrolment as its events stand (for the page's heading), if the actor may read it."""
    try:
        return services().queries.enrolment(enrolment_id, actor=access.current_actor())
    except ForbiddenError:
        abort(403)
    except RegistryError:
        abort(404)


def _enrolment_form(
    enrolment_id: str,
    form: PageForm,
    title: str,
    call: Any,
    done: str,
    permission: str = "write_programmes",
):
    actor = access.require_actor(permission)
    enrolment = _enrolment(enrolment_id)
    access.require_actor(permission, provider=enrolment["provider_code"])
    if form.validate_on_submit():
        result = run_command(form, lambda: call(actor, form), done)
        if result:
            return redirect(_dossier_of(enrolment), 303)
    subject = [(_("Programme"), enrolment["title"]), (_("Provider"), enrolment["provider_code"])]
    return show(form, title, subject=subject, back_url=_dossier_of(enrolment))


def _dossier_of(enrolment: dict[str, Any]) -> str:
    if enrolment["pin"] is None:  # the directory has yet to see the teacher
        return url_for("record.index")
    return url_for("teacher_pages.dossier", pin=enrolment["pin"])


@bp.route("/enrolments/<enrolment_id>/assessment", methods=["GET", "POST"])
def assess(enrolment_id: str):
    """Record an assessment (a failed teacher may be re-assessed)."""

    def call(actor: Any, form: AssessmentForm):
        score = float(form.score.data) if form.score.data is not None else None
        return services().registry.assess(
            actor,
            enrolment_id,
            passed=form.passed.data == "yes",
            score=score,
            assessed_on=form.assessed_on.data,
        )

    return _enrolment_form(
        enrolment_id,
        AssessmentForm(),
        _("Record an assessment"),
        call,
        _("The assessment was recorded."),
    )


@bp.route("/enrolments/<enrolment_id>/withdrawal", methods=["GET", "POST"])
def withdraw(enrolment_id: str):
    """Withdraw a teacher from a programme."""

    def call(actor: Any, form: WithdrawalForm):
        return services().registry.withdraw(
            actor,
            enrolment_id,
            effective_on=form.effective_on.data,
            reason=form.reason.data.strip(),
        )

    return _enrolment_form(
        enrolment_id,
        WithdrawalForm(),
        _("Withdraw from a programme"),
        call,
        _("The withdrawal was recorded."),
    )
