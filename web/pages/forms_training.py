"""Forms about training: programmes, enrolments, assessments, certificates, imports."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange

from registry.domain.programme import FACT_FIELDS as PROGRAMME_FIELDS
from registry.domain.programme import MAX_CAPACITY, PLAN_FIELDS, check_period
from registry.domain.search import MAX_QUERY
from registry.domain.values import check_certificate_number, check_code, check_course, check_pin
from web.pages.forms_base import PageForm, Rule, at_most, not_future, optional, options, required
from web.pages.forms_people import teacher_picker
from web.pages.labels import choices

NUMBER_HINT = _l("Letters, digits, “/”, “.”, “_” or “-”; unique in the whole registry.")


def number_field(text: Any = None) -> StringField:
    return StringField(
        text or _l("Certificate number"),
        validators=[required(), at_most("number"), Rule(check_certificate_number)],
        description=NUMBER_HINT,
        render_kw={"autocomplete": "off"},
    )


def between(low: int, high: int) -> NumberRange:
    return NumberRange(low, high, message=_l("Number must be between %(min)s and %(max)s."))


class ProgrammeForm(PageForm):
    """Register a programme of a provider."""

    relations = (
        (("form", "hours", "assessment"), check_course),
        (("starts_on", "ends_on"), check_period),
    )

    provider_code = SelectField(_l("Provider"), validators=[required()])
    code = StringField(
        _l("Programme code"), validators=[required(), at_most("code"), Rule(check_code)]
    )
    title = StringField(_l("Title"), validators=[required(), at_most("title")])
    form = SelectField(_l("Form"), validators=[required()])
    mode = SelectField(_l("Mode of study"), validators=[required()])
    hours = IntegerField(
        _l("Academic hours"),
        validators=[required(), between(1, 2000)],
        description=_l("A course has at least 72 hours."),
    )
    assessment = SelectField(
        _l("Assessment"),
        validators=[required()],
        description=_l("A course must end in an assessment."),
    )
    funding = SelectField(_l("Funding"), validators=[required()])
    starts_on = DateField(_l("Starts on"), validators=[required()])
    ends_on = DateField(_l("Ends on"), validators=[required()])
    subject = StringField(
        _l("Subject"),
        validators=[optional(), at_most("subject")],
        description=_l("The subject the programme is for, if it is for one."),
    )
    capacity = IntegerField(
        _l("Places"),
        validators=[optional(), between(1, MAX_CAPACITY)],
        description=_l("How many teachers it can take, if known: counted in the forecast."),
    )

    FIELDS = (*PROGRAMME_FIELDS, *PLAN_FIELDS)

    def __init__(self, providers: list[tuple[str, str]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.provider_code.choices = options(providers)
        choose = str(_l("Choose…"))
        for name, kind in (
            ("form", "form"),
            ("mode", "mode"),
            ("assessment", "assessment"),
            ("funding", "funding"),
        ):
            getattr(self, name).choices = options(choices(kind, choose))


class PlacesForm(PageForm):
    """Change a programme's places (blank: not known)."""

    capacity = IntegerField(
        _l("Places"),
        validators=[optional(), between(1, MAX_CAPACITY)],
        description=_l("How many teachers it can take; leave blank if not known."),
    )


class EnrolmentForm(PageForm):
    """Enrol a teacher in a programme: the PIN box suggests teachers by name, and a search
    box narrows the programme list (typeahead with JavaScript, a Find button without)."""

    pin = teacher_picker(_l("Teacher's PIN"), validators=[required(), Rule(check_pin)])
    programme_q = StringField(
        _l("Find a programme"),
        validators=[optional(), at_most(MAX_QUERY)],
        description=_l("Words of the title, the code or the provider."),
        render_kw={"type": "search", "autocomplete": "off"},
    )
    programme_id = SelectField(
        _l("Programme"),
        validators=[required()],
        description=_l(
            "The newest programmes are listed; find others by their words, or choose one "
            "from the list of programmes (its Enrol link)."
        ),
    )

    # Fields that only help to fill in others: a button beside them narrows the choices.
    finders = {"programme_q": _l("Find")}

    def __init__(self, programmes: list[tuple[str, str]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.programme_id.choices = options([("", str(_l("Choose a programme")))] + programmes)
        self.programme_q.render_kw = {
            **self.programme_q.render_kw,
            "data-suggest": url_for("programme_pages.suggestions"),
            "data-target": self.programme_id.id,
            "data-found": str(_l("%d programmes found")),
        }


class AssessmentForm(PageForm):
    """Record an assessment."""

    passed = RadioField(
        _l("Outcome"),
        validators=[required()],
        choices=options([("yes", _l("Passed")), ("no", _l("Not passed"))]),
    )
    score = DecimalField(
        _l("Score (0–100, optional)"), places=None, validators=[optional(), between(0, 100)]
    )
    assessed_on = DateField(_l("Assessed on"), validators=[required(), Rule(not_future)])


class WithdrawalForm(PageForm):
    """Withdraw a teacher from a programme."""

    effective_on = DateField(_l("Withdrawn on"), validators=[required(), Rule(not_future)])
    reason = StringField(_l("Reason"), validators=[required(), at_most("reason")])


class CertificateForm(PageForm):
    """Issue a certificate (or a duplicate) under a new number."""

    number = number_field()
    issued_on = DateField(_l("Issued on"), validators=[required(), Rule(not_future)])


class LegacyCertificateForm(PageForm):
    """Record a paper certificate issued before the registry existed."""

    relations = (((("form", "hours"), lambda form, hours: check_course(form, hours, None))),)

    pin = teacher_picker(_l("Teacher's PIN"), validators=[required(), Rule(check_pin)])
    number = number_field()
    provider_code = SelectField(_l("Provider"), validators=[required()])
    title = StringField(_l("Programme title"), validators=[required(), at_most("title")])
    form = SelectField(_l("Form"), validators=[required()])
    hours = IntegerField(_l("Academic hours"), validators=[required(), between(1, 2000)])
    issued_on = DateField(_l("Issued on"), validators=[required(), Rule(not_future)])

    def __init__(self, providers: list[tuple[str, str]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.provider_code.choices = options(providers)
        self.form.choices = options(choices("form", str(_l("Choose…"))))


class RevocationForm(PageForm):
    """Revoke a certificate."""

    reason = TextAreaField(
        _l("Reason for the revocation"),
        validators=[required(), at_most("reason")],
        render_kw={"rows": 3},
    )


class ImportForm(PageForm):
    """Upload a CSV or Excel file of certificates or programme results."""

    file = FileField(
        _l("CSV or Excel file (.csv, .xlsx), with a header row"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileAllowed(["csv", "txt", "xlsx"], message=_l("Upload a .csv or .xlsx file.")),
        ],
    )
    encoding = SelectField(
        _l("Encoding of a CSV file"),
        choices=options(
            [
                ("auto", _l("Detect (UTF-8 or Windows-1251)")),
                ("utf-8", "UTF-8"),
                ("windows-1251", "Windows-1251"),
            ]
        ),
        default="auto",
    )
