"""Operations endpoints: /healthz says the process is up, /readyz whether it can answer
rightly now (database, views, events set aside), and the admin's views page shows why."""

from __future__ import annotations

from registry.bootstrap import open_worker
from tests.builders import ADMIN, certified_teacher, store_malformed_transfer
from tests.e2e.api_support import *
from tests.e2e.conftest import PASSWORD, Browser


def _registry(api_app):
    return api_app.extensions["registry"].registry


def test_healthz_answers_that_the_process_is_up(api_app):
    answer = api_app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_views_are_current_and_nothing_is_set_aside(api_app):
    certified_teacher(_registry(api_app))
    open_worker(_registry(api_app)).catch_up()
    answer = api_app.test_client().get("/readyz")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["ready"] is True and body["reasons"] == []
    assert set(body["checks"]) == {"database", "views", "dead_letters", "reminders"}


def test_readyz_says_not_ready_and_why_when_a_view_set_an_event_aside(api_app):
    registry = _registry(api_app)
    certified_teacher(registry)
    store_malformed_transfer(registry)
    open_worker(registry).catch_up()
    answer = api_app.test_client().get("/readyz")
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    body = answer.get_json()
    assert body["ready"] is False and body["checks"]["dead_letters"]["count"] >= 1
    assert any("set aside" in why for why in body["reasons"])


def test_the_admins_views_page_lists_the_events_set_aside(api_app):
    registry = _registry(api_app)
    certified_teacher(registry)
    store_malformed_transfer(registry)
    open_worker(registry).catch_up()
    registry.create_account(ADMIN, name="ops", role="admin", password=PASSWORD)
    browser = Browser(api_app)
    browser.sign_in("ops")
    page = browser.text("/admin/views?lang=en")
    assert "Not ready" in page and "Teacher.Transferred" in page and "isoformat" in page
