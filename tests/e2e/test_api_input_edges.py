"""Nothing a client sends is a server error: control characters in any query or path value
and integers beyond 64 bits are 400s naming the field, on every endpoint of the API (found
from its own OpenAPI) and on the pages; a method not offered is a 405 with Allow; CSV
answers carry one charset. Both engines (a NUL failed PostgreSQL's text, and SQLite's
search matched every teacher with it)."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest

from registry.commands.base import Actor
from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER

HUGE = "99999999999999999999"
PATH_VALUES = {
    "pin": PIN,
    "number": "KAE/2024/0001",
    "code": "KAE",
    "programme_id": str(uuid.uuid4()),
    "enrolment_id": str(uuid.uuid4()),
    "need_id": str(uuid.uuid4()),
    "list_name": "subjects",
}
PASSWORD = "correct-horse-7"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def operations(api):
    """(method, path template, operation) of every operation the API documents."""
    spec = api.get("/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post"):
                yield (
                    method,
                    path.removeprefix("/api/v1"),
                    {
                        **operation,
                        "parameters": [
                            *item.get("parameters", []),
                            *operation.get("parameters", []),
                        ],
                    },
                )


def filled(template: str, **values: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), PATH_VALUES[m.group(1)]), template)


def fields_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]["fields"]


@pytest.fixture
def teacher(api):
    """Aigul registered; the position of her registration."""
    response = api.post("/teachers", json=TEACHER)
    assert response.status_code == 201
    return response.headers["X-Registry-Position"]


def refusal(parameter: dict, response) -> int:
    """The status of a bad query value: 400, but 422 for known_at alone, whose every
    refusal the spec makes a 422 (tests/e2e/test_api_known_at.py)."""
    alone = set(fields_of(response)) == {"known_at"}
    return 422 if parameter["name"] == "known_at" and alone else 400


def test_a_control_character_in_any_query_parameter_is_a_400_naming_it(api, teacher):
    checked = 0
    for method, template, operation in operations(api):
        for parameter in operation["parameters"]:
            if method != "get" or parameter["in"] != "query":
                continue
            for value in ("A\x00B", "\x85", "a\nb"):
                path = f"{filled(template)}?{parameter['name']}={quote(value)}"
                response = api.get(path)
                assert response.status_code == refusal(parameter, response), (
                    path,
                    response.get_json(),
                )
                assert parameter["name"] in fields_of(response), (path, response.get_json())
            checked += 1
    assert checked >= 40


def test_an_integer_beyond_64_bits_in_any_query_parameter_is_a_400_naming_it(api, teacher):
    checked = 0
    for _method, template, operation in operations(api):
        for parameter in operation["parameters"]:
            if parameter["in"] != "query" or parameter["schema"].get("type") != "integer":
                continue
            assert parameter["schema"]["maximum"] <= 2**63 - 1, (template, parameter)
            for value in (HUGE, f"-{HUGE}", str(2**63), "9" * 5000):
                path = f"{filled(template)}?{parameter['name']}={value}"
                response = api.get(path)
                assert response.status_code == 400, (path, response.get_json())
                assert parameter["name"] in fields_of(response), path
            checked += 1
    assert checked >= 20  # min_position on every read, limit, offset, after


def test_every_documented_integer_maximum_is_the_real_one(api, teacher):
    for _method, template, operation in operations(api):
        for parameter in operation["parameters"]:
            schema = parameter["schema"]
            if parameter["in"] != "query" or schema.get("type") != "integer":
                continue
            name, path = parameter["name"], filled(template)
            at_most = api.get(f"{path}?{name}={schema['maximum']}")
            assert at_most.status_code != 500, (path, name)
            assert at_most.status_code != 400 or name not in fields_of(at_most), (
                path,
                name,
                at_most.get_json(),
            )
            beyond = api.get(f"{path}?{name}={schema['maximum'] + 1}")
            assert beyond.status_code == 400 and name in fields_of(beyond), (path, name)


def test_a_date_at_the_calendars_ends_is_a_400_naming_it_on_every_date_parameter(api, teacher):
    checked = 0
    for _method, template, operation in operations(api):
        for parameter in operation["parameters"]:
            kind = parameter["schema"].get("format")
            if parameter["in"] != "query" or kind not in ("date", "date-time"):
                continue
            values = ["0001-01-01", "0005-06-01", "1899-12-31", "3000-01-01", "9999-12-31"]
            if kind == "date-time":
                values += ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]
            for value in values:
                path = f"{filled(template)}?{parameter['name']}={quote(value)}"
                response = api.get(path)
                assert response.status_code == refusal(parameter, response), (
                    path,
                    response.get_json(),
                )
                assert parameter["name"] in fields_of(response), path
            checked += 1
    assert checked >= 10


def test_a_date_at_the_calendars_ends_in_a_body_is_a_400_and_records_nothing(api, teacher):
    registry = api.client.application.extensions["registry"].registry
    before = registry.max_position()
    for day in ("0001-01-01", "9999-12-31"):
        response = api.post("/programmes", json={**PROGRAMME, "ends_on": day})
        assert response.status_code == 400 and "ends_on" in fields_of(response)
        response = api.post(
            f"/teachers/{PIN}/transfers",
            json={
                "region": "KG-C",
                "district": "Sokuluk",
                "school": "School No. 5",
                "effective_on": day,
            },
        )
        assert response.status_code == 400 and "effective_on" in fields_of(response)
    assert registry.max_position() == before


def test_a_workload_over_more_than_a_century_is_a_400_not_megabytes_of_months(api_app, callers):
    services = api_app.extensions["registry"]
    services.queries.wait_for(services.registry.max_position(), timeout=10)  # KAE is known
    auditor = callers["auditor"]
    longest = auditor.get("/providers/KAE/workload?from=1925-01-01&to=2025-12-31")
    assert longest.status_code == 200 and len(longest.get_json()["by_month"]) == 1212
    response = auditor.get("/providers/KAE/workload?from=1900-01-01&to=2999-12-31")
    assert response.status_code == 400 and "to" in fields_of(response)


def test_the_largest_offsets_and_positions_allowed_answer_an_empty_page(callers, teacher):
    auditor, admin = callers["auditor"], callers["admin"]
    largest = 2**63 - 1
    events = auditor.get(f"/events?after={largest}")
    assert events.status_code == 200 and events.get_json()["events"] == []
    found = admin.get(f"/teachers?q=Асан&offset={largest}")
    assert found.status_code == 200 and found.get_json()["teachers"] == []
    due = admin.get(f"/due?status=overdue&offset={largest}&limit=10000")
    assert due.status_code == 200 and due.get_json()["teachers"] == []


def test_a_control_character_in_any_path_value_is_a_400_naming_it(api, callers, teacher):
    checked = 0
    for method, template, operation in operations(api):
        for parameter in operation["parameters"]:
            if parameter["in"] != "path":
                continue
            name = parameter["name"]
            path = filled(template, **{name: quote(f"{PATH_VALUES[name][:3]}\x00")})
            caller = api if operation.get("security") != [] else callers["public"]
            response = caller.post(path, json={}) if method == "post" else caller.get(path)
            assert response.status_code == 400, (method, path, response.get_json())
            assert name in fields_of(response), (method, path)
            checked += 1
    assert checked >= 20


def test_anonymous_verification_with_a_nul_is_a_400_and_reveals_nothing(callers):
    response = callers["public"].get("/verify/ABC%00?code=x")
    assert response.status_code == 400
    assert fields_of(response) == {"number": ["Control characters are not allowed."]}


def test_a_nul_search_no_longer_finds_every_teacher(api, teacher):
    found = api.get(f"/teachers?q=%D0%90%D0%B9&min_position={teacher}")  # "Ай"
    assert [t["pin"] for t in found.get_json()["teachers"]] == [PIN]
    response = api.get("/teachers?q=%00")
    assert response.status_code == 400
    assert "teachers" not in response.get_json()


def test_an_integer_beyond_64_bits_in_a_body_is_a_400_and_records_nothing(api, teacher):
    registry = api.client.application.extensions["registry"].registry
    before = registry.max_position()
    for field in ("hours",):
        response = api.post("/programmes", json={**PROGRAMME, field: 10**30})
        assert response.status_code == 400, response.get_json()
        assert field in fields_of(response)
    programme = api.post("/programmes", json=PROGRAMME).get_json()["id"]
    enrolment = api.post(f"/programmes/{programme}/enrolments", json={"pin": PIN}).get_json()
    before = registry.max_position()
    response = api.post(
        f"/enrolments/{enrolment['id']}/assessments",
        data='{"passed": true, "assessed_on": "2024-03-20", "score": 1' + "0" * 400 + "}",
        content_type="application/json",
    )
    assert response.status_code == 400, response.get_json()
    assert "score" in fields_of(response)
    policy = api.post(
        "/policies",
        json={"effective_from": "2030-01-01", "window_years": -(10**25), "required_hours": 72},
    )
    assert policy.status_code == 400 and "window_years" in fields_of(policy)
    assert registry.max_position() == before


@pytest.mark.parametrize("length", [201, 800, 801, 100_000])
def test_a_text_over_its_named_limit_is_a_422_naming_it_whatever_its_length(api, length):
    """The spec: each field has a named maximum length, refusals are 422 with the field
    named; a text far over it too (the schema's bound on raw input said 400 above 800)."""
    registry = api.client.application.extensions["registry"].registry
    before = registry.max_position()
    response = api.post("/teachers", json={**TEACHER, "full_name": "x" * length})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "too_long"
    assert set(fields_of(response)) == {"full_name"}
    assert "200" in response.get_json()["error"]["message"]
    assert registry.max_position() == before


@pytest.mark.parametrize(
    "method, path",
    [
        ("PUT", "/api/v1/providers"),
        ("DELETE", "/api/v1/providers"),
        ("PATCH", "/api/v1/teachers/21505198512345"),
        ("POST", "/api/v1/ledger"),
        ("POST", "/api/v1/verify/KAE/2024/0001"),
        ("PUT", "/api/v1/certificates/A/B/revocation"),
    ],
)
def test_a_method_a_path_does_not_offer_is_a_405_with_allow_whatever_the_body(api, method, path):
    for extra in (
        {"data": "code=X", "content_type": "application/x-www-form-urlencoded"},
        {"data": "code,name\nX,Y\n", "content_type": "text/csv"},
        {"json": {"code": "X"}},
        {},
    ):
        response = api.client.open(
            path, method=method, **extra, headers={"Authorization": f"Bearer {api.token}"}
        )
        assert response.status_code == 405, (method, path, extra, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "method_not_allowed" and error["message"]
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert method not in allowed and {"GET", "POST"} & allowed


def test_a_path_that_does_not_exist_is_a_404_whatever_the_body(api):
    response = api.client.post(
        "/api/v1/nowhere",
        data="x=1",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_write_that_is_offered_still_wants_json(api):
    response = api.post(
        "/providers", data="code=X", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "not_json"


def test_csv_answers_carry_one_charset(callers, api_app):
    for caller, path in (
        (callers["statistician"], "/statistics/compliance?format=csv"),
        (callers["statistician"], "/statistics/activity?format=csv"),
        (callers["public"], "/open-data/compliance?format=csv"),
        (callers["admin"], "/due?status=overdue&format=csv"),
    ):
        response = caller.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", path
    page = api_app.test_client().get("/open-data.csv")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_the_openapi_documents_csv_answers_and_the_retry_statuses(api):
    description = api.get("/openapi.json").get_json()["info"]["description"]
    assert "405 with an Allow header" in description
    assert "503 database_unavailable" in description
    with_csv = {
        template
        for method, template, operation in operations(api)
        if any(p["name"] == "format" for p in operation["parameters"])
    }
    assert all(
        method == "get"
        for method, template, operation in operations(api)
        if any(p["name"] == "format" for p in operation["parameters"])
    )
    assert with_csv == {
        "/due",
        "/events/export",
        "/needs",
        "/open-data/compliance",
        "/programmes",
        "/providers",
        "/providers/{code}/certificates",
        "/statistics/activity",
        "/statistics/compliance",
        "/statistics/forecast",
        "/statistics/teachers",
    }
    for method, template, operation in operations(api):
        responses = operation["responses"]
        assert {"429", "503"} <= set(responses), (method, template)
        assert "Retry-After" in responses["503"]["headers"], template
        content = responses["200" if "200" in responses else "201"]["content"]
        downloads = method == "get" and template in with_csv
        assert ("text/csv" in content) == downloads, (method, template)


def test_the_openapi_documents_pins_and_idempotency_keys(api):
    spec = api.get("/openapi.json").get_json()
    pin_paths = 0
    for _method, template, operation in operations(api):
        for parameter in operation["parameters"]:
            if parameter["name"] == "pin":
                assert parameter["schema"]["pattern"] == "^[0-9]{14}$", template
                pin_paths += 1
            if parameter["name"] == "Idempotency-Key":
                schema = parameter["schema"]
                assert (schema["minLength"], schema["maxLength"]) == (1, 200)
                assert re.fullmatch(schema["pattern"], "3f1c9a2e-retry-1")
                assert not re.fullmatch(schema["pattern"], "two words")
    assert pin_paths >= 8  # every operation under /teachers/{pin} (and /teachers?pin=)
    schemas = spec["components"]["schemas"]
    for name in ("TeacherIn", "CorrectionIn", "EnrolmentIn", "LegacyIn"):
        assert schemas[name]["properties"]["pin"]["pattern"] == "^[0-9]{14}$", name


def test_a_page_with_a_control_character_is_a_400_page_naming_it(api_app, database_url):
    client = api_app.test_client()
    registry = api_app.extensions["registry"].registry
    registry.create_account(Actor.system(), name="page-admin", role="admin", password=PASSWORD)
    token = CSRF.search(client.get("/sign-in").get_data(as_text=True)).group(1)
    assert (
        client.post(
            "/sign-in", data={"csrf_token": token, "name": "page-admin", "password": PASSWORD}
        ).status_code
        == 302
    )
    for path, name in (
        ("/teachers?q=%00", "q"),
        ("/teachers?region=KG-C%00", "region"),
        ("/verify/ABC%00?code=x", "number"),
        ("/verify?number=A%00&code=x", "number"),
        ("/providers/KAE%00", "code"),
        ("/teachers/2150519851%0012", "pin"),
        ("/certificates/A/B%00", "number"),
        ("/audit/events?actor=%C2%85", "actor"),
    ):
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang=en")
        assert response.status_code == 400, path
        assert response.mimetype == "text/html"
        assert f"“{name}” contains a control character" in response.get_data(as_text=True)


def test_a_page_number_position_or_date_out_of_range_is_an_error_on_the_page(api_app, teacher):
    api_app.extensions["registry"].queries.wait_for(int(teacher), timeout=10)
    client = api_app.test_client()
    registry = api_app.extensions["registry"].registry
    registry.create_account(Actor.system(), name="page-auditor", role="auditor", password=PASSWORD)
    token = CSRF.search(client.get("/sign-in").get_data(as_text=True)).group(1)
    assert (
        client.post(
            "/sign-in", data={"csrf_token": token, "name": "page-auditor", "password": PASSWORD}
        ).status_code
        == 302
    )
    for path in (
        "/teachers?q=Asan&page=9223372036854775807",
        f"/teachers?q=Asan&page={HUGE}",
        "/teachers?q=Asan&page=%C2%B2",
        f"/audit/events?after={HUGE}",
    ):
        response = client.get(f"{path}&lang=en")
        assert response.status_code in (200, 400), (path, response.status_code)
        assert "is not a whole number" in response.get_data(as_text=True), path
    for path in (
        "/statistics?as_of=0001-01-01",
        "/statistics?as_of=9999-12-31",
        "/statistics/teachers?as_of=0005-06-01",
        "/open-data?as_of=9999-12-31",
        f"/teachers/{PIN}?as_of=0001-01-01",
        "/audit/events?from=0001-01-01",
        "/audit/compliance?pin=21505198512345&known_at=0001-01-01T00:00",
    ):
        response = client.get(f"{path}&lang=en")
        assert response.status_code in (200, 400), (path, response.status_code)
        assert "is not a date" in response.get_data(as_text=True), path
