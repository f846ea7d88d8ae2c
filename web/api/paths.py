"""Path parameters of the API: certificate numbers that contain '/', PINs, and no control
characters in any path value.

A certificate number may contain '/' (`IEP-KAE/2016/N0004`), so a number in a path takes
the rest of the path, its slashes written as is or as %2F. An action on a certificate is
a suffix: a path ending in `/revocation` or `/duplicate` is that action on the number
before it when the action offers the request's method; otherwise the whole rest of the
path is the number. So `POST /certificates/A/B/revocation` revokes `A/B`,
`POST /certificates/A/revocation/revocation` revokes `A/revocation`, and
`GET /certificates/A/B/revocation` reads the certificate numbered `A/B/revocation`.
`GET /certificates?number=…` reads any number, whatever it ends with (a later read-only
suffix would otherwise hide a number ending in it).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import PathConverter, UnicodeConverter

from registry.domain.values import NUMBER_PATTERN, PIN_PATTERN
from web.errors import ApiError, wants_json
from web.schemas.common import CONTROL_CHARACTERS

NUMBER_EXAMPLE = "IEP-KAE/2016/N0004"
NUMBER_DESCRIPTION = (
    "A certificate number: 1–64 letters (Latin or Cyrillic), digits, '/', '.', '_' or "
    "'-'. Its slashes are written as they are (or as %2F): "
    f"/certificates/{NUMBER_EXAMPLE}. A path ending in /revocation or /duplicate is that "
    "action on the number before it (POST), so POST /certificates/A/B/revocation revokes "
    "A/B and a GET of that path reads the certificate numbered A/B/revocation; "
    "GET /certificates?number= reads any number whatever it ends with."
)
NUMBER_PARAMETER = {"in": "path", "name": "number", "description": NUMBER_DESCRIPTION}
PIN_DESCRIPTION = "14 digits: sex digit, birth date DDMMYYYY, 5-digit serial."
PIN_PARAMETER = {"in": "path", "name": "pin", "description": PIN_DESCRIPTION}


class NumberConverter(PathConverter):
    """A certificate number: the rest of the path, '/' included (see the module)."""


class PinConverter(UnicodeConverter):
    """A PIN: one path segment (a malformed one is the domain's 400 invalid_pin)."""


def number_schema(converter: Any) -> dict[str, Any]:
    """The OpenAPI schema of a number in a path: the domain's rule."""
    return {
        "type": "string",
        "pattern": NUMBER_PATTERN,
        "minLength": 1,
        "maxLength": 64,
        "example": NUMBER_EXAMPLE,
    }


def pin_schema(converter: Any) -> dict[str, Any]:
    """The OpenAPI schema of a PIN in a path."""
    return {"type": "string", "pattern": PIN_PATTERN, "example": "21505198512345"}


def check_path_values() -> None:
    """No value in an API path holds a control character: 400 naming the parameter
    (PostgreSQL refuses a NUL outright; nothing is looked up with one)."""
    if not wants_json():
        return
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ApiError(
                400,
                "invalid_input",
                f"Invalid request ({name}: control characters are not allowed).",
                {name: ["Control characters are not allowed."]},
            )


def register_converters(app: Flask, api: Any) -> None:
    """Make `<number:…>` and `<pin:…>` usable in routes and described in the OpenAPI
    (before the blueprints are registered)."""
    app.url_map.converters["number"] = NumberConverter
    app.url_map.converters["pin"] = PinConverter
    api.register_converter(NumberConverter, number_schema)
    api.register_converter(PinConverter, pin_schema)
