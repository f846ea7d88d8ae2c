"""Who may call what, over HTTP: each endpoint is listed once under the permission it needs,
and what each role must get is computed from `registry.access`'s table, so a change to the
table moves the API and the pages (tests/e2e/test_pages_access.py) together."""

from __future__ import annotations

import pytest

from registry import access
from tests.e2e.api_support import *  # the fixtures: api_app, callers

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
PAPER = {
    "pin": PIN,
    "number": "OLD-0",
    "provider_code": "KAE",
    "title": "Old",
    "form": "seminar",
    "hours": 20,
    "issued_on": "2018-01-01",
}
ROLES = ("public", "admin", "registrar", "commission", "auditor", "statistician")
NOBODY = "00000000-0000-0000-0000-000000000000"
SIGNED_IN = "signed in"  # no permission beyond being signed in
CSV = (
    "pin,number,provider_code,title,form,hours,issued_on\n"
    f"{PIN},CSV-1,KAE,Old,seminar,20,2018-01-01\n"
)


@pytest.fixture
def database_url(sqlite_url):
    """Access rules do not depend on the backend."""
    return sqlite_url


# permission -> the endpoints that need it: (method, path, body; a str body is CSV)
ENDPOINTS: dict[str, list[tuple[str, str, object]]] = {
    SIGNED_IN: [("GET", "/me", None)],
    "read_catalogue": [
        ("GET", "/providers", None),
        ("GET", "/providers/KAE", None),
        ("GET", "/programmes", None),
        ("GET", "/policies", None),
    ],
    "read_dossier": [
        ("GET", f"/teachers/{PIN}", None),
        ("GET", f"/teachers/{PIN}/compliance", None),
        ("GET", f"/teachers/{PIN}/history", None),
        ("GET", f"/teachers/{PIN}/certificates", None),
        ("GET", f"/teachers/{PIN}/enrolments", None),
        ("GET", "/teachers?q=Асан", None),
        ("GET", "/due?status=overdue", None),
        ("GET", "/certificates/OLD-0", None),
        ("GET", "/certificates?number=OLD-0", None),
        ("GET", "/certificates/OLD-0/credential", None),
        ("GET", "/providers/KAE/certificates", None),
    ],
    "read_enrolment": [("GET", f"/enrolments/{NOBODY}", None)],
    "read_workload": [("GET", "/providers/KAE/workload?from=2024-01-01&to=2024-12-31", None)],
    "read_statistics": [
        ("GET", "/statistics/compliance?group_by=region", None),
        ("GET", "/statistics/activity?group_by=form", None),
    ],
    "read_pseudonymised": [("GET", "/statistics/teachers", None)],
    "read_forecast": [("GET", "/statistics/forecast?months=12", None)],
    "read_needs": [("GET", "/needs", None), ("GET", "/needs?status=unmet&format=csv", None)],
    "record_needs": [
        (
            "POST",
            "/needs",
            {
                "region": "KG-C",
                "district": "Sokuluk",
                "subject": "Physics",
                "topic": "Laboratory work",
                "teachers": 5,
                "period_from": "2027-01",
                "period_to": "2027-03",
            },
        ),
        ("POST", f"/needs/{NOBODY}/withdrawal", {"reason": "Answered"}),
    ],
    "audit": [
        ("GET", "/events", None),
        ("GET", "/events/export", None),
        ("GET", "/events/export?format=csv", None),
        ("GET", "/ledger", None),
    ],
    "verify_certificate": [
        ("GET", "/verify/OLD-0?code=AAAA-BBBB", None),
        ("POST", "/credentials/verification", {"credential": {"@context": []}}),
    ],
    "read_open_data": [("GET", "/open-data/compliance", None)],
    "read_reference": [("GET", "/reference/districts?region=KG-C", None)],
    "read_spellings": [("GET", "/reference/districts/spellings", None)],
    "manage_reference": [
        (
            "POST",
            "/reference/subjects",
            {
                "code": "astronomy",
                "name_ky": "Астрономия",
                "name_ru": "Астрономия",
                "name_en": "Astronomy",
            },
        ),
        ("POST", "/reference/subjects/fine_arts/retirement", {"reason": "merged"}),
        ("POST", "/reference/districts/spellings", {"mapping": {"Сокулук р-н": "sokuluk"}}),
    ],
    "manage_contacts": [
        (
            "POST",
            "/reminders/recipients",
            {
                "role": "district_department",
                "district": "Sokuluk",
                "name": "РОО",
                "email": "roo@sokuluk.kg",
            },
        )
    ],
    "manage_providers": [
        ("POST", "/providers", {"code": "NEW", "name": "New", "kind": "other", "region": "KG-GB"}),
        ("POST", "/providers/OBL/suspension", {"reason": "audit"}),
        ("POST", "/providers/OBL/reinstatement", {"reason": "cleared"}),
    ],
    "write_teachers": [
        ("POST", "/teachers", {**TEACHER, "pin": "10203199000011"}),
        ("POST", f"/teachers/{PIN}/departure", {"effective_on": "2024-01-01", "reason": "retired"}),
        (
            "POST",
            f"/teachers/{PIN}/transfers",
            {
                "region": "KG-GB",
                "district": "leninsky",
                "school": "Gymnasium 5",
                "effective_on": "2020-09-01",
            },
        ),
        ("POST", f"/teachers/{PIN}/corrections", {"full_name": "Айгүл Асан кызы"}),
    ],
    "write_programmes": [
        (
            "POST",
            "/programmes",
            {
                "provider_code": "KAE",
                "code": "P1",
                "title": "T",
                "form": "seminar",
                "mode": "distance",
                "hours": 12,
                "assessment": "none",
                "funding": "state",
                "starts_on": "2024-01-10",
                "ends_on": "2024-01-12",
            },
        ),
        ("POST", f"/programmes/{NOBODY}/enrolments", {"pin": PIN}),
        (
            "POST",
            f"/enrolments/{NOBODY}/assessments",
            {"passed": True, "assessed_on": "2024-01-01"},
        ),
        (
            "POST",
            f"/enrolments/{NOBODY}/withdrawal",
            {"effective_on": "2024-01-01", "reason": "ill"},
        ),
    ],
    "write_certificates": [
        ("POST", f"/enrolments/{NOBODY}/certificate", {"number": "N-1", "issued_on": "2024-01-01"}),
        ("POST", "/certificates/legacy", {**PAPER, "number": "OLD-1"}),
        ("POST", "/certificates/OLD-0/duplicate", {"number": "N-2", "issued_on": "2024-01-01"}),
        ("POST", "/certificates/OLD-0/revocation", {"reason": "error"}),
    ],
    "adopt_policy": [
        (
            "POST",
            "/policies",
            {"effective_from": "2026-01-01", "window_years": 1, "required_hours": 36},
        )
    ],
    "import_records": [("POST", "/imports", CSV)],
}
# Permissions no API endpoint needs (only pages offer them).
PAGES_ONLY = {"manage_accounts", "read_operations", "manage_outbox"}
CASES = [
    (permission, *endpoint) for permission, endpoints in ENDPOINTS.items() for endpoint in endpoints
]


