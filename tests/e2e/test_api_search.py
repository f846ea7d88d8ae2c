"""GET /teachers?q= and GET /programmes?q=: folded search with the total, and bad queries
answered 422 naming `q`, never a 500."""

from __future__ import annotations

import pytest

from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER


@pytest.fixture
def database_url(sqlite_url):  # the engines are tested by tests/integration/test_queries_search
    return sqlite_url


@pytest.fixture
def many(api) -> str:
    """Aigul and 11 more Asanovs registered; the position of the last."""
    response = api.post("/teachers", json=TEACHER)
    for n in range(11):
        pin = f"1010119900{n:04d}"
        response = api.post("/teachers", json={**TEACHER, "pin": pin, "full_name": f"Асанова {n}"})
        assert response.status_code == 201
    return response.headers["X-Registry-Position"]


def test_a_search_answers_the_total_and_a_page_best_first(api, many):
    body = api.get(f"/teachers?q=asanova%20aigul&limit=5&min_position={many}").get_json()
    assert body["total"] == 1 and [t["pin"] for t in body["teachers"]] == [PIN]
    page = api.get("/teachers?q=%D0%B0%D1%81%D0%B0%D0%BD%D0%BE%D0%B2%D0%B0&limit=5&offset=10")
    assert page.get_json()["total"] == 12 and len(page.get_json()["teachers"]) == 2
    assert api.get(f"/teachers?q={PIN}").get_json()["total"] == 1


@pytest.mark.parametrize(
    ("q", "status"),
    [("a", 422), ("%25", 422), ("_", 422), ("%27", 422), ("%25%27_", 422)]
    + [("a" * 201, 400), ("я" * 500, 400)],
    ids=lambda value: str(value)[:8],
)
def test_a_query_too_short_too_long_or_only_metacharacters_is_refused_naming_q(
    api, many, q, status
):
    response = api.get(f"/teachers?q={q}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert "q" in response.get_json()["error"]["fields"]


def test_programmes_are_searched_with_a_total(api, many):
    created = api.post("/programmes", json=PROGRAMME)
    position = created.headers["X-Registry-Position"]
    body = api.get(f"/programmes?q=mathematics&min_position={position}").get_json()
    assert body["total"] == 1 and body["programmes"][0]["code"] == "MATH-72"
    assert api.get("/programmes?q=m").status_code == 422
    assert api.get("/programmes").get_json()["total"] == 1  # every list answers its total
