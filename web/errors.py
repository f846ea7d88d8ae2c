"""One error module: JSON `{"error": {code, message, fields}}` under /api, HTML elsewhere.

Registry errors map by family (400, 401, 403, 404, 409, 422); HTTP errors raised by
Flask, werkzeug or the argument parser keep their status, except that an oversize
body is a 400 under /api (a malformed request, as the spec says). Nothing a client
sends may surface as a 500; a genuine fault is logged and answered without details. A
database that cannot be reached (after a read's one retry on a fresh connection, or a
write's retries) is a 503 `database_unavailable` with Retry-After, not a fault of ours.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from jinja2 import TemplateNotFound
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from registry.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    RegistryError,
    RuleViolationError,
)
from registry.queries.common import parse_known_at
from registry.storage import NotAStandbyError
from registry.storage.errors import unreachable

log = logging.getLogger(__name__)

STATUS_OF = (
    (NotAStandbyError, 503),  # the deployment's mistake (the server refuses to start on it)
    (InvalidInputError, 400),
    (NotAuthenticatedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RuleViolationError, 422),
)

RETRY_AFTER_UNAVAILABLE_S = 2

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "rule_violation",
    429: "too_many_requests",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answered as is: a status, a code, a message and offending fields."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}


def wants_json() -> bool:
    """Whether this request is answered in JSON (the API) rather than HTML (the pages)."""
    return request.path == "/api" or request.path.startswith("/api/")


def status_of(error: RegistryError) -> int:
    """The HTTP status of a registry error's family."""
    for family, status in STATUS_OF:
        if isinstance(error, family):
            return status
    return 400


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error in the form this request expects."""
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    else:
        response = Response(_html(status, code, message, fields or {}), mimetype="text/html")
    response.status_code = status
    if status == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _html(status: int, code: str, message: str, fields: dict[str, Any]) -> str:
    """The pages' error template, or a plain page when there is none."""
    try:
        return render_template(
            "errors/error.html", status=status, code=code, message=message, fields=fields
        )
    except TemplateNotFound:
        return (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{status}</title>"
            f"</head><body><h1>{status}</h1><p>{escape(message)}</p></body></html>"
        )
    except Exception:  # a broken template must not hide the original error
        log.exception("the error template failed")
        return f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"


def handle_registry_error(error: RegistryError) -> Response:
    """A deliberate registry error: its family decides the status."""
    return error_response(status_of(error), error.code, error.message, error.fields)


def handle_api_error(error: ApiError) -> Response:
    """An error the web layer raised itself."""
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


def handle_timeout(error: TimeoutError) -> Response:
    """A read that waited for `min_position` longer than allowed."""
    return error_response(
        503,
        "projections_behind",
        "The views have not caught up with the requested position yet; try again shortly.",
        headers={"Retry-After": "1"},
    )


def handle_not_implemented(error: NotImplementedError) -> Response:
    """A read the views cannot answer yet."""
    return error_response(501, "not_implemented", "This read is not available yet.")


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug/Flask errors, including the argument parser's validation errors."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if "messages" in data:
        return _validation_error(data["messages"])
    if status == 413 and wants_json():
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return error_response(
            400, "body_too_large", f"The request body is larger than {limit} bytes."
        )
    if status >= 500:
        return _internal(error)
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    message = data.get("message") or error.description or error.name
    return error_response(
        status,
        HTTP_CODES.get(status, error.name.lower().replace(" ", "_")),
        message,
        headers=headers,
    )


# How the schemas begin the message of a text over its named limit (`schemas.common.text`):
# a refusal the spec makes a 422, as the domain's own check of the same limit is.
TOO_LONG = "Longer than the limit"


def _too_long(errors: Any) -> bool:
    return (
        isinstance(errors, list)
        and bool(errors)
        and all(isinstance(e, str) and e.startswith(TOO_LONG) for e in errors)
    )


def _validation_error(messages: dict[str, Any]) -> Response:
    """The argument parser's errors, one `fields` entry per offending field."""
    fields: dict[str, Any] = {}
    for location, entries in messages.items():
        if isinstance(entries, dict):
            fields.update(entries)
        else:
            fields[location if location not in ("json", "querystring", "query") else "body"] = (
                entries
            )
    if messages.get("json") == ["Invalid JSON body."]:
        return error_response(
            400,
            "malformed_json",
            "The request body is not valid JSON.",
            {"body": ["Invalid JSON body."]},
        )
    if set(fields) == {"known_at"}:
        return _known_at_error(fields)
    unknown = sorted(
        name
        for name, errors in fields.items()
        if isinstance(errors, list) and "Unknown field." in errors
    )
    if unknown:
        names = ", ".join(unknown)
        return error_response(400, "unknown_field", f"Unknown field: {names}.", fields)
    details = "; ".join(f"{name}: {_first(errors)}" for name, errors in sorted(fields.items()))
    if fields and all(_too_long(errors) for errors in fields.values()):
        return error_response(422, "too_long", f"Too long ({details}).", fields)
    return error_response(400, "invalid_input", f"Invalid request ({details}).", fields)


def _known_at_error(fields: dict[str, Any]) -> Response:
    """A refused `known_at` alone: the spec makes every refusal of it a 422, with the
    registry's own code (invalid_known_at, known_at_without_offset, date_out_of_range)."""
    try:
        parse_known_at(request.args.get("known_at", ""))
    except RegistryError as error:
        return error_response(422, error.code, error.message, error.fields)
    return error_response(422, "invalid_known_at", _first(fields["known_at"]), fields)


def _first(errors: Any) -> str:
    if isinstance(errors, list) and errors:
        return _first(errors[0])
    if isinstance(errors, dict) and errors:
        key, value = next(iter(errors.items()))
        return f"{key}: {_first(value)}"
    return str(errors)


def _internal(error: BaseException) -> Response:
    original = getattr(error, "original_exception", None) or error
    if not isinstance(original, HTTPException):
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return error_response(
        500, "internal_error", "Something went wrong on our side; it has been logged."
    )


def handle_unavailable(error: Exception) -> Response:
    """The database could not be reached: 503, try again shortly."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
    return error_response(
        503,
        "database_unavailable",
        "The database cannot be reached at the moment; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S)},
    )


def handle_unexpected(error: Exception) -> Response:
    """Anything else is our fault: log it, answer 500 without internals."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if unreachable(error):
        return handle_unavailable(error)
    return _internal(InternalServerError(original_exception=error))


def init_app(app: Flask) -> None:
    """Install the handlers (the API extension defers to these)."""
    app.register_error_handler(RegistryError, handle_registry_error)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(TimeoutError, handle_timeout)
    app.register_error_handler(NotImplementedError, handle_not_implemented)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
