"""Operations: `/healthz` (this process is up) and `/readyz` (it can answer rightly now).

Both are public and answer JSON without personal data: a load balancer or a monitor
polls them. `/readyz` answers 503, with the reasons, when a check fails.
"""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from registry.queries.readiness import readiness
from web.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up and serving requests (it does not touch the database)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Database reachable, views within bounds, no events set aside; else 503 and why."""
    result = readiness(services().registry)
    response = jsonify(result.as_json())
    response.status_code = 200 if result.ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not result.ready:
        response.headers["Retry-After"] = "30"
    return response


def init_app(app: Flask) -> None:
    """Register the health endpoints."""
    app.register_blueprint(bp)
