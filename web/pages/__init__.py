"""Server-rendered pages: one blueprint per area, all usable without JavaScript."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Flask
from flask_wtf.csrf import generate_csrf

from web.pages import access, labels
from web.pages.messages import MESSAGES
from web.pages.navigation import navigation


def _template_context() -> dict[str, Any]:
    return {"actor": access.current_actor(), "now": datetime.now(timezone.utc)}


def error_text(code: str | None, message: str) -> str:
    """An error page's sentence: ours for a registry code we know, else the message."""
    text = MESSAGES.get(code or "")
    return str(text) if text is not None else message


def init_app(app: Flask) -> None:
    """Register the page blueprints and what every template may use."""
    from web.pages import (admin, audit, home, imports, programmes, providers, record,
                           signin, statistics, teachers, verify)
    # These modules add routes to the blueprints above.
    from web.pages import downloads, record_certificates, statement  # noqa: F401

    for module in (home, signin, teachers, verify, providers, programmes, statistics,
                   audit, record, imports, admin):
        app.register_blueprint(module.bp)
    app.context_processor(_template_context)
    app.jinja_env.globals.update(
        navigation=navigation, label=labels.label, region_name=labels.region_name,
        district_name=labels.district_name, event_label=labels.event_label,
        csrf_token=generate_csrf, error_text=error_text)
