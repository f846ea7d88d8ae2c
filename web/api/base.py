"""What every API module shares: the strict parser, write responses and reads.

Writes pass the `Idempotency-Key` header to the command and answer the command's
result (so a retry answers the same body and status) with `X-Registry-Position`.
A read reaches the views through `queries()` (or `registry()`), which every view calls
after `require_actor(...)`: that first call waits for `?min_position` (bounded, see
`Queries.wait_for`), so nobody waits before being authorised, and notes where the views
stood, answered as `X-Registry-Position` and `X-Registry-Lag` (see `read_headers`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

from registry.commands.base import CommandResult
from registry.domain.errors import InvalidInputError
from registry.queries import TooManyWaitsError
from registry.queries.cache import noted_standing, served_position, want_standing
from web.downloads import CONTENT_TYPES
from web.errors import ApiError
from web.schemas.common import ErrorSchema
from web.services import services

log = logging.getLogger(__name__)
POSITION_HEADER = "X-Registry-Position"
LAG_HEADER = "X-Registry-Lag"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": 200,
        "pattern": "^[\\x21-\\x7e]{1,200}$",
        "example": "3f1c9a2e-retry-1",
    },
    "description": "1–200 printable ASCII characters without spaces (a UUID will do). A "
    "retry with the same key returns the first response and records "
    "nothing twice, even while the first is still running; the same key "
    "with a different body is refused (422). Another key format: 400 "
    "invalid_idempotency_key.",
}
POSITION_HEADER_DOC = {
    POSITION_HEADER: {
        "description": "Global position of the write's last event; pass it as min_position "
        "to read your own write.",
        "schema": {"type": "integer"},
    }
}
READ_HEADERS_DOC = {
    POSITION_HEADER: {
        "description": "The position every view had reached when this "
        "answer was read: it holds every write up to there.",
        "schema": {"type": "integer"},
    },
    LAG_HEADER: {
        "description": "How many events the log held beyond that position "
        "(0: the answer was current). Reads never wait unless "
        "asked to with min_position; after a start or a large "
        "import this says how far behind an answer is.",
        "schema": {"type": "integer"},
    },
}
PUBLIC = {"security": []}
CSV_CONTENT = {
    "schema": {
        "type": "string",
        "description": "UTF-8 CSV with a BOM and a header row (?format=csv).",
    }
}
XLSX_CONTENT = {
    "schema": {
        "type": "string",
        "format": "binary",
        "description": "The same table as an Excel workbook, one sheet (?format=xlsx).",
    }
}


class StrictParser(FlaskParser):
    """Malformed input is a 400 (422 is kept for rule violations); unknown query args too."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }

    def load_json(self, req, schema):
        """The JSON body; too deep a nesting is malformed input."""
        try:
            return super().load_json(req, schema)
        except RecursionError:  # absurdly deep nesting is malformed, not our failure
            return self._handle_invalid_json_error(ValueError("too deeply nested"), req)


