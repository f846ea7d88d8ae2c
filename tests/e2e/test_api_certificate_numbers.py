"""Any certificate number the rule allows is reachable through every API path that takes a
number: the legacy numbers `registry generate` writes (`IEP-KAE/2016/N0004`), Cyrillic
ones, and numbers that end in an action's name, on both engines."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from urllib.parse import quote

import pytest

from registry.commands.base import Actor
from registry.generate import generate_history
from tests.conftest import make_settings
from tests.e2e.api_support import *

PIN = "21505198512345"
TEACHER = {
    "pin": PIN,
    "full_name": "Айгүл Асанова",
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Mathematics",
    "position": "teacher",
    "service_start": "2010-09-01",
}
PASSWORD = "correct-horse-7"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def settings(database_url, tmp_path):
    """Each generated number is verified: more lookups a minute than a person makes."""
    return dataclasses.replace(
        make_settings(database_url, tmp_path), verify_lookups_per_address="10000/minute"
    )


def caught_up(api_app) -> None:
    services = api_app.extensions["registry"]
    services.queries.wait_for(services.registry.recorder.max_notification_id(), timeout=30)


@pytest.fixture
def generated(api_app):
    """A small generated national history; its legacy numbers with '/' (and codes)."""
    services = api_app.extensions["registry"]
    generate_history(
        services.registry, teachers=150, years=5, seed=3, end=date(2025, 6, 30), workers=1
    )
    caught_up(api_app)
    rows = services.registry.db.query(
        "SELECT number FROM certificate_index WHERE number LIKE '%/%' AND kind = 'legacy' "
        "ORDER BY number"
    )
    numbers = [row[0] for row in rows]
    assert len(numbers) >= 10, numbers
    return numbers


def paper(number: str, pin: str = PIN) -> dict:
    """The body of a paper certificate recorded under a number."""
    return {
        "pin": pin,
        "number": number,
        "provider_code": "KAE",
        "title": "Методика",
        "form": "seminar",
        "hours": 36,
        "issued_on": "2019-05-20",
    }


def legacy(api, number: str, *, pin: str = PIN) -> dict:
    """Record a paper certificate under a number (the teacher exists)."""
    response = api.post("/certificates/legacy", json=paper(number, pin))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def teacher(api, api_app):
    assert api.post("/teachers", json=TEACHER).status_code == 201


def test_every_generated_number_with_a_slash_is_read_and_verified(api, generated):
    for number in generated:
        certificate = api.get(f"/certificates/{number}")
        assert certificate.status_code == 200, (number, certificate.get_json())
        assert certificate.get_json()["number"] == number
        code = certificate.get_json()["verification_code"]
        verified = api.client.get(f"/api/v1/verify/{number}?code={code}")
        assert verified.status_code == 200, (number, verified.get_json())
        assert verified.get_json()["number"] == number
        assert "pin" not in verified.get_json()


def test_a_number_with_its_slashes_encoded_reads_the_same_certificate(api, generated):
    number = generated[0]
    plain = api.get(f"/certificates/{number}")
    encoded = api.get(f"/certificates/{quote(number, safe='')}")
    by_query = api.get(f"/certificates?number={quote(number, safe='')}")
    assert "%2F" in quote(number, safe="")
    assert plain.status_code == encoded.status_code == by_query.status_code == 200
    assert plain.get_json() == encoded.get_json() == by_query.get_json()


def test_a_generated_number_with_a_slash_is_replaced_by_a_duplicate_and_revoked(
    api, generated, api_app
):
    original = generated[1]
    duplicate = api.post(
        f"/certificates/{original}/duplicate",
        json={"number": f"{original}/D", "issued_on": "2025-07-01"},
    )
    assert duplicate.status_code == 201, duplicate.get_json()
    assert duplicate.get_json()["duplicate_of"] == original
    caught_up(api_app)
    assert api.get(f"/certificates/{original}").get_json()["replaced_by"] == [f"{original}/D"]
    revoked = api.post(f"/certificates/{original}/D/revocation", json={"reason": "Issued in error"})
    assert revoked.status_code == 200, revoked.get_json()
    assert (revoked.get_json()["number"], revoked.get_json()["status"]) == (
        f"{original}/D",
        "revoked",
    )
    caught_up(api_app)
    assert api.get(f"/certificates/{original}/D").get_json()["status"] == "revoked"


def test_a_cyrillic_number_with_slashes_works_in_every_path(api, teacher, api_app):
    number = "КГ/2020/Ө-17"
    code = legacy(api, number)["verification_code"]
    caught_up(api_app)
    for path in (
        f"/certificates/{number}",
        f"/certificates/{quote(number, safe='')}",
        f"/certificates?number={quote(number)}",
    ):
        response = api.get(path)
        assert response.status_code == 200, (path, response.get_json())
        assert response.get_json()["number"] == number
    verified = api.client.get(f"/api/v1/verify/{quote(number)}?code={code}")
    assert verified.status_code == 200 and verified.get_json()["number"] == number
    duplicate = api.post(
        f"/certificates/{number}/duplicate",
        json={"number": "КГ/2020/Ө-17/Д", "issued_on": "2024-02-01"},
    )
    assert duplicate.status_code == 201, duplicate.get_json()
    revoked = api.post(
        f"/certificates/{quote('КГ/2020/Ө-17/Д', safe='')}/revocation",
        json={"reason": "Жаңылыш берилген"},
    )
    assert revoked.status_code == 200 and revoked.get_json()["number"] == "КГ/2020/Ө-17/Д"


def test_a_path_ending_in_an_action_is_that_action_on_the_number_before_it(api, teacher, api_app):
    legacy(api, "Q-1")
    caught_up(api_app)
    revoked = api.post("/certificates/Q-1/revocation", json={"reason": "Lost"})
    assert revoked.status_code == 200 and revoked.get_json()["number"] == "Q-1"
    caught_up(api_app)
    assert api.get("/certificates/Q-1").get_json()["status"] == "revoked"


@pytest.mark.parametrize(
    "number",
    [
        "Q-1/revocation",
        "Q-1/duplicate",
        "Q-1/Credential",
        "Q-1/certificate.pdf",
        "Q//1",
        "Q/./1",
        "Q/../1",
        "Q-1/",
    ],
)
def test_a_new_number_some_path_of_it_would_not_reach_is_refused(api, teacher, number):
    """A number ending in an action (its GET path would read as that action's, so the
    certificate could not be read by its own path) or with a part that clients rewrite
    ('//', '.', '..') is refused, and nothing is recorded."""
    refused = api.post("/certificates/legacy", json=paper(number))
    assert refused.status_code in (400, 422), refused.get_json()
    assert refused.get_json()["error"]["fields"].keys() == {"number"}
    assert api.get(f"/certificates?number={quote(number, safe='')}").status_code == 404


def test_a_certificate_numbered_like_a_route_is_still_reached(api, teacher, api_app):
    legacy(api, "legacy")
    caught_up(api_app)
    assert api.get("/certificates/legacy").get_json()["number"] == "legacy"
    revoked = api.post("/certificates/legacy/revocation", json={"reason": "Lost"})
    assert revoked.status_code == 200 and revoked.get_json()["number"] == "legacy"


def test_a_method_no_certificate_path_offers_is_a_405_with_allow(api, generated):
    number = generated[0]
    response = api.client.delete(
        f"/api/v1/certificates/{number}", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_an_unknown_number_with_a_slash_is_a_plain_404(api, callers):
    assert api.get("/certificates/NO/SUCH/1").get_json()["error"]["code"] == "certificate_not_found"
    verify = callers["public"].get("/verify/NO/SUCH/1?code=ABCD-EFGH")
    assert (verify.status_code, verify.get_json()["error"]["code"]) == (404, "not_verified")


def test_the_query_form_needs_a_number(api):
    response = api.get("/certificates")
    assert response.status_code == 400
    assert "number" in response.get_json()["error"]["fields"]


def test_the_openapi_says_numbers_may_contain_slashes(callers):
    spec = callers["public"].get("/openapi.json").get_json()
    for path in (
        "/api/v1/certificates/{number}",
        "/api/v1/certificates/{number}/revocation",
        "/api/v1/certificates/{number}/duplicate",
        "/api/v1/verify/{number}",
    ):
        (parameter,) = [p for p in spec["paths"][path]["parameters"] if p["name"] == "number"]
        assert "'/'" in parameter["description"], path
        assert "/revocation" in parameter["description"], path
        assert parameter["schema"]["maxLength"] == 64
    query = [
        p
        for p in spec["paths"]["/api/v1/certificates"]["get"]["parameters"]
        if p["name"] == "number"
    ]
    assert query and query[0]["required"] is True


def test_the_pages_still_show_generated_numbers_with_slashes(api, api_app, generated):
    number = generated[2]
    code = api.get(f"/certificates/{number}").get_json()["verification_code"]
    client = api_app.test_client()
    page = client.get(f"/verify/{number}?code={code}&lang=en")
    assert page.status_code == 200
    assert number in page.get_data(as_text=True)
    api_app.extensions["registry"].registry.create_account(
        Actor.system(), name="page-auditor", role="auditor", password=PASSWORD
    )
    signin = client.get("/sign-in")
    token = CSRF.search(signin.get_data(as_text=True)).group(1)
    assert (
        client.post(
            "/sign-in", data={"csrf_token": token, "name": "page-auditor", "password": PASSWORD}
        ).status_code
        == 302
    )
    dossier = client.get(f"/certificates/{number}?lang=en")
    assert dossier.status_code == 200
    assert number in dossier.get_data(as_text=True)
