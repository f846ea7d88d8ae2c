"""Server-rendered pages: one blueprint per area, all usable without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from web.errors import error_response
from web.pages import access, cards, labels
from web.pages.messages import MESSAGES
from web.pages.navigation import navigation
from web.schemas.common import CONTROL_CHARACTERS


def _template_context() -> dict[str, Any]:
    return {"actor": access.current_actor(), "now": datetime.now(UTC)}


def _page_headers(response: Response) -> Response:
    """Browser protections for the HTML pages (the API sets its own headers)."""
    if request.path.startswith("/api/") or "text/html" not in (response.content_type or ""):
        return response
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Verification links carry a code in the query: keep it off other sites' logs.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not response.direct_passthrough and response.is_sequence:
        page = response.get_data(as_text=True)
        labelled = cards.label_cells(page)
        if labelled != page:
            response.set_data(labelled)
    return response


def _refuse_control_characters() -> Response | None:
    """A page's query or path value with a control character is a 400 page naming it:
    PostgreSQL refuses a NUL outright and SQLite's search matched every teacher with it.
    (The API checks its own, after authentication.)"""
    if request.path.startswith("/api/"):
        return None
    values = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    for name, value in values:
        if CONTROL_CHARACTERS.search(name) or (
            isinstance(value, str) and CONTROL_CHARACTERS.search(value)
        ):
            shown = CONTROL_CHARACTERS.sub("?", name)[:40]
            return error_response(
                400,
                "control_character",
                _("“%(field)s” contains a control character.", field=shown),
                {shown: ["control character"]},
            )
    return None


def error_text(code: str | None, message: str) -> str:
    """An error page's sentence: ours for a registry code we know, else the message."""
    text = MESSAGES.get(code or "")
    return str(text) if text is not None else message


def init_app(app: Flask) -> None:
    """Register the page blueprints and what every template may use."""
    # These modules add routes to the blueprints above.
    from web.pages import (  # noqa: F401  (imported for the routes they add)
        admin,
        audit,
        certificate_lists,
        credentials,
        downloads,
        due,
        forecast,
        home,
        imports,
        jobs,
        ledger,
        needs,
        programmes,
        providers,
        record,
        record_certificates,
        reference,
        signin,
        statement,
        statistics,
        teachers,
        verify,
    )

    for module in (
        home,
        signin,
        teachers,
        verify,
        credentials,
        providers,
        programmes,
        statistics,
        forecast,
        needs,
        audit,
        ledger,
        jobs,
        record,
        imports,
        admin,
        reference,
    ):
        app.register_blueprint(module.bp)
    app.context_processor(_template_context)
    app.before_request(_refuse_control_characters)
    app.after_request(_page_headers)
    # The session cookie is the pages' credential: never sent cross-site on a POST.
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.jinja_env.globals.update(
        navigation=navigation,
        label=labels.label,
        region_name=labels.region_name,
        district_name=labels.district_name,
        reference_name=reference.reference_name,
        provider_name=reference.provider_name,
        event_label=labels.event_label,
        csrf_token=generate_csrf,
        error_text=error_text,
        may=access.may,
    )
