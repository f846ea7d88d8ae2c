"""What every page form shares: CSRF, messages in the reader's language, and running a
registry command so that bad input gets a clear error and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from registry.commands.base import CommandResult
from registry.domain.errors import (
    RegistryError,
)
from registry.domain.limits import max_length
from registry.domain.values import check_not_future
from web.errors import status_of
from web.pages.messages import error_message
from web.services import services

# WTForms' own messages, listed so that the extractor puts them in our catalogues.
_WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Not a valid float value."),
    _l("Not a valid choice."),
    _l("Not a valid decimal value."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Number must be at least %(min)s."),
)


class _Translations:
    """WTForms' messages through our own catalogues (which include Kyrgyz)."""

    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)


class PageForm(FlaskForm):
    """A form of the pages: CSRF-protected, messages translated."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> _Translations:
            return _Translations()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.status = 200

    # Rules of the domain that tie fields together: (the fields, the domain's check taking
    # their values in that order). Each runs when its fields are filled in and valid.
    relations: tuple[tuple[tuple[str, ...], Callable[..., Any]], ...] = ()

    def validate(self, extra_validators: Any = None) -> bool:
        """Every field's own rules, then the rules between fields, all in one pass: a
        submission shows every problem the registry's checks find, not one at a time."""
        self.ruled: dict[str, int] = {}  # fields a rule of the domain refused: their status
        valid = super().validate(extra_validators)
        for names, check in self.relations:
            fields = [getattr(self, name) for name in names]
            if any(f.errors or f.data in (None, "") for f in fields):
                continue
            try:
                check(*(clean(f.data) for f in fields))
            except RegistryError as error:
                message = error_message(error)
                placed = [n for n in error.fields if n in names] or [names[-1]]
                for name in placed:
                    field = getattr(self, name)
                    field.errors = [*field.errors, message]
                    self.ruled[name] = status_of(error)
                valid = False
        return valid

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """Validate a POST; a failure sets the status the page answers with (400)."""
        if not self.is_submitted():
            return False
        if self.validate(extra_validators):
            return True
        # Only the registry's rules refused (well-formed, not allowed): their status (422);
        # anything missing or malformed besides: 400.
        refused = {name for name, field in self._fields.items() if field.errors}
        ruled = self.ruled
        self.status = max(ruled.values()) if refused and refused <= set(ruled) else 400
        if self.csrf_token.errors:
            self.form_errors.append(
                gettext(
                    "The form has expired or was not sent from this site. Nothing was recorded; "
                    "please submit it again."
                )
            )
            self.csrf_token.errors = []
        return False

    def command_args(self, *names: str) -> dict[str, Any]:
        """The named fields' values (blank text as None), ready for a command."""
        values = {}
        for name in names:
            value = getattr(self, name).data
            if isinstance(value, str):
                value = value.strip() or None
            values[name] = value
        return values


def clean(value: Any) -> Any:
    """A field's value as the commands get it (text stripped)."""
    return value.strip() if isinstance(value, str) else value


class Rule:
    """A rule of the domain run on one field as the form is validated (the very check the
    command runs), so that its message shows beside the field with the others'."""

    def __init__(self, check: Callable[[Any], Any]):
        self.check = check

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None or field.data == "":
            return  # whether it is required is the required() validator's business
        try:
            self.check(clean(field.data))
        except RegistryError as error:
            form.ruled[field.name] = status_of(error)
            raise StopValidation(error_message(error)) from None


def not_future(value: Any) -> Any:
    """A recorded fact's date: not after today (the domain's check)."""
    return check_not_future(value, "date")


def options(pairs: Any) -> list[Any]:
    """Select options from (value, label) pairs (WTForms 3.3 wants SelectChoice objects)."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # older WTForms takes the pairs as they are
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


def required() -> InputRequired:
    return InputRequired(message=_l("This field is required."))


def optional() -> Optional:
    return Optional()


def at_most(limit: int | str) -> Length:
    """A length limit: a field's name takes the domain's named limit (the API's too)."""
    n = max_length(limit) if isinstance(limit, str) else limit
    return Length(max=n, message=_l("Field cannot be longer than %(max)d characters."))


def run_command(
    form: PageForm, call: Callable[[], CommandResult], success: str | None = None
) -> CommandResult | None:
    """Run a command for a form; on a RegistryError put its message on the form and return None.

    On success the page waits (briefly) until the views show the write, so the page
    the user is sent to already includes it.
    """
    try:
        result = call()
    except RegistryError as error:
        form.status = status_of(error)
        message = error_message(error)
        placed = False
        for name in error.fields:
            field = getattr(form, getattr(form, "field_aliases", {}).get(name, name), None)
            if field is not None and hasattr(field, "errors") and name != "csrf_token":
                field.errors = list(field.errors) + [message]
                placed = True
        form.form_errors.append(
            message
            if not placed
            else gettext("Please correct the marked fields; nothing was recorded.")
        )
        return None
    wait_for_views(result)
    if success:
        flash(success, "success")
    return result


def wait_for_views(result: CommandResult) -> None:
    """Read-your-writes: wait until the views have applied the command's last event."""
    if result.position is None:
        return
    try:
        services().queries.wait_for(result.position, timeout=5.0)
    except TimeoutError:
        flash(gettext("Recorded. It may take a few seconds to appear everywhere."), "info")