def refusal(role: str, permission: str) -> int | None:
    """The status the role must get from an endpoint needing the permission (None: it
    may call it), from the table."""
    signed_in = role != "public"
    allowed = (
        signed_in
        if permission == SIGNED_IN
        else access.allows(role if signed_in else None, permission)
    )
    if allowed:
        return None
    return 403 if signed_in else 401


def call(caller, method: str, path: str, body: object):
    if method == "GET":
        return caller.get(path)
    if isinstance(body, str):
        return caller.post(path, data=body.encode(), headers={"Content-Type": "text/csv"})
    return caller.post(path, json=body)


@pytest.fixture
def teacher(callers):
    """A Chüy teacher with a paper certificate of KAE; the views hold both."""
    admin = callers["admin"]
    assert admin.post("/teachers", json=TEACHER).status_code == 201
    paper = admin.post("/certificates/legacy", json=PAPER)
    assert paper.status_code == 201
    return int(paper.headers["X-Registry-Position"])


def test_every_permission_of_the_table_is_listed_here_or_offered_by_pages_only():
    listed = set(ENDPOINTS) - {SIGNED_IN}
    assert listed | PAGES_ONLY == set(access.PERMISSIONS)
    assert not listed & PAGES_ONLY


@pytest.mark.parametrize(
    "permission,method,path,body", CASES, ids=[f"{p}: {m} {path}" for p, m, path, _ in CASES]
)
def test_each_role_reaches_exactly_what_the_table_allows(
    callers, teacher, permission, method, path, body
):
    for role in ROLES:
        response = call(callers[role], method, path, body)
        expected = refusal(role, permission)
        if expected is None:
            assert response.status_code not in (401, 403), (role, response.get_json())
            assert response.status_code < 500, (role, response.get_json())
        else:
            assert response.status_code == expected, (role, response.status_code)
            assert response.get_json()["error"]["code"] in (
                "not_authenticated",
                "forbidden_role",
            ), (role, response.get_json())


def test_statistics_are_aggregates_for_statisticians_auditors_and_the_operator_only(
    callers, teacher
):
    # The spec gives registrars and commissions records, not statistics; the pages agree.
    assert access.roles_with("read_statistics") == ("admin", "auditor", "statistician")
    for role in ("registrar", "commission", "national_commission"):
        for path in (
            "/statistics/compliance?group_by=region",
            "/statistics/activity?group_by=form",
            "/statistics/teachers",
        ):
            response = callers[role].get(path)
            assert response.status_code == 403, (role, path)
    assert callers["statistician"].get("/statistics/compliance").status_code == 200


