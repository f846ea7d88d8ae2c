"""`/metrics` in Prometheus's text format (prometheus-client).

Two kinds of figures:

- **Requests**, counted where they are served: a latency histogram per endpoint (the
  route's name, never its path: a PIN must not become a label), method and status class.
  Under gunicorn every worker is a process of its own, so with `PROMETHEUS_MULTIPROC_DIR`
  set (infra/ sets it) the workers write their samples to files there and a scrape of any
  worker adds them all up (prometheus-client's multiprocess mode; gunicorn's `child_exit`
  hook removes a dead worker's live gauges, `infra/gunicorn.conf.py`).
- **The registry's state**, read from the database at each scrape, so every worker gives
  the same figures: the log's head (events written), each view's lag in events and in
  seconds (since it last advanced, 0 when caught up), events set aside by the views, and
  the events the ledger has not sealed yet; with reads from a hot standby, how far its
  replay trails the primary, in seconds and in the registry's events.

Who may read: with the setting `metrics_token` (`REGISTRY_METRICS_TOKEN`), a scraper
that sends it as a bearer token; without it, clients on the same machine only (the
address after the proxy's X-Forwarded-For, see `proxy_hops`).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from registry import ledger
from registry.projections import deadletters
from registry.queries.audit import AuditQueries
from web.services import services

bp = Blueprint("metrics", __name__)

# Buckets from a cached lookup (a few ms) to a wait for the views that ran out (5 s+).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer an HTTP request, by route, method and status class.",
    ("endpoint", "method", "status"),
    buckets=LATENCY_BUCKETS,
)


class RegistryCollector(Collector):
    """The registry's state as the database holds it now (read at each scrape)."""

    def collect(self) -> Iterator[Metric]:
        app = services().registry
        views = AuditQueries(app).views_status()
        head = views[0]["head"] if views else (app.max_position() or 0)
        yield CounterMetricFamily(
            "registry_events_written",
            "Events in the log: the position of its newest event.",
            value=head,
        )
        lag = GaugeMetricFamily(
            "registry_view_lag_events",
            "Events of the log a view has not applied yet (or skipped as not its own).",
            labels=("view",),
        )
        behind = GaugeMetricFamily(
            "registry_view_lag_seconds",
            "Seconds since a view that is behind the log last advanced (0 when caught up).",
            labels=("view",),
        )
        now = time.time()
        for row in views:
            lag.add_metric((row["name"],), row["lag"])
            seconds = 0.0
            if row["lag"] and row["updated_at"] is not None:
                seconds = max(0.0, now - row["updated_at"].timestamp())
            behind.add_metric((row["name"],), seconds)
        yield lag
        yield behind
        yield GaugeMetricFamily(
            "registry_view_dead_letters",
            "Events set aside by the views (some answers are incomplete until handled).",
            value=deadletters.count(app.db, app.name),
        )
        yield GaugeMetricFamily(
            "registry_ledger_unsealed_events",
            "Events the ledger has not sealed into a checkpoint yet.",
            value=ledger.head(app)["unsealed_events"],
        )
        standby = app.standby_lag()
        if standby is not None:
            yield GaugeMetricFamily(
                "registry_standby_lag_seconds",
                "Seconds the hot standby serving the reads trails the primary in replay "
                "(0 once it has replayed all the primary had written; NaN: not yet known).",
                value=float("nan") if standby.seconds is None else standby.seconds,
            )
            yield GaugeMetricFamily(
                "registry_standby_lag_events",
                "Events of the primary's log the hot standby serving the reads lacks.",
                value=standby.events,
            )


_STATE = CollectorRegistry(auto_describe=False)
_STATE.register(RegistryCollector())


def _request_registry() -> CollectorRegistry:
    """This process's request metrics, or every worker's under gunicorn's processes."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import REGISTRY

        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    return combined


def _allowed() -> bool:
    token = services().settings.metrics_token
    if token:
        sent = request.headers.get("Authorization", "")
        scheme, _, value = sent.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    """Prometheus's text format: request latencies and the registry's state."""
    if not _allowed():
        abort(403)
    body = generate_latest(_request_registry()) + generate_latest(_STATE)
    response = Response(body, content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _observed(response):
    started = g.pop("metrics_started", None)
    if started is not None and request.endpoint != "metrics.metrics":
        REQUESTS.labels(
            request.endpoint or "unmatched",
            request.method,
            f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Register `/metrics` and time every request."""
    app.register_blueprint(bp)
    app.before_request(_started)
    app.after_request(_observed)
