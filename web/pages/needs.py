"""Training needs: the unmet ones by region for providers and the ministry (and every
need, by status), the form a school's or a district's need is recorded with, and the one
it is withdrawn with (answered otherwise, or recorded in error)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange

from registry import access as rules
from registry.domain.errors import NotFoundError
from registry.domain.need import MAX_TEACHERS, check_month
from registry.queries.needs import STATUSES
from web import exports
from web.downloads import download as send
from web.pages import access
from web.pages.forms_base import PageForm, Rule, at_most, optional, options, required, run_command
from web.pages.labels import district_name, region_choices, region_name
from web.pages.params import QueryArgs
from web.pages.reference import check_listed_district, district_picker, fill_pickers
from web.services import services

bp = Blueprint("need_pages", __name__, url_prefix="/needs")

STATUS_LABELS = {
    "unmet": _l("No programme"),
    "short": _l("Too few places"),
    "met": _l("Answered"),
    "withdrawn": _l("Need withdrawn"),
}


class NeedForm(PageForm):
    """A school's (or a district's, with no school) need for a course."""

    relations = ((("region", "district"), check_listed_district),)

    region = SelectField(_l("Region"), validators=[required()])
    district = district_picker(required())
    school = StringField(
        _l("School"),
        validators=[optional(), at_most("school")],
        description=_l("Leave blank for a need of the whole district."),
    )
    subject = StringField(_l("Subject"), validators=[required(), at_most("subject")])
    topic = StringField(_l("Topic"), validators=[required(), at_most("topic")])
    teachers = IntegerField(
        _l("Number of teachers"),
        validators=[
            required(),
            NumberRange(1, MAX_TEACHERS, message=_l("Number must be between %(min)s and %(max)s.")),
        ],
    )
    period_from = StringField(
        _l("Wanted from (month)"),
        validators=[required(), Rule(lambda v: check_month(v, "period_from"))],
        description=_l("YYYY-MM, such as 2027-03."),
        render_kw={"type": "month", "placeholder": "2027-03"},
    )
    period_to = StringField(
        _l("Wanted until (month)"),
        validators=[required(), Rule(lambda v: check_month(v, "period_to"))],
        description=_l("YYYY-MM; at most five years after the start."),
        render_kw={"type": "month", "placeholder": "2027-06"},
    )

    FIELDS = (
        "region",
        "district",
        "school",
        "subject",
        "topic",
        "teachers",
        "period_from",
        "period_to",
    )

    def __init__(self, bound: str | None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        regions = region_choices(str(_l("Choose a region")))
        if bound is not None:  # a commission of a region records its own region's needs
            regions = [(code, name) for code, name in regions if code == bound]
        self.region.choices = options(regions)
        fill_pickers(self, str(_l("Choose…")))


class WithdrawalForm(PageForm):
    """Withdraw a need."""

    reason = TextAreaField(
        _l("Reason for the withdrawal"),
        validators=[required(), at_most("reason")],
        description=_l("Such as: answered by a district seminar, or recorded in error."),
        render_kw={"rows": 3},
    )


def _may_withdraw(need: dict[str, Any]) -> bool:
    """Whether the signed-in account may withdraw this need (it records needs, of this
    need's region if bound to one)."""
    bound = rules.bound_region(access.current_actor())
    return (
        access.may("record_needs")
        and not need["withdrawn"]
        and (bound is None or bound == need["region"])
    )


@bp.get("/")
@access.permission_required("read_needs")
def index():
    """The needs no programme answers (or answers with too few places), by region; with
    ?status=met or all, the others too."""
    args = QueryArgs()
    shown = request.args.get("status") or "unmet"
    if shown not in (*STATUSES, "all"):
        args.errors.append(_("“%(value)s” is not one of the choices.", value=shown[:40]))
        shown = "unmet"
    region = (request.args.get("region") or "").strip() or None
    if region is not None and region not in dict(region_choices()):
        args.errors.append(_("“%(value)s” is not one of the choices.", value=region[:40]))
        region = None
    queries, actor = services().queries, access.current_actor()
    every = queries.training_needs(region=region, actor=actor)
    if shown == "withdrawn":
        needs = queries.training_needs(region=region, status="withdrawn", actor=actor)
    elif shown == "unmet":
        needs = [n for n in every if n["status"] in ("unmet", "short")]
    elif shown == "all":
        needs = every
    else:
        needs = [n for n in every if n["status"] == shown]
    by_region: dict[str, list[dict[str, Any]]] = {}
    for need in needs:
        by_region.setdefault(need["region"], []).append(need)
    counts = Counter(n["status"] for n in every)
    teachers = Counter()
    for n in every:
        if n["status"] != "met":
            teachers[n["region"]] += n["teachers"]
    return render_template(
        "needs/index.html",
        by_region=sorted(by_region.items(), key=lambda item: region_name(item[0])),
        shown=shown,
        region=region,
        regions=region_choices(),
        counts=counts,
        waiting=sum(teachers.values()),
        status_labels=STATUS_LABELS,
        can_record=access.may("record_needs"),
        may_withdraw=_may_withdraw,
        errors=args.errors,
    ), 400 if args.errors else 200


@bp.get("/needs.<any(csv, xlsx):fmt>")
@access.permission_required("read_needs")
def download(fmt: str):
    """Every need (of a region) with its status and places, as CSV or .xlsx."""
    region = (request.args.get("region") or "").strip() or None
    if region is not None and region not in dict(region_choices()):
        abort(400, description=_("“%(value)s” is not one of the choices.", value=region[:40]))
    found = services().queries.training_needs(region=region, actor=access.current_actor())
    return send(found, exports.NEEDS, "training-needs", fmt)


@bp.route("/new", methods=["GET", "POST"])
@access.permission_required("record_needs")
def new():
    """Record a school's or a district's need for a course."""
    actor = access.current_actor()
    form = NeedForm(rules.bound_region(actor))
    if form.validate_on_submit():
        details = form.command_args(*NeedForm.FIELDS)
        if run_command(
            form,
            lambda: services().registry.record_need(actor, details),
            _("The need was recorded."),
        ):
            return redirect(url_for("need_pages.index", status="all"), 303)
    return render_template(
        "forms/form.html",
        form=form,
        title=_("Record a training need"),
        intro=_(
            "A school's or a district's need for a course; it is matched to the programmes of its subject starting in the months it is wanted in."
        ),
        back_url=url_for("need_pages.index"),
    ), form.status


@bp.route("/<need_id>/withdraw", methods=["GET", "POST"])
@access.permission_required("record_needs")
def withdraw(need_id: str):
    """Withdraw a need with a reason: it leaves the lists of open needs and stays on record."""
    actor = access.current_actor()
    try:
        need = services().queries.training_need(need_id, actor=actor)
    except NotFoundError:
        abort(404)
    form = WithdrawalForm()
    if form.validate_on_submit():
        reason = form.reason.data.strip()
        if run_command(
            form,
            lambda: services().registry.withdraw_need(actor, need["id"], reason=reason),
            _("The need was withdrawn."),
        ):
            return redirect(url_for("need_pages.index", status="withdrawn"), 303)
    return render_template(
        "forms/form.html",
        form=form,
        title=_("Withdraw a training need"),
        subject=[
            (_("Region"), region_name(need["region"])),
            (_("District or town"), district_name(need["district"])),
            (_("School"), need["school"] or _("Whole district")),
            (_("Subject"), need["subject"]),
            (_("Topic"), need["topic"]),
            (_("Teachers"), str(need["teachers"])),
            (_("Wanted"), f"{need['period_from']} – {need['period_to']}"),
        ],
        intro=_(
            "A withdrawn need leaves the lists of open needs; it stays on record with the reason."
        ),
        danger=True,
        submit=_("Withdraw the need"),
        back_url=url_for("need_pages.index"),
    ), form.status
