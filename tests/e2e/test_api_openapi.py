"""The API describes itself: an OpenAPI document and a docs page that work offline."""

from __future__ import annotations

import re

import pytest

from tests.e2e.api_support import *

SPEC_PATHS = [
    ("post", "/providers"),
    ("post", "/providers/{code}/suspension"),
    ("post", "/teachers"),
    ("post", "/teachers/{pin}/transfers"),
    ("post", "/teachers/{pin}/departure"),
    ("post", "/teachers/{pin}/corrections"),
    ("post", "/programmes"),
    ("post", "/programmes/{programme_id}/enrolments"),
    ("post", "/enrolments/{enrolment_id}/assessments"),
    ("post", "/enrolments/{enrolment_id}/withdrawal"),
    ("post", "/enrolments/{enrolment_id}/certificate"),
    ("post", "/certificates/legacy"),
    ("post", "/certificates/{number}/revocation"),
    ("post", "/certificates/{number}/duplicate"),
    ("post", "/policies"),
    ("get", "/policies"),
    ("post", "/imports"),
    ("get", "/teachers/{pin}"),
    ("get", "/teachers/{pin}/compliance"),
    ("get", "/teachers/{pin}/history"),
    ("get", "/certificates/{number}"),
    ("get", "/verify/{number}"),
    ("get", "/providers/{code}/workload"),
    ("get", "/statistics/compliance"),
    ("get", "/statistics/activity"),
    ("get", "/events"),
    ("get", "/events/export"),
    ("get", "/ledger"),
    ("get", "/open-data/compliance"),
]


@pytest.fixture
def database_url(sqlite_url):
    return sqlite_url


@pytest.fixture
def spec(callers):
    response = callers["public"].get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_endpoint_of_the_spec_is_described(spec):
    paths = {path.removeprefix("/api/v1"): ops for path, ops in spec["paths"].items()}
    missing = [(m, p) for m, p in SPEC_PATHS if m not in paths.get(p, {})]
    assert missing == []


def test_every_json_write_documents_its_body_key_and_position(spec):
    from web.api import PUBLIC_POSTS

    for path, operations in spec["paths"].items():
        post = operations.get("post")
        if not post:
            continue
        assert "requestBody" in post, path
        if path in PUBLIC_POSTS:  # checks that record nothing (a credential's verification)
            assert post["security"] == [] and "400" in post["responses"], path
            continue
        assert any(p.get("name") == "Idempotency-Key" for p in post.get("parameters", [])), path
        success = next(r for code, r in post["responses"].items() if code.startswith("2"))
        assert "X-Registry-Position" in success.get("headers", {}), path
        assert "422" in post["responses"] and "400" in post["responses"], path


def test_request_schemas_refuse_unknown_fields_and_name_their_vocabularies(spec):
    schemas = spec["components"]["schemas"]
    programme = schemas["ProgrammeIn"]
    assert programme["additionalProperties"] is False
    assert programme["properties"]["form"]["enum"] == [
        "course",
        "seminar",
        "training",
        "internship",
    ]
    assert set(programme["required"]) >= {"provider_code", "code", "hours", "starts_on"}


def test_public_reads_need_no_token_and_the_rest_a_bearer_one(spec):
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearer": []}]
    assert spec["paths"]["/api/v1/verify/{number}"]["get"]["security"] == []
    assert spec["paths"]["/api/v1/open-data/compliance"]["get"]["security"] == []


def test_the_docs_page_loads_its_assets_from_this_server(callers):
    client = callers["public"].client
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_the_api_root_points_to_its_description(callers):
    response = callers["public"].client.get("/api/v1/")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "/api/v1/openapi.json"


def test_the_event_log_documents_its_order_jumps_filters_total_and_export(spec):
    log = spec["paths"]["/api/v1/events"]["get"]
    names = {p["name"]: p for p in log["parameters"]}
    for name in ("after", "before", "order", "position", "at", "type", "actor", "pin"):
        assert name in names, name
    assert {"provider", "recorded_from", "recorded_to", "limit", "total"} <= set(names)
    assert names["order"]["schema"]["enum"] == ["asc", "desc"]
    page = spec["components"]["schemas"]["EventsOut"]["properties"]
    assert {"events", "next", "more", "order", "total", "total_exact"} <= set(page)
    export = spec["paths"]["/api/v1/events/export"]["get"]
    parameters = {p["name"]: p for p in export["parameters"]}
    assert parameters["format"]["schema"]["enum"] == ["jsonl", "csv"]
    assert "limit" not in parameters and "pin" in parameters
    assert {"application/x-ndjson", "text/csv"} <= set(export["responses"]["200"]["content"])


def test_threads_asking_for_the_document_at_once_all_get_it_whole(api_app):
    """The document is made on first demand: a server's threads asking for it together
    must each get the whole of it (one got it half-made and failed serialising it)."""
    import threading

    url = "/api/v1/openapi.json"
    bodies: list[tuple[int, bytes]] = []
    start = threading.Barrier(8)

    def ask() -> None:
        client = api_app.test_client()
        start.wait()
        response = client.get(url)
        bodies.append((response.status_code, response.get_data()))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in bodies] == [200] * 8
    assert len({body for _, body in bodies}) == 1  # the same, whole document
    assert bodies[0][1] == api_app.test_client().get(url).get_data()