def test_a_statistician_never_sees_a_name_or_pin(callers, teacher):
    statistician = callers["statistician"]
    for path in (
        "/statistics/teachers",
        "/statistics/teachers?format=csv",
        "/statistics/compliance?group_by=district",
        "/statistics/activity?group_by=provider_kind&from=2018-01-01",
        "/providers/KAE/workload?from=2018-01-01&to=2018-12-31",
    ):
        response = statistician.get(f"{path}{'&' if '?' in path else '?'}min_position={teacher}")
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        text = response.get_data(as_text=True)
        assert PIN not in text and "Асанова" not in text, path
    rows = statistician.get(f"/statistics/teachers?min_position={teacher}").get_json()
    assert [row["region"] for row in rows["teachers"]] == ["KG-C"]  # the teacher is there


def test_a_registrar_records_only_for_their_own_provider(callers, teacher):
    other = callers["other_registrar"]
    response = other.post(
        "/programmes",
        json={
            "provider_code": "KAE",
            "code": "P2",
            "title": "T",
            "form": "seminar",
            "mode": "distance",
            "hours": 12,
            "assessment": "none",
            "funding": "state",
            "starts_on": "2024-01-10",
            "ends_on": "2024-01-12",
        },
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "other_provider"
    legacy = other.post("/certificates/legacy", json={**PAPER, "number": "OLD-2"})
    assert legacy.status_code == 403
    assert legacy.get_json()["error"]["code"] == "other_provider"
    revoked = other.post("/certificates/OLD-0/revocation", json={"reason": "not ours"})
    assert revoked.status_code == 403


def test_a_registrar_reads_only_their_own_providers_workload(callers, teacher):
    own = callers["registrar"].get(
        f"/providers/KAE/workload?from=2024-01-01&to=2024-12-31&min_position={teacher}"
    )
    assert own.status_code == 200
    response = callers["registrar"].get("/providers/OBL/workload?from=2024-01-01&to=2024-12-31")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "other_provider"


def test_a_commission_bound_to_a_region_sees_only_its_teachers(callers, teacher):
    wait = f"min_position={teacher}"
    chuy, osh = callers["commission"], callers["osh_commission"]
    assert chuy.get(f"/teachers/{PIN}?{wait}").status_code == 200
    assert [t["pin"] for t in chuy.get(f"/teachers?q=Асан&{wait}").get_json()["teachers"]] == [PIN]
    for path in (f"/teachers/{PIN}", f"/teachers/{PIN}/compliance", f"/teachers/{PIN}/history"):
        response = osh.get(f"{path}?{wait}")
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "teacher_not_found"
    certificate = osh.get(f"/certificates/OLD-0?{wait}")
    assert certificate.status_code == 404
    assert certificate.get_json()["error"]["code"] == "certificate_not_found"
    assert osh.get(f"/teachers?q=Асан&{wait}").get_json()["teachers"] == []
    assert osh.get(f"/teachers?region=KG-C&{wait}").status_code == 403
    assert osh.get(f"/due?status=overdue&region=KG-C&{wait}").status_code == 403
    found = callers["national_commission"].get(f"/teachers?q=Асан&{wait}").get_json()
    assert [t["pin"] for t in found["teachers"]] == [PIN]


def test_a_bound_commissions_due_list_holds_only_its_region(callers, teacher):
    wait = f"min_position={teacher}"
    osh = callers["osh_commission"].get(f"/due?status=overdue&as_of=2024-06-01&{wait}")
    assert osh.status_code == 200 and osh.get_json()["teachers"] == []
    chuy = callers["commission"].get(f"/due?status=overdue&as_of=2024-06-01&{wait}")
    assert [t["pin"] for t in chuy.get_json()["teachers"]] == [PIN]


def test_the_public_reaches_verification_and_the_api_description_without_a_token(callers):
    assert callers["public"].get("/verify/NO-SUCH?code=AAAA-BBBB").status_code == 404
    assert callers["public"].get("/openapi.json").status_code == 200


def test_a_signed_in_session_acts_as_its_account(api_app, callers):
    from registry.domain.account import Account

    client = api_app.test_client()
    with client.session_transaction() as session:
        session["account_id"] = str(Account.id_for("auditor"))
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["role"] == "auditor"
    assert response.get_json()["via"] == "web"


WRITES = [case for case in CASES if case[1] != "GET"]


@pytest.mark.parametrize(
    "permission,method,path,body", WRITES, ids=[f"{p}: {m} {path}" for p, m, path, _ in WRITES]
)
def test_a_role_that_may_not_write_there_is_refused_before_its_body_is_read(
    callers, permission, method, path, body
):
    """A role without the write's permission gets its 403 whatever it sends: a body
    that would be malformed does not answer 400 with the fields the write wants first."""
    for role in ROLES:
        expected = refusal(role, permission)
        if expected != 403:
            continue
        response = callers[role].post(path, json={"not a field": 1})
        assert (response.status_code, response.get_json()["error"]["code"]) == (
            403,
            "forbidden_role",
        ), (role, response.get_json())
