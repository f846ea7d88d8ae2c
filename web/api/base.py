"""What every API module shares: the strict parser, write responses and reads.

Writes pass the `Idempotency-Key` header to the command and answer the command's
result (so a retry answers the same body and status) with `X-Registry-Position`.
Reads may wait for `min_position` (see `web.api.wait_for_position`).
"""

from __future__ import annotations

import re
from typing import Any, Callable

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

from registry.commands.base import CommandResult
from web.errors import ApiError
from web.schemas.common import ErrorSchema
from web.services import services

POSITION_HEADER = "X-Registry-Position"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "A retry with the same key returns the first response and records "
                   "nothing twice; the same key with a different body is refused (422).",
}
POSITION_HEADER_DOC = {POSITION_HEADER: {
    "description": "Global position of the write's last event; pass it as min_position "
                   "to read your own write.", "schema": {"type": "integer"}}}
PUBLIC = {"security": []}


class StrictParser(FlaskParser):
    """Malformed input is a 400 (422 is kept for rule violations); unknown query args too."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": ma.RAISE, "querystring": ma.RAISE}

    def load_json(self, req, schema):
        """The JSON body; too deep a nesting is malformed input."""
        try:
            return super().load_json(req, schema)
        except RecursionError:  # absurdly deep nesting is malformed, not our failure
            return self._handle_invalid_json_error(ValueError("too deeply nested"), req)


class Blueprint(SmorestBlueprint):
    """A flask-smorest blueprint with the strict parser and the error answers documented."""

    ARGUMENTS_PARSER = StrictParser()

    def write(self, status: int, schema: Any, *, description: str | None = None
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document and shape a write: Idempotency-Key in, X-Registry-Position out."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            func = self.response(status, schema, description=description,
                                 headers=POSITION_HEADER_DOC)(func)
            func = self.doc(parameters=[IDEMPOTENCY_PARAMETER])(func)
            for code in (400, 401, 403, 404, 409, 422):
                func = self.alt_response(code, schema=ErrorSchema, description=_ERRORS[code])(func)
            return func

        return decorator

    def read(self, schema: Any, *, public: bool = False
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document and shape a read (200, or the errors a read can answer)."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            func = self.response(200, schema)(func)
            codes = (400, 404, 503) if public else (400, 401, 403, 404, 503)
            for code in codes:
                func = self.alt_response(code, schema=ErrorSchema, description=_ERRORS[code])(func)
            if public:
                func = self.doc(**PUBLIC)(func)
            return func

        return decorator


_ERRORS = {400: "Malformed request: bad JSON, wrong type, unknown field, bad date.",
           401: "No valid credentials.", 403: "The role or scope does not allow this.",
           404: "Not found (or not visible to this account).",
           409: "Duplicate or conflicting state.", 422: "Valid input that breaks a rule.",
           503: "The views did not reach min_position in time."}


def idempotency_key() -> str | None:
    """The request's Idempotency-Key (printable ASCII, at most 200 characters)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not _KEY.match(key):
        raise ApiError(400, "invalid_idempotency_key",
                       "An Idempotency-Key is 1–200 printable ASCII characters.",
                       {"Idempotency-Key": ["1–200 printable ASCII characters."]})
    return key


def written(result: CommandResult) -> tuple[dict[str, Any], dict[str, str]]:
    """A write's answer: the command's (possibly replayed) result and its position."""
    headers = {}
    if result.position is not None:
        headers[POSITION_HEADER] = str(result.position)
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return result.data, headers


def registry():
    """The registry of this web process."""
    return services().registry


def queries():
    """The read side of this web process."""
    return services().queries


