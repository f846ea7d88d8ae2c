"""Reads over HTTP: dossier, compliance in time, history, certificates, verification,
statistics and open data, the auditor's log and ledger; each sees only what its role may."""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from datetime import UTC, datetime

import pytest

from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER


@pytest.fixture
def certified(callers):
    """A teacher of Chüy with one 72-hour course certificate; returns what the reads need."""
    registrar = callers["registrar"]
    assert registrar.post("/teachers", json=TEACHER).status_code == 201
    programme_id = registrar.post("/programmes", json=PROGRAMME).get_json()["id"]
    enrolment_id = registrar.post(
        f"/programmes/{programme_id}/enrolments", json={"pin": PIN}
    ).get_json()["id"]
    registrar.post(
        f"/enrolments/{enrolment_id}/assessments",
        json={"passed": True, "score": 91, "assessed_on": "2024-03-20"},
    )
    issued = registrar.post(
        f"/enrolments/{enrolment_id}/certificate",
        json={"number": "KAE-2024-0001", "issued_on": "2024-03-21"},
    )
    assert issued.status_code == 201
    return {
        "programme_id": programme_id,
        "enrolment_id": enrolment_id,
        "code": issued.get_json()["verification_code"],
        "position": issued.headers["X-Registry-Position"],
    }


def read(caller, path, position):
    sep = "&" if "?" in path else "?"
    return caller.get(f"{path}{sep}min_position={position}")


def test_a_client_reads_its_own_write_with_min_position(callers, certified):
    response = read(callers["commission"], f"/teachers/{PIN}", certified["position"])
    assert response.status_code == 200
    dossier = response.get_json()
    assert dossier["full_name"] == TEACHER["full_name"]
    assert dossier["compliance"]["status"] == "compliant"
    assert dossier["compliance"]["hours"] == 72
    assert [c["number"] for c in dossier["certificates"]] == ["KAE-2024-0001"]
    assert dossier["enrolments"][0]["status"] == "certified"
    assert (dossier["enrolments"][0]["assessment"], dossier["enrolments"][0]["attempts"]) == (
        "exam",
        1,
    )


def test_compliance_is_judged_on_a_date_as_known_at_a_time(callers, certified):
    admin = callers["admin"]
    before_revocation = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    revoked = admin.post(
        "/certificates/KAE-2024-0001/revocation", json={"reason": "issued in error"}
    )
    position = revoked.headers["X-Registry-Position"]
    now = read(admin, f"/teachers/{PIN}/compliance?as_of=2025-01-01", position).get_json()
    assert now["status"] == "overdue" and now["hours"] == 0 and now["missing_hours"] == 72
    then = read(
        admin,
        f"/teachers/{PIN}/compliance?as_of=2025-01-01&known_at="
        f"{before_revocation.replace('+', '%2B')}",
        position,
    ).get_json()
    assert then["status"] == "compliant" and then["hours"] == 72
    assert then["next_due"] == "2029-03-21"
    assert then["certificates"][0] == {
        "number": "KAE-2024-0001",
        "hours": 72,
        "issued_on": "2024-03-21",
        "form": "course",
        "provider_code": "KAE",
        "counts": True,
    }


def test_compliance_rejects_a_bad_date(callers, certified):
    response = callers["admin"].get(f"/teachers/{PIN}/compliance?as_of=2025-02-30")
    assert response.status_code == 400
    assert "as_of" in response.get_json()["error"]["fields"]


def test_history_lists_every_event_oldest_first_with_its_actor(callers, certified):
    response = read(callers["auditor"], f"/teachers/{PIN}/history", certified["position"])
    events = response.get_json()["events"]
    types = [e["type"] for e in events]
    assert types[0] == "Teacher.Registered"
    assert "Certificate.Issued" in types
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    assert events[0]["actor"]["name"] == "registrar"


def test_a_certificate_shows_its_status_and_the_duplicate_that_replaced_it(callers, certified):
    admin = callers["admin"]
    duplicate = admin.post(
        "/certificates/KAE-2024-0001/duplicate",
        json={"number": "KAE-2024-0001-D", "issued_on": "2024-06-01"},
    )
    position = duplicate.headers["X-Registry-Position"]
    original = read(admin, "/certificates/KAE-2024-0001", position).get_json()
    assert original["status"] == "duplicate_issued"
    assert original["replaced_by"] == ["KAE-2024-0001-D"]
    copy = admin.get("/certificates/KAE-2024-0001-D").get_json()
    assert copy["duplicate_of"] == "KAE-2024-0001"


