"""Bad input always gets a clear error in one shape, and changes nothing."""

from __future__ import annotations

import pytest

from tests.e2e.api_support import *


@pytest.fixture
def database_url(sqlite_url):
    """Error handling does not depend on the backend."""
    return sqlite_url


PROVIDER = {"code": "NEW", "name": "New provider", "kind": "university", "region": "KG-GB"}
TEACHER = {
    "pin": "21505198512345",
    "full_name": "Айгүл Асанова",
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Mathematics",
    "position": "teacher",
    "service_start": "2010-09-01",
}


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def provider_count(api) -> int:
    registry = api.client.application.extensions["registry"].registry
    return registry.max_position()


def test_malformed_json_is_a_400_and_records_nothing(api):
    before = provider_count(api)
    response = api.post("/providers", data='{"code": "X",', content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    assert provider_count(api) == before


def test_an_unknown_field_is_a_400_that_names_it(api):
    response = api.post("/providers", json={**PROVIDER, "colour": "red"})
    assert response.status_code == 400
    error = error_of(response)
    assert "colour" in error["message"] and "colour" in error["fields"]


def test_a_wrong_type_is_a_400_naming_the_field(api):
    programme = {
        "provider_code": "KAE",
        "code": "C1",
        "title": "T",
        "form": "course",
        "mode": "full_time",
        "hours": "72",
        "assessment": "exam",
        "funding": "state",
        "starts_on": "2024-03-01",
        "ends_on": "2024-03-20",
    }
    response = api.post("/programmes", json=programme)
    assert response.status_code == 400
    assert "hours" in error_of(response)["fields"]


@pytest.mark.parametrize("value", ["2024-13-01", "01.03.2024", "yesterday", 20240301, ""])
def test_a_bad_date_is_a_400(api, value):
    response = api.post("/teachers", json={**TEACHER, "service_start": value})
    assert response.status_code == 400
    assert "service_start" in error_of(response)["fields"]


def test_a_missing_field_is_a_400(api):
    response = api.post("/teachers", json={k: v for k, v in TEACHER.items() if k != "pin"})
    assert response.status_code == 400
    assert "pin" in error_of(response)["fields"]


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = api.post("/providers", json=[PROVIDER])
    assert response.status_code == 400
    error_of(response)


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(
        "/providers", data="code=X", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "not_json"


def test_an_oversize_body_is_a_400(api):
    huge = '{"code": "' + "x" * (6 * 1024 * 1024) + '"}'
    response = api.post("/providers", data=huge, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "body_too_large"


def test_a_valid_request_that_breaks_a_rule_is_a_422(api):
    response = api.post("/teachers", json={**TEACHER, "pin": "21532198512345"})
    assert response.status_code == 422
    assert "pin" in error_of(response)["fields"]


def test_a_duplicate_is_a_409(api):
    assert api.post("/providers", json=PROVIDER).status_code == 201
    response = api.post("/providers", json=PROVIDER)
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate_provider"


def test_an_unknown_thing_is_a_404_in_json(api):
    response = api.get("/providers/NOPE")
    assert response.status_code == 404
    error_of(response)
    response = api.get("/no-such-endpoint")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_no_credentials_is_a_401_before_any_validation(callers):
    response = callers["public"].post("/providers", json={"junk": True})
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer ",
        "Basic YWRtaW46eA==",
        "Bearer 0123456789abcdef0123456789abcdef.wrong",
    ],
)
def test_a_bad_token_is_a_401(api, header):
    response = api.get("/providers", headers={"Authorization": header})
    assert response.status_code == 401
    error_of(response)


def test_a_bad_query_argument_is_a_400(api):
    response = api.get("/providers?colour=red")
    assert response.status_code == 400
    assert "colour" in error_of(response)["fields"]
    response = api.get("/providers?min_position=soon")
    assert response.status_code == 400
    assert "min_position" in error_of(response)["fields"]


def test_a_wrong_method_is_a_405_in_json(api):
    response = api.client.delete(
        "/api/v1/providers", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 405
    error_of(response)


def test_options_says_which_methods_a_path_offers_without_asking_who_calls(api):
    public = api.client  # no token: OPTIONS reveals the methods, nothing of the data
    for path, methods in (
        ("/api/v1/teachers", {"GET", "POST"}),
        ("/api/v1/teachers/21505198512345", {"GET"}),
        ("/api/v1/verify/KAE-2024-0001", {"GET"}),
    ):
        response = public.options(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        assert methods <= set(response.headers["Allow"].split(", ")), path
        assert response.get_data() == b""
        assert "X-Registry-Position" not in response.headers


def test_errors_outside_the_api_are_html_pages(api):
    response = api.client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_absurdly_nested_json_is_a_400_not_a_crash(api):
    response = api.post("/providers", data="[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


@pytest.mark.parametrize(
    "path",
    [
        "/teachers/21505198512345/compliance?as_of=2024-02-30",
        "/events?recorded_from=yesterday",
        "/events?after=-1",
        "/teachers?limit=1.5",
        "/statistics/activity?from=2025-01-01&to=2024-01-01",
        "/open-data/compliance?group_by=school",
    ],
)
def test_bad_query_values_are_400s(callers, path):
    # (A bad known_at is a 422 of its own: tests/e2e/test_api_known_at.py.)
    response = callers["auditor"].get(path)
    assert response.status_code == 400, response.get_json()
    error_of(response)
