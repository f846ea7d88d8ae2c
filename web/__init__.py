"""The Flask front end: JSON API under /api/v1 and server-rendered pages."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application (the one composition root of the web layer)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object("web.config.Config")
    if config:
        app.config.update(config)

    from web import services, errors, i18n, api, pages

    services.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    api.init_app(app)
    pages.init_app(app)
    return app