def test_the_public_verifies_a_certificate_without_seeing_a_pin(callers, certified):
    public = callers["public"]
    response = read(
        public, f"/verify/KAE-2024-0001?code={certified['code']}", certified["position"]
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "valid" and body["hours"] == 72
    assert body["full_name"] == TEACHER["full_name"]
    assert PIN not in response.get_data(as_text=True)
    wrong = public.get("/verify/KAE-2024-0001?code=AAAA-BBBB")
    unknown = public.get("/verify/NO-SUCH-NUMBER?code=AAAA-BBBB")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json()["error"] == unknown.get_json()["error"]
    assert public.get("/verify/KAE-2024-0001").status_code == 400


def test_a_commission_of_another_region_sees_no_such_teacher(callers, certified):
    osh = callers["osh_commission"]
    assert read(osh, f"/teachers/{PIN}", certified["position"]).status_code == 404
    assert osh.get("/certificates/KAE-2024-0001").status_code == 404
    assert callers["commission"].get("/certificates/KAE-2024-0001").status_code == 200
    assert callers["national_commission"].get(f"/teachers/{PIN}").status_code == 200
    found = osh.get("/teachers?q=Асан").get_json()["teachers"]
    assert found == []


def test_a_statistician_gets_pseudonymised_rows_never_a_name_or_pin(callers, certified):
    statistician = callers["statistician"]
    response = read(statistician, "/statistics/teachers", certified["position"])
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert PIN not in text and TEACHER["full_name"] not in text
    row = response.get_json()["teachers"][0]
    assert row["status"] == "compliant" and row["region"] == "KG-C" and row["key"]
    for path in (
        f"/teachers/{PIN}",
        "/certificates/KAE-2024-0001",
        "/teachers?q=A",
        f"/teachers/{PIN}/history",
        "/events",
    ):
        assert statistician.get(path).status_code == 403, path
    csv_text = statistician.get("/statistics/teachers?format=csv").get_data(as_text=True)
    assert PIN not in csv_text and TEACHER["full_name"] not in csv_text


def test_compliance_statistics_come_as_json_and_csv(callers, certified):
    statistician = callers["statistician"]
    body = read(
        statistician, "/statistics/compliance?group_by=region", certified["position"]
    ).get_json()
    assert body["group_by"] == "region"
    assert {"group": "KG-C", "total": 1, "compliant": 1}.items() <= body["groups"][0].items()
    response = statistician.get("/statistics/compliance?group_by=region&format=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["group"] == "KG-C" and rows[0]["compliant"] == "1"
    assert statistician.get("/statistics/compliance?group_by=colour").status_code == 400


def test_activity_statistics_count_certificates_by_form(callers, certified):
    body = read(
        callers["statistician"],
        "/statistics/activity?from=2024-01-01&to=2024-12-31&group_by=form",
        certified["position"],
    ).get_json()
    assert body["groups"] == [{"group": "course", "certificates": 1, "hours": 72, "teachers": 1}]
    response = callers["statistician"].get(
        "/statistics/activity?from=2024-01-01&to=2024-12-31&group_by=form&format=csv"
    )
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith("group,certificates")


def test_open_data_suppresses_groups_of_fewer_than_five(callers, certified):
    public = callers["public"]
    body = read(public, "/open-data/compliance?group_by=region", certified["position"]).get_json()
    chuy = next(g for g in body["groups"] if g["group"] == "KG-C")
    assert chuy["suppressed"] is True and chuy["compliant"] is None
    response = public.get("/open-data/compliance?format=csv")
    assert response.mimetype == "text/csv"


def test_a_provider_workload_counts_what_it_delivered(callers, certified):
    body = read(
        callers["registrar"],
        "/providers/KAE/workload?from=2024-01-01&to=2024-12-31",
        certified["position"],
    ).get_json()
    assert body["totals"]["certificates"] == 1
    assert body["totals"]["hours_delivered"] == 72
    assert body["by_form"]["course"]["pass_rate"] == 1.0
    assert len(body["by_month"]) == 12


def test_the_auditor_pages_through_the_event_log(callers, certified):
    auditor = callers["auditor"]
    first = read(auditor, "/events?limit=3", certified["position"]).get_json()
    assert [e["position"] for e in first["events"]] == [1, 2, 3]
    second = auditor.get(f"/events?after={first['next']}&limit=3").get_json()
    assert second["events"][0]["position"] == first["next"] + 1
    for event in first["events"] + second["events"]:  # credential hashes never leave
        assert event["data"].get("token_hash") in (None, "[redacted]")
    issued = auditor.get("/events?type=Certificate.Issued").get_json()["events"]
    assert [e["data"]["number"] for e in issued] == ["KAE-2024-0001"]


def test_the_auditor_reads_the_ledger_head(callers, certified):
    response = read(callers["auditor"], "/ledger", certified["position"])
    assert response.status_code == 200
    head = response.get_json()
    assert head["algorithm"] and len(head["hash"]) == 64


def test_policies_list_every_adopted_version(callers):
    adopted = callers["admin"].post(
        "/policies", json={"effective_from": "2025-09-01", "window_years": 1, "required_hours": 36}
    )
    policies = read(
        callers["commission"], "/policies", adopted.headers["X-Registry-Position"]
    ).get_json()["policies"]
    assert [(p["effective_from"], p["window_years"], p["required_hours"]) for p in policies] == [
        ("2000-01-01", 5, 72),
        ("2025-09-01", 1, 36),
    ]


def test_search_and_due_lists_find_teachers(callers, certified):
    admin = callers["admin"]
    found = read(admin, "/teachers?q=асанова", certified["position"]).get_json()["teachers"]
    assert [t["pin"] for t in found] == [PIN]
    other = admin.post(
        "/teachers", json={**TEACHER, "pin": "10203199000011", "full_name": "Бакыт Осмонов"}
    )
    due = read(
        admin, "/due?status=overdue&region=KG-C", other.headers["X-Registry-Position"]
    ).get_json()
    assert [t["full_name"] for t in due["teachers"]] == ["Бакыт Осмонов"]
    sheet = admin.get("/due?status=overdue&format=csv").get_data(as_text=True)
    assert "Бакыт Осмонов" in sheet


def test_lists_of_providers_and_programmes(callers, certified):
    commission = callers["commission"]
    codes = [
        p["code"]
        for p in read(commission, "/providers", certified["position"]).get_json()["providers"]
    ]
    assert codes == sorted(codes) and "KAE" in codes
    assert commission.get("/providers/KAE").get_json()["kind"] == "academy"
    assert commission.get("/providers/NOPE").status_code == 404
    programmes = commission.get("/programmes?provider_code=KAE").get_json()["programmes"]
    assert [p["id"] for p in programmes] == [certified["programme_id"]]
    assert commission.get(f"/programmes/{certified['programme_id']}").get_json()["hours"] == 72


def test_an_unknown_teacher_is_a_404(callers):
    assert callers["admin"].get("/teachers/10203199000011").status_code == 404


def test_a_read_that_cannot_catch_up_in_time_is_a_503(settings):
    from registry.bootstrap import initialise
    from registry.commands.base import Actor
    from web import create_app

    initialise(settings)
    app = create_app(
        {
            "TESTING": True,
            "REGISTRY_FOLLOW": False,  # nothing updates the views
            "REGISTRY_SETTINGS": dataclasses.replace(settings, read_wait_timeout_s=0.3),
        }
    )
    try:
        registry = app.extensions["registry"].registry
        result, token = registry.create_account(Actor.system(), name="ops", role="admin")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        response = client.get(f"/api/v1/providers?min_position={result.position}", headers=headers)
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "projections_behind"
        beyond = client.get(
            f"/api/v1/providers?min_position={result.position + 100}", headers=headers
        )
        assert beyond.status_code == 503  # not yet recorded: waited for, then 503
    finally:
        app.extensions["registry"].close()


def test_api_answers_are_not_kept_in_shared_caches(callers, certified):
    response = callers["admin"].get(f"/teachers/{PIN}")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_compliance_read_says_where_the_views_stood_when_it_read_them(callers, certified):
    for name in ("admin", "commission"):  # the read's own statement; a commission's first
        response = read(callers[name], f"/teachers/{PIN}/compliance", certified["position"])
        assert response.status_code == 200
        assert int(response.headers["X-Registry-Position"]) >= int(certified["position"])
        assert response.headers["X-Registry-Lag"] == "0"
    unknown = read(callers["admin"], "/teachers/10203199000011/compliance", certified["position"])
    assert unknown.status_code == 404
    assert int(unknown.headers["X-Registry-Position"]) >= int(certified["position"])


def test_a_compliance_read_follows_a_policy_adopted_after_an_earlier_read(callers, certified):
    path = f"/teachers/{PIN}/compliance?as_of=2026-01-01"
    before = read(callers["admin"], path, certified["position"]).get_json()
    assert (before["required_hours"], before["window_years"]) == (72, 5)
    adopted = callers["admin"].post(
        "/policies", json={"effective_from": "2025-09-01", "window_years": 1, "required_hours": 36}
    )
    after = read(callers["admin"], path, adopted.headers["X-Registry-Position"]).get_json()
    assert (after["required_hours"], after["window_years"]) == (36, 1)
