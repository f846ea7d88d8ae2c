"""Who may call what: the spec's role table, endpoint by endpoint, over HTTP."""

from __future__ import annotations

import pytest

from tests.e2e.api_support import *  # noqa: F401,F403

PIN = "21505198512345"
TEACHER = {"pin": PIN, "full_name": "Айгүл Асанова", "region": "KG-C",
           "district": "Sokuluk", "school": "School No. 3", "subject": "Mathematics",
           "position": "teacher", "service_start": "2010-09-01"}
ROLES = ("public", "admin", "registrar", "commission", "auditor", "statistician")
DENIED = (401, 403)


@pytest.fixture
def database_url(sqlite_url):
    """Access rules do not depend on the backend."""
    return sqlite_url


# (method, path, body, roles allowed). Allowed roles must not get 401/403 nor a 5xx;
# every other role must.
READS = [
    ("GET", "/me", None, ("admin", "registrar", "commission", "auditor", "statistician")),
    ("GET", "/providers", None, ("admin", "registrar", "commission", "auditor",
                                 "statistician")),
    ("GET", "/policies", None, ("admin", "registrar", "commission", "auditor",
                                "statistician")),
    ("GET", f"/teachers/{PIN}", None, ("admin", "registrar", "commission", "auditor")),
    ("GET", f"/teachers/{PIN}/compliance", None, ("admin", "registrar", "commission",
                                                  "auditor")),
    ("GET", f"/teachers/{PIN}/history", None, ("admin", "registrar", "commission",
                                               "auditor")),
    ("GET", "/teachers?q=Асан", None, ("admin", "registrar", "commission", "auditor")),
    ("GET", "/due?status=overdue", None, ("admin", "registrar", "commission", "auditor")),
    ("GET", "/statistics/compliance?group_by=region", None,
     ("admin", "registrar", "commission", "auditor", "statistician")),
    ("GET", "/statistics/activity?group_by=form", None,
     ("admin", "registrar", "commission", "auditor", "statistician")),
    ("GET", "/statistics/teachers", None, ("admin", "auditor", "statistician")),
    ("GET", "/providers/KAE/workload?from=2024-01-01&to=2024-12-31", None,
     ("admin", "registrar", "auditor", "statistician")),
    ("GET", "/events", None, ("auditor",)),
    ("GET", "/ledger", None, ("auditor",)),
    ("GET", "/open-data/compliance", None, ROLES),
    ("GET", "/openapi.json", None, ROLES),
]
WRITES = [
    ("POST", "/providers", {"code": "NEW", "name": "New", "kind": "other",
                            "region": "KG-GB"}, ("admin",)),
    ("POST", "/providers/OBL/suspension", {"reason": "audit"}, ("admin",)),
    ("POST", "/teachers", {**TEACHER, "pin": "10203199000011"}, ("admin", "registrar")),
    ("POST", f"/teachers/{PIN}/departure", {"effective_on": "2024-01-01",
                                            "reason": "retired"}, ("admin", "registrar")),
    ("POST", "/programmes", {"provider_code": "KAE", "code": "P1", "title": "T",
                             "form": "seminar", "mode": "distance", "hours": 12,
                             "assessment": "none", "funding": "state",
                             "starts_on": "2024-01-10", "ends_on": "2024-01-12"},
     ("admin", "registrar")),
    ("POST", "/certificates/legacy", {"pin": PIN, "number": "OLD-1", "provider_code": "KAE",
                                      "title": "Old", "form": "seminar", "hours": 20,
                                      "issued_on": "2018-01-01"}, ("admin", "registrar")),
    ("POST", "/policies", {"effective_from": "2026-01-01", "window_years": 1,
                           "required_hours": 36}, ("admin",)),
    ("POST", "/providers/OBL/reinstatement", {"reason": "cleared"}, ("admin",)),
    ("POST", f"/teachers/{PIN}/transfers", {"region": "KG-GB", "district": "Bishkek",
                                            "school": "Gymnasium 5",
                                            "effective_on": "2020-09-01"},
     ("admin", "registrar")),
    ("POST", f"/teachers/{PIN}/corrections", {"full_name": "Айгүл Асан кызы"},
     ("admin", "registrar")),
    ("POST", "/programmes/00000000-0000-0000-0000-000000000000/enrolments", {"pin": PIN},
     ("admin", "registrar")),
    ("POST", "/enrolments/00000000-0000-0000-0000-000000000000/assessments",
     {"passed": True, "assessed_on": "2024-01-01"}, ("admin", "registrar")),
    ("POST", "/enrolments/00000000-0000-0000-0000-000000000000/withdrawal",
     {"effective_on": "2024-01-01", "reason": "ill"}, ("admin", "registrar")),
    ("POST", "/enrolments/00000000-0000-0000-0000-000000000000/certificate",
     {"number": "N-1", "issued_on": "2024-01-01"}, ("admin", "registrar")),
    ("POST", "/certificates/N-0/revocation", {"reason": "error"}, ("admin", "registrar")),
    ("POST", "/certificates/N-0/duplicate", {"number": "N-2", "issued_on": "2024-01-01"},
     ("admin", "registrar")),
]


@pytest.fixture
def teacher(callers):
    assert callers["admin"].post("/teachers", json=TEACHER).status_code == 201


@pytest.mark.parametrize("method,path,body,allowed", READS + WRITES,
                         ids=[f"{m} {p}" for m, p, _, _ in READS + WRITES])
def test_each_role_reaches_exactly_what_the_spec_allows(callers, teacher, method, path,
                                                        body, allowed):
    for role in ROLES:
        caller = callers[role]
        response = caller.get(path) if method == "GET" else caller.post(path, json=body)
        if role in allowed:
            assert response.status_code not in DENIED, (role, response.get_json())
            assert response.status_code < 500, (role, response.get_json())
        else:
            expected = 401 if role == "public" else 403
            assert response.status_code == expected, (role, response.status_code)


def test_a_registrar_records_only_for_their_own_provider(callers, teacher):
    other = callers["other_registrar"]
    response = other.post("/programmes", json={
        "provider_code": "KAE", "code": "P2", "title": "T", "form": "seminar",
        "mode": "distance", "hours": 12, "assessment": "none", "funding": "state",
        "starts_on": "2024-01-10", "ends_on": "2024-01-12"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "other_provider"
    legacy = other.post("/certificates/legacy", json={
        "pin": PIN, "number": "OLD-2", "provider_code": "KAE", "title": "Old",
        "form": "seminar", "hours": 20, "issued_on": "2018-01-01"})
    assert legacy.status_code == 403


def test_a_registrar_reads_only_their_own_providers_workload(callers):
    response = callers["registrar"].get("/providers/OBL/workload?from=2024-01-01&to=2024-12-31")
    assert response.status_code == 403


def test_a_commission_bound_to_another_region_cannot_see_a_teacher(callers, teacher):
    response = callers["osh_commission"].get(f"/teachers/{PIN}/compliance")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "teacher_not_found"
    assert callers["osh_commission"].get("/teachers?region=KG-C").status_code == 403


def test_the_public_reaches_verification_without_a_token(callers):
    response = callers["public"].get("/verify/NO-SUCH?code=AAAA-BBBB")
    assert response.status_code == 404


def test_a_signed_in_session_acts_as_its_account(api_app, callers):
    from registry.domain.account import Account

    client = api_app.test_client()
    with client.session_transaction() as session:
        session["account_id"] = str(Account.id_for("auditor"))
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["role"] == "auditor"
    assert response.get_json()["via"] == "web"
