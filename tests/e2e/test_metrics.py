"""`/metrics`: request latencies by route and the registry's state, for Prometheus, read
only by the machine itself or a scraper holding the metrics token."""

from __future__ import annotations

import dataclasses

from prometheus_client.parser import text_string_to_metric_families

from registry.bootstrap import initialise, open_worker
from tests.builders import ADMIN, OTHER_PIN, teacher
from tests.e2e.api_support import *
from tests.e2e.api_support import TEACHER, build_app


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape, keyed by (name, sorted labels)."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def requests_counted(samples, endpoint: str, method: str = "GET", status: str = "2xx") -> float:
    labels = (("endpoint", endpoint), ("method", method), ("status", status))
    return samples.get(("registry_http_request_duration_seconds_count", labels), 0.0)


def test_requests_are_counted_by_route_never_by_path(callers, api_app):
    admin = callers["admin"]
    client = api_app.test_client()
    before = scrape(client)
    written = admin.post("/teachers", json=TEACHER)
    assert written.status_code == 201
    position = written.headers["X-Registry-Position"]
    for _ in range(3):
        read = admin.get(f"/teachers/{TEACHER['pin']}?min_position={position}")
        assert read.status_code == 200
    assert callers["public"].get(f"/teachers/{TEACHER['pin']}").status_code == 401

    after = scrape(client)
    endpoint = "teachers.Teacher"
    assert requests_counted(after, endpoint) - requests_counted(before, endpoint) == 3
    assert (
        requests_counted(after, endpoint, status="4xx")
        - requests_counted(before, endpoint, status="4xx")
        == 1
    )
    assert (
        requests_counted(after, "teachers.Teachers", "POST")
        - requests_counted(before, "teachers.Teachers", "POST")
        == 1
    )
    # A PIN is never a label: labels name routes, and no sample mentions the PIN.
    assert not any(TEACHER["pin"] in str(key) for key in after)


def test_the_registry_state_is_read_from_the_database_at_each_scrape(settings):
    from web import create_app

    initialise(settings)
    app = create_app(  # no follower: the views move only when the test says so
        {"TESTING": True, "REGISTRY_FOLLOW": False, "REGISTRY_SETTINGS": settings}
    )
    try:
        registry = app.extensions["registry"].registry
        client = app.test_client()
        registry.register_teacher(ADMIN, teacher())
        open_worker(registry).catch_up()
        caught_up = scrape(client)
        head = registry.max_position()
        assert caught_up[("registry_events_written_total", ())] == head
        lags = {
            dict(labels)["view"]: value
            for (name, labels), value in caught_up.items()
            if name == "registry_view_lag_events"
        }
        assert lags and set(lags.values()) == {0}
        assert caught_up[("registry_view_lag_seconds", (("view", "directory"),))] == 0
        assert caught_up[("registry_view_dead_letters", ())] == 0
        assert caught_up[("registry_ledger_unsealed_events", ())] == 0

        written = registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
        behind = scrape(client)

        assert behind[("registry_events_written_total", ())] == written.position > head
        lag = written.position - head
        assert behind[("registry_view_lag_events", (("view", "directory"),))] == lag
        assert behind[("registry_view_lag_seconds", (("view", "directory"),))] > 0
        assert behind[("registry_ledger_unsealed_events", ())] == lag
    finally:
        app.extensions["registry"].close()


def test_only_the_machine_itself_or_a_holder_of_the_metrics_token_may_scrape(settings):
    app = build_app(dataclasses.replace(settings, metrics_token="scrape-secret"))
    try:
        client = app.test_client()
        assert client.get("/metrics").status_code == 403  # even from 127.0.0.1
        wrong = {"Authorization": "Bearer guess"}
        assert client.get("/metrics", headers=wrong).status_code == 403
        assert scrape(client, headers={"Authorization": "Bearer scrape-secret"})
    finally:
        app.extensions["registry"].close()
    app = build_app(settings)  # no token: loopback only
    try:
        client = app.test_client()
        outside = {"REMOTE_ADDR": "203.0.113.9"}
        assert client.get("/metrics", environ_base=outside).status_code == 403
        assert scrape(client, environ_base={"REMOTE_ADDR": "::1"})
    finally:
        app.extensions["registry"].close()
