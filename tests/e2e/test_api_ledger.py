"""GET /ledger counts the events not sealed yet; an import through the API leaves none, and
a served app's follower seals what its writes add."""

from __future__ import annotations

import pytest

from registry.bootstrap import initialise
from registry.commands.base import Actor
from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, TEACHER, build_app

CSV = (
    "pin,number,provider_code,title,form,hours,issued_on\n"
    f"{PIN},PAPER-1,KAE,Methods of teaching,seminar,36,2019-05-10\n"
)


@pytest.fixture
def api_app(settings):
    """The web app without a follower: only the writers themselves seal."""
    from web import create_app

    initialise(settings)
    app = create_app(
        {
            "TESTING": True,
            "REGISTRY_SETTINGS": settings,
            "SECRET_KEY": "test-web-secret",
            "REGISTRY_FOLLOW": False,
        }
    )
    yield app
    app.extensions["registry"].close()


def post_csv(caller, text, **headers):
    return caller.post("/imports", data=text.encode(), content_type="text/csv", headers=headers)


def head(caller) -> dict:
    response = caller.get("/ledger")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_unsealed_events_are_counted_until_an_import_seals_them_all(callers, api_app):
    auditor, admin = callers["auditor"], callers["admin"]
    registry = api_app.extensions["registry"].registry
    admin.post("/teachers", json=TEACHER)  # a single command: the follower would seal it
    before = head(auditor)
    assert before["unsealed_events"] == registry.max_position() - before["position"] > 0
    assert before["log_position"] == registry.max_position()

    response = post_csv(admin, CSV)

    assert response.status_code == 200 and response.get_json()["recorded"] == 1
    after = head(auditor)
    assert after["unsealed_events"] == 0
    assert after["position"] == after["log_position"] == registry.max_position()
    assert after["events"] == registry.max_position()


def test_an_import_with_an_idempotency_key_leaves_its_own_record_sealed_too(callers, api_app):
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    response = post_csv(admin, CSV, **{"Idempotency-Key": "paper-import-1"})
    assert response.status_code == 200, response.get_json()
    assert head(callers["auditor"])["unsealed_events"] == 0


def test_the_ledger_schema_documents_the_unsealed_count(api_app):
    spec = api_app.test_client().get("/api/v1/openapi.json").get_json()
    ledger = spec["components"]["schemas"]["LedgerOut"]["properties"]
    assert "not sealed" in ledger["unsealed_events"]["description"]
    assert "publish" in ledger["hash"]["description"]


def test_a_served_apps_follower_seals_what_its_writes_add(settings):
    app = build_app(settings)  # with its follower, as `registry serve` runs
    try:
        registry = app.extensions["registry"].registry
        system = Actor.system()
        registry.register_provider(
            system, code="KAE", name="Kyrgyz Academy of Education", kind="academy", region="KG-GB"
        )
        _, token = registry.create_account(system, name="auditor", role="auditor")
        _, admin_token = registry.create_account(system, name="admin", role="admin")
        client = app.test_client()
        written = client.post(
            "/api/v1/teachers", json=TEACHER, headers={"Authorization": f"Bearer {admin_token}"}
        )
        assert written.status_code == 201, written.get_json()
        position = int(written.headers["X-Registry-Position"])

        answer = client.get(
            f"/api/v1/ledger?min_position={position}",
            headers={"Authorization": f"Bearer {token}"},
        ).get_json()

        assert answer["position"] >= position and answer["unsealed_events"] == 0
    finally:
        app.extensions["registry"].close()
