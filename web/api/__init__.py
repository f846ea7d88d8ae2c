"""The JSON API under /api/v1: flask-smorest resources, OpenAPI and a browsable docs page.

The docs page (Swagger UI at /api/v1/docs) loads its scripts from this server, never
from a CDN: the registry runs on networks without internet access.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, abort, request, send_from_directory
from flask_smorest import Api

from registry import access
from registry.domain.errors import InvalidInputError
from registry.queries.cache import begin_read
from web import errors
from web.api import (
    audit,
    certificates,
    credentials,
    forecast,
    imports,
    needs,
    paths,
    programmes,
    providers,
    reference,
    reminders,
    statistics,
    teachers,
)
from web.api.base import read_headers, required_permission
from web.auth import require_actor
from web.schemas.common import ErrorSchema

PREFIX = "/api/v1"
DOCS_ASSETS = f"{PREFIX}/docs/assets"
PUBLIC_READS = (
    f"{PREFIX}/verify/",
    f"{PREFIX}/open-data/",
    f"{PREFIX}/reference/",
    f"{PREFIX}/openapi.json",
    f"{PREFIX}/docs",
)
PUBLIC_PATHS = (PREFIX, f"{PREFIX}/")
# Public writes that record nothing: checking a credential someone was given.
PUBLIC_POSTS = (f"{PREFIX}/credentials/verification",)
SELF_DESCRIPTION = (f"{PREFIX}/openapi.json", f"{PREFIX}/docs")
BLUEPRINTS = (
    providers,
    programmes,
    teachers,
    certificates,
    credentials,
    statistics,
    audit,
    imports,
    reminders,
    forecast,
    needs,
    reference,
)


class RegistryApi(Api):
    """flask-smorest's Api with our error payload, documented and answered."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: Flask) -> None:
        self._undocumented: list[tuple[Any, str, Any]] = []
        self._documenting = threading.Lock()
        super().__init__(app)

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:
        """Register the blueprint's views now and document them when the OpenAPI document
        is first asked for: documenting copies every view's docs (a fifth of a second for
        the whole API), which an app that never serves the document (a worker process, a
        test) need not pay. The document is the same (tests/e2e/test_api_openapi.py)."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    @property
    def spec(self):
        """The OpenAPI document, with every blueprint registered so far documented, in
        the order of registration (as flask-smorest's own `register_blueprint` does).

        One thread documents while the others wait: a server's threads asking for the
        document at once got it half-made (one failed serialising it while another was
        still adding to it: "dictionary changed size during iteration")."""
        if self._undocumented:
            with self._documenting:
                for blp, name, parameters in self._undocumented:
                    blp.register_views_in_doc(
                        self, self._app, self._spec, name=name, parameters=parameters
                    )
                    self._spec.tag({"name": name, "description": blp.description})
                self._undocumented = []
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def _register_error_handlers(self) -> None:
        """`web.errors` answers every error (JSON under /api, HTML elsewhere)."""

    def handle_http_exception(self, error):  # pragma: no cover - not registered
        return errors.handle_http_exception(error)


def _swagger_ui_path() -> str | None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return swagger_ui_path


def _api_config(app: Flask) -> dict[str, Any]:
    assets = _swagger_ui_path()
    return {
        "OPENAPI_URL_PREFIX": PREFIX,
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs" if assets else None,
        "OPENAPI_SWAGGER_UI_URL": f"{DOCS_ASSETS}/",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "National registry of teachers' qualification "
                "upgrading of the Kyrgyz Republic. Every write is an "
                "immutable event; see X-Registry-Position and "
                "min_position for reading your own writes.\n\n"
                "Reads answer at once from the views, which follow "
                "the log a moment behind (longer after a start or a "
                "large import): every read says where they stood in "
                "X-Registry-Position and how many events they had "
                "still to apply in X-Registry-Lag. A read with "
                "min_position=N waits (up to a few seconds, then 503 "
                "with Retry-After) until they hold position N; it "
                "waits only once the caller is authorised, a few "
                "waits at a time per server process (more: 503 "
                "too_many_waiting_reads with Retry-After), and a "
                "position far beyond the log's last event is refused "
                "at once (422 position_beyond_head).\n\n"
                'Every error is {"error": {code, message, fields}}. '
                "A method a path does not offer answers 405 with an "
                "Allow header. Control characters in a query or path "
                "value, integers beyond 64 bits or a documented "
                "maximum, and dates outside 1900-01-01 to 2999-12-31 "
                "are 400 naming the field. Failed tokens and "
                "verification lookups are throttled (429 with "
                "Retry-After); a database that cannot be reached is "
                "503 database_unavailable with Retry-After."
            },
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A token from `registry users create`.",
                    }
                }
            },
            "security": [{"bearer": []}],
        },
    }


def _check_body() -> None:
    """JSON writes must say they are JSON (imports take CSV); a path or method not
    offered is answered by routing (404, or 405 with Allow) whatever the body."""
    if (
        request.method not in ("POST", "PUT", "PATCH")
        or request.path.endswith("/imports")
        or request.url_rule is None
    ):
        return
    if not request.is_json:
        raise InvalidInputError(
            "The request body must be JSON (Content-Type: application/json).", code="not_json"
        )


def _before_api_request() -> None:
    """Authenticate first (401 before any 400), then check the body.

    Nothing waits here: a read waits for `min_position` when its view first asks for
    the read side, after the view has checked the caller's role (`web.api.base`).
    """
    if not request.path.startswith(f"{PREFIX}/"):
        return
    begin_read()  # this thread's previous request may have served a cached answer
    if request.method == "OPTIONS":
        return  # Flask answers with the methods offered (Allow): no data, nobody to ask
    public = (
        request.method in ("GET", "HEAD")
        and (request.path.startswith(PUBLIC_READS) or request.path in PUBLIC_PATHS)
    ) or (request.method == "POST" and request.path in PUBLIC_POSTS)
    if not public and request.url_rule is not None:
        actor = require_actor()
        permission = required_permission()
        if permission is not None:  # the role before the body: 403 before any 400
            access.require(actor, permission)
    _check_body()


def _after_api_request(response):
    """Personal data must not linger in shared caches; no content sniffing; a read says
    how far behind the views it read were."""
    if request.path.startswith(f"{PREFIX}/") and not request.path.startswith(DOCS_ASSETS):
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.url_rule is not None and not request.path.startswith(SELF_DESCRIPTION):
            read_headers(response)
    return response


def init_app(app: Flask) -> None:
    """Register the API's resources, its OpenAPI document and the docs page."""
    for key, value in _api_config(app).items():
        app.config.setdefault(key, value)
    api = RegistryApi(app)
    paths.register_converters(app, api)
    for module in BLUEPRINTS:
        api.register_blueprint(module.blp, url_prefix=PREFIX)
    app.before_request(_before_api_request)
    app.before_request(paths.check_path_values)  # after authentication
    app.after_request(_after_api_request)
    # Every request (page or API) leaves its thread without a read's positions: a thread
    # serves other requests, and code outside a request, after it.
    app.teardown_request(lambda _error: begin_read())
    app.extensions["registry_api"] = api

    assets = _swagger_ui_path()

    @app.get(PREFIX)
    @app.get(f"{PREFIX}/")
    def api_index():
        """Where the API describes itself."""
        return {
            "name": app.config["API_TITLE"],
            "version": app.config["API_VERSION"],
            "openapi": f"{PREFIX}/openapi.json",
            "docs": f"{PREFIX}/docs" if assets else None,
        }

    @app.get(f"{DOCS_ASSETS}/<path:filename>")
    def api_docs_assets(filename: str):
        """Swagger UI's scripts and styles, served locally."""
        if assets is None:
            abort(404)
        return send_from_directory(assets, filename, max_age=86400)