class Blueprint(SmorestBlueprint):
    """A flask-smorest blueprint with the strict parser and the error answers documented."""

    ARGUMENTS_PARSER = StrictParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """flask-smorest's, with the schema made once: given its class, webargs makes an
        instance for every request (a tenth of a compliance read's own time)."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)

    def alt_response(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        """flask-smorest's, documenting the answer without a wrapper at run time: its
        wrapper only calls the view (once for each error a view documents, each asking
        Flask whether the view is a coroutine)."""
        document = super().alt_response(*args, **kwargs)

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            func._apidoc = document(func)._apidoc  # type: ignore[attr-defined]  # flask-smorest's
            return func

        return decorator

    def write(
        self, status: int, schema: Any, *, permission: str, description: str | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document and shape a write: Idempotency-Key in, X-Registry-Position out; the
        `permission` (registry.access) a caller's role must hold, checked before the body
        is read (`required_permission`): a role that may not write here learns a 403,
        not the body's shape. Its scope (which provider, which region) is checked by the
        command, as before."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            func._registry_permission = permission  # type: ignore[attr-defined]  # read back by required_permission
            func = self.response(
                status, schema, description=description, headers=POSITION_HEADER_DOC
            )(func)
            func = self.doc(parameters=[IDEMPOTENCY_PARAMETER])(func)
            for code in (400, 401, 403, 404, 409, 422, 429, 503):
                func = self.alt_response(
                    code,
                    schema=ErrorSchema,
                    description=_ERRORS[code],
                    headers=RETRY_DOC if code in (429, 503) else None,
                )(func)
            return func

        return decorator

    def read(
        self,
        schema: Any,
        *,
        public: bool = False,
        csv: bool = False,
        content_type: str | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document and shape a read (200, or the errors a read can answer); `csv`: it
        also answers text/csv (?format=csv) and .xlsx (?format=xlsx); `content_type`: its
        200 is not JSON (a streamed download whose parts `schema` describes)."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            func = self.response(200, schema, headers=READ_HEADERS_DOC, content_type=content_type)(
                func
            )
            codes = (400, 404, 422, 429, 503) if public else (400, 401, 403, 404, 422, 429, 503)
            for code in codes:
                description = _READ_ERRORS.get(code, _ERRORS[code])
                func = self.alt_response(
                    code,
                    schema=ErrorSchema,
                    description=description,
                    headers=RETRY_DOC if code in (429, 503) else None,
                )(func)
            if csv:
                content = {"text/csv": CSV_CONTENT, CONTENT_TYPES["xlsx"]: XLSX_CONTENT}
                func = self.doc(responses={200: {"content": content}})(func)
            if public:
                func = self.doc(**PUBLIC)(func)
            return func

        return decorator


_ERRORS = {
    400: "Malformed request: bad JSON, wrong type, unknown field, bad date.",
    401: "No valid credentials.",
    403: "The role or scope does not allow this.",
    404: "Not found (or not visible to this account).",
    409: "Duplicate or conflicting state.",
    422: "Valid input that breaks a rule.",
    429: "Too many attempts (failed tokens from this address, verification "
    "lookups); try again after Retry-After seconds.",
    503: "The database could not be reached (database_unavailable); try again "
    "after Retry-After seconds. Nothing was recorded unless a retry with the "
    "same Idempotency-Key says so.",
}
_READ_ERRORS = {
    422: "min_position is beyond the log's last event by more than a small margin "
    "(position_beyond_head): no write has been given that position.",
    503: "The views did not reach min_position in time (projections_behind), too many "
    "reads are already waiting in this server process (too_many_waiting_reads), or "
    "the database could not be reached (database_unavailable); try again after "
    "Retry-After seconds.",
}
RETRY_DOC = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}


def idempotency_key() -> str | None:
    """The request's Idempotency-Key (printable ASCII, at most 200 characters)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not _KEY.match(key):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            "An Idempotency-Key is 1–200 printable ASCII characters.",
            {"Idempotency-Key": ["1–200 printable ASCII characters."]},
        )
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
    """The registry of this web process (on a read: after waiting for min_position)."""
    _reading()
    return services().registry


def queries(*, standing_with_answer: bool = False):
    """The read side of this web process, after waiting for min_position.

    `standing_with_answer`: the read's own statement notes where the views stood (the
    read asks `Queries.standing` itself, see `cache.want_standing`), so none is made
    before it."""
    _reading(standing_with_answer)
    return services().queries


def _reading(standing_with_answer: bool = False) -> None:
    """On a read's first use of the registry: wait for `?min_position` (the caller has
    been authorised by then: every view calls `require_actor` first), then note where
    the views stand for `read_headers` (or have the read note it)."""
    if request.method not in ("GET", "HEAD") or "registry_standing" in g:
        return
    g.registry_standing = None  # once per request, even if the wait fails
    raw = request.args.get("min_position")
    current = services()
    if raw is not None:
        try:
            position = int(raw.strip())
        except ValueError:
            raise InvalidInputError(
                "min_position must be a whole number ≥ 0.",
                field="min_position",
                code="invalid_input",
            ) from None
        try:
            current.queries.wait_for(position, timeout=current.settings.read_wait_timeout_s)
        except TooManyWaitsError:
            raise ApiError(
                503,
                "too_many_waiting_reads",
                "Too many reads are waiting for the views at the moment; try "
                "again shortly, or read without min_position.",
                headers={"Retry-After": "1"},
            ) from None
    if standing_with_answer:
        want_standing()
        return
    try:
        g.registry_standing = current.queries.standing()
    except Exception:  # the read goes on (its own queries meet any database fault)
        log.warning("could not read the views' standing", exc_info=True)


def read_headers(response) -> None:
    """X-Registry-Position and X-Registry-Lag on an API read (where the views stood
    when it read them, or where they stood when a cached answer it served was computed;
    measured afterwards for a read that did not use them)."""
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code in (401, 403)
        or POSITION_HEADER in response.headers
    ):
        return
    standing = g.get("registry_standing") or noted_standing()
    if standing is None:
        try:
            standing = services().queries.standing()
        except Exception:  # the answer stands without the headers (a database fault)
            log.warning("could not read the views' standing", exc_info=True)
            return
    position, head = standing
    served = served_position()  # a statistics answer computed a little earlier
    if served is not None:
        position = min(position, served)
    response.headers[POSITION_HEADER] = str(position)
    response.headers[LAG_HEADER] = str(max(0, head - position))


def required_permission() -> str | None:
    """The permission the write this request is routed to declares (`Blueprint.write`),
    if any: the method of its view class, through the decorators' copies of its
    attributes."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else None
    return getattr(method, "_registry_permission", None)
