"""Forms about people and organisations: teachers, providers, accounts, the policy."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import NumberRange

from registry.domain.teacher import check_service_start
from registry.domain.values import (
    ROLES,
    check_code,
    check_email,
    check_phone,
    check_pin,
)
from web.pages.forms_base import PageForm, Rule, at_most, not_future, optional, options, required
from web.pages.labels import choices, label, region_choices
from web.pages.reference import check_listed_district, district_picker, fill_pickers, list_picker

PIN_HINT = _l("14 digits: the sex digit, the birth date as DDMMYYYY, a 5-digit serial.")


def pin_field(text: Any = None, **kwargs: Any) -> StringField:
    return StringField(
        text or _l("PIN"),
        description=PIN_HINT,
        render_kw={
            "inputmode": "numeric",
            "pattern": "[0-9]{14}",
            "maxlength": 14,
            "autocomplete": "off",
        },
        **kwargs,
    )


PICKER_HINT = _l("The 14 digits of the PIN; or type a name and pick the teacher it suggests.")


class TeacherPicker(StringField):
    """A PIN box that suggests teachers by name as one types (web/static/picker.js);
    without JavaScript, a plain PIN box."""

    def __call__(self, **kwargs: Any) -> Any:
        kwargs.setdefault("data-suggest", url_for("teacher_pages.suggestions"))
        kwargs.setdefault("data-found", str(_l("%d teachers found")))
        return super().__call__(**kwargs)


def teacher_picker(text: Any = None, **kwargs: Any) -> StringField:
    return TeacherPicker(
        text or _l("PIN"),
        description=PICKER_HINT,
        render_kw={"maxlength": 200, "autocomplete": "off", "spellcheck": "false"},
        **kwargs,
    )


def email_field() -> EmailField:
    """A teacher's e-mail (protected data: shown to dossier readers alone), optional."""
    return EmailField(
        _l("E-mail"),
        validators=[optional(), at_most(254), Rule(check_email)],
        description=_l("Optional; for reminders. Shown only to those who read dossiers."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


def phone_field() -> TelField:
    """A teacher's phone in E.164 (protected data), optional."""
    return TelField(
        _l("Phone"),
        validators=[optional(), at_most(16), Rule(check_phone)],
        description=_l("Optional; in international form, such as +996555123456."),
        render_kw={"autocomplete": "off"},
    )


class TeacherForm(PageForm):
    """Register a teacher."""

    relations = (
        (("region", "district"), check_listed_district),
        (("pin", "service_start"), lambda pin, start: check_service_start(start, pin)),
    )

    pin = pin_field(validators=[required(), Rule(check_pin)])
    full_name = StringField(_l("Full name"), validators=[required(), at_most("full_name")])
    region = SelectField(_l("Region"), validators=[required()])
    district = district_picker(required())
    school = StringField(_l("School"), validators=[required(), at_most("school")])
    subject = list_picker(_l("Subject"), required())
    position = list_picker(_l("Position"), required())
    service_start = DateField(_l("Began teaching on"), validators=[required(), Rule(not_future)])
    email = email_field()
    phone = phone_field()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.region.choices = options(region_choices(str(_l("Choose a region"))))
        fill_pickers(self, str(_l("Choose…")))


class TransferForm(PageForm):
    """Move a teacher to another school."""

    relations = ((("region", "district"), check_listed_district),)

    region = SelectField(_l("Region"), validators=[required()])
    district = district_picker(required())
    school = StringField(_l("School"), validators=[required(), at_most("school")])
    effective_on = DateField(_l("Effective from"), validators=[required(), Rule(not_future)])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.region.choices = options(region_choices(str(_l("Choose a region"))))
        fill_pickers(self, str(_l("Choose…")))


class DepartureForm(PageForm):
    """Record that a teacher left service."""

    effective_on = DateField(_l("Left service on"), validators=[required(), Rule(not_future)])
    reason = StringField(_l("Reason"), validators=[required(), at_most("reason")])


class CorrectionForm(PageForm):
    """Correct a teacher's details; blank fields stay as they are."""

    relations = ((("region", "district"), check_listed_district),)

    pin = pin_field(_l("Corrected PIN"), validators=[optional(), Rule(check_pin)])
    full_name = StringField(_l("Full name"), validators=[optional(), at_most("full_name")])
    region = SelectField(_l("Region"), validators=[optional()])
    district = district_picker(optional())
    subject = list_picker(_l("Subject"), optional())
    position = list_picker(_l("Position"), optional())
    school = StringField(_l("School"), validators=[optional(), at_most("school")])
    service_start = DateField(_l("Began teaching on"), validators=[optional(), Rule(not_future)])
    email = email_field()
    phone = phone_field()
    reason = StringField(
        _l("Reason for the correction"), validators=[optional(), at_most("reason")]
    )
    effective_on = DateField(_l("Correction decided on"), validators=[optional(), Rule(not_future)])

    CHANGEABLE = (
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

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.region.choices = options(region_choices(str(_l("Unchanged"))))
        fill_pickers(self, str(_l("Unchanged")))

    def changes(self) -> dict[str, Any]:
        """Only what was filled in."""
        values = self.command_args(*self.CHANGEABLE)
        return {name: value for name, value in values.items() if value is not None}


class ProviderForm(PageForm):
    """Register a provider."""

    code = StringField(
        _l("Code"),
        validators=[required(), at_most("code"), Rule(check_code)],
        description=_l("A short unique code, e.g. KAE or OSH-OI."),
    )
    name = StringField(_l("Name"), validators=[required(), at_most("name")])
    name_ky = StringField(
        _l("Name in Kyrgyz"),
        validators=[optional(), at_most("name")],
        description=_l("Shown on Kyrgyz pages; without it, the name above."),
    )
    name_ru = StringField(
        _l("Name in Russian"),
        validators=[optional(), at_most("name")],
        description=_l("Shown on Russian pages; without it, the name above."),
    )
    kind = SelectField(_l("Kind"), validators=[required()])
    region = SelectField(_l("Region"), validators=[required()])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind.choices = options(choices("provider_kind", str(_l("Choose a kind"))))
        self.region.choices = options(region_choices(str(_l("Choose a region"))))


class ReasonForm(PageForm):
    """A decision with a reason (suspension, reinstatement, revocation)."""

    reason = TextAreaField(
        _l("Reason"), validators=[required(), at_most("reason")], render_kw={"rows": 3}
    )


class PolicyForm(PageForm):
    """Adopt a new version of the compliance policy."""

    effective_from = DateField(_l("Effective from"), validators=[required()])
    window_years = IntegerField(
        _l("Window (years)"),
        validators=[
            required(),
            NumberRange(1, 10, message=_l("Number must be between %(min)s and %(max)s.")),
        ],
    )
    required_hours = IntegerField(
        _l("Required academic hours"),
        validators=[
            required(),
            NumberRange(1, 2000, message=_l("Number must be between %(min)s and %(max)s.")),
        ],
    )


class AccountForm(PageForm):
    """Create an account (admin)."""

    field_aliases = {"provider": "provider_code"}

    name = StringField(_l("Account name"), validators=[required(), at_most("account_name")])
    role = SelectField(_l("Role"), validators=[required()])
    provider_code = SelectField(_l("Provider (registrars)"), validators=[optional()])
    region = SelectField(_l("Region (commissions, optional)"), validators=[optional()])
    password = PasswordField(
        _l("Password"),
        validators=[optional(), at_most(200)],
        description=_l("At least 8 characters; leave blank for an API-only account."),
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, providers: list[dict[str, Any]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.role.choices = options(
            [("", str(_l("Choose a role")))] + [(r, label("role", r)) for r in ROLES]
        )
        self.provider_code.choices = options(
            [("", "—")] + [(p["code"], f"{p['code']} — {p['name']}") for p in providers]
        )
        self.region.choices = options(region_choices("—"))
