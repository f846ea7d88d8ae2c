"""The Flask front end: JSON API under /api/v1 and server-rendered pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application (the one composition root of the web layer)."""
    # Imported here: the `registry` console script imports this package (web.cli), and
    # its commands other than serve and demo should not pay for loading Flask (~0.12 s).
    from werkzeug.middleware.proxy_fix import ProxyFix

    from web.flask_app import RegistryFlask

    app = RegistryFlask(__name__, instance_relative_config=True)
    app.config.from_object("web.config.Config")
    if config:
        app.config.update(config)

    from web import api, errors, headers, health, i18n, metrics, pages, services, throttle

    hops = app.config.get("PROXY_HOPS") or 0
    if hops:
        # The client's address and scheme as the trusted proxies saw them (throttling).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # werkzeug's documented way
            app.wsgi_app, x_for=hops, x_proto=hops
        )
    services.init_app(app)
    metrics.init_app(app)  # first: its clock starts before any other hook may answer
    errors.init_app(app)
    # Before the API's hooks: a throttled request is refused before authentication.
    throttle.init_app(app, app.extensions["registry"].settings)
    headers.init_app(app)
    i18n.init_app(app)
    api.init_app(app)
    pages.init_app(app)
    health.init_app(app)
    return app
