"""What every page form shares: CSRF, messages in the reader's language, and running a
registry command so that bad input gets a clear error and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, Length, Optional

from registry.commands.base import CommandResult
from registry.domain.errors import (
    RegistryError,
)
from registry.domain.limits import max_length
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

    def validate_on_submit(self, extra_validators: Any = None) -> bool:
        """Validate a POST; a failure sets the status the page answers with (400)."""
        if not self.is_submitted():
            return False
        if self.validate(extra_validators):
            return True
        self.status = 400
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
