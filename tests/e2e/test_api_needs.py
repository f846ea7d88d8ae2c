"""GET and POST /api/v1/needs on each engine: a need is recorded, matched to programmes of
its subject starting in its period, listed by status and region; bad input is refused
naming the field and records nothing."""

from __future__ import annotations

from tests.e2e.api_support import *

NEED = {
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Physics",
    "topic": "Laboratory work",
    "teachers": 12,
    "period_from": "2027-01",
    "period_to": "2027-06",
}


def _course(caller, code: str, starts_on: str, **extra):
    return caller.post(
        "/programmes",
        json={
            "provider_code": "KAE",
            "code": code,
            "title": f"Course {code}",
            "form": "course",
            "mode": "distance",
            "hours": 72,
            "assessment": "exam",
            "funding": "state",
            "starts_on": starts_on,
            "ends_on": starts_on[:8] + "28",
            **extra,
        },
    )


def test_needs_are_recorded_and_listed_with_what_answers_them(callers):
    admin, commission = callers["admin"], callers["commission"]
    made = commission.post("/needs", json=NEED)
    assert made.status_code == 201, made.get_json()
    need = made.get_json()
    assert need["teachers"] == 12 and need["period_from"] == "2027-01"
    assert need["district"] == "sokuluk"  # a listed name is kept as its code, as a teacher's
    other = admin.post(
        "/needs", json={**NEED, "region": "KG-O", "district": "Kara-Suu", "subject": "History"}
    )
    assert other.status_code == 201
    assert _course(admin, "PHY-1", "2027-02-01", subject="Physics", capacity=8).status_code == 201
    last = _course(admin, "PHY-2", "2027-09-01", subject="Physics", capacity=50)  # too late
    position = last.headers["X-Registry-Position"]

    registrar = callers["registrar"]  # providers read the needs too
    listed = registrar.get(f"/needs?min_position={position}").get_json()["needs"]
    by_id = {n["id"]: n for n in listed}
    physics = by_id[need["id"]]
    assert (physics["status"], physics["places"]) == ("short", 8)
    assert [p["code"] for p in physics["programmes"]] == ["PHY-1"]
    assert by_id[other.get_json()["id"]]["status"] == "unmet"
    unmet = registrar.get(f"/needs?status=unmet&min_position={position}").get_json()["needs"]
    assert [n["subject"] for n in unmet] == ["history"]  # stored as the listed subject's code
    osh = registrar.get(f"/needs?region=KG-O&min_position={position}").get_json()["needs"]
    assert [n["region"] for n in osh] == ["KG-O"]
    csv_text = registrar.get(f"/needs?format=csv&min_position={position}").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("id,region,district,school,subject,topic")
    assert ",short,8,0" in csv_text
    assert registrar.get("/needs?status=lost").status_code == 400


def test_bad_needs_are_refused_naming_the_field(api_app, callers):
    registry = api_app.extensions["registry"].registry
    admin = callers["admin"]
    before = registry.max_position()
    for field, value, status in (
        ("teachers", 0, 422),
        ("teachers", "3", 400),
        ("period_from", "2027-13", 422),
        ("period_to", "2026-12", 422),
        ("district", "Kara-Suu", 422),  # of Osh, not Chüy
        ("district", "Atlantis", 422),  # not listed
        ("subject", "Astrology", 422),  # no listed subject: it would stay unmet for good
        ("district", "kara-suu", 422),  # a code, of Osh
        ("region", "KG-X", 422),
    ):
        response = admin.post("/needs", json={**NEED, field: value})
        assert response.status_code == status, (field, value, response.get_json())
        assert field in str(response.get_json()), (field, response.get_json())
    chuy_for_osh = callers["commission"].post(
        "/needs", json={**NEED, "region": "KG-O", "district": "Kara-Suu"}
    )
    assert chuy_for_osh.status_code == 403
    assert callers["auditor"].post("/needs", json=NEED).status_code == 403
    assert registry.max_position() == before


def test_a_withdrawn_need_leaves_the_open_lists_and_keeps_its_reason(api_app, callers):
    registry = api_app.extensions["registry"].registry
    admin, commission = callers["admin"], callers["commission"]
    need = commission.post("/needs", json=NEED).get_json()
    other = admin.post(
        "/needs", json={**NEED, "region": "KG-O", "district": "Kara-Suu", "subject": "History"}
    ).get_json()
    programme = _course(admin, "PHY-1", "2027-02-01", subject="Physics", capacity=8).get_json()
    before = registry.max_position()
    refused = (
        (callers["osh_commission"], need["id"], {"reason": "Not ours"}, 403, "other_region"),
        (callers["auditor"], need["id"], {"reason": "Done"}, 403, "forbidden_role"),
        (commission, need["id"], {"reason": " "}, 422, "reason"),
        (commission, need["id"], {}, 400, "reason"),
        (commission, "00000000-0000-0000-0000-000000000000", {"reason": "x"}, 404, "need"),
        (commission, "not-an-id", {"reason": "x"}, 404, "need"),
        (commission, programme["id"], {"reason": "x"}, 404, "need_not_found"),  # not a need
    )
    for caller, need_id, body, status, said in refused:
        response = caller.post(f"/needs/{need_id}/withdrawal", json=body)
        assert response.status_code == status, (need_id, body, response.get_json())
        assert said in str(response.get_json()), response.get_json()
    assert registry.max_position() == before

    reason = "Answered by the district's own seminar"
    withdrawn = commission.post(f"/needs/{need['id']}/withdrawal", json={"reason": reason})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert withdrawn.get_json()["withdrawn"] is True
    assert withdrawn.get_json()["withdrawal_reason"] == reason
    again = commission.post(f"/needs/{need['id']}/withdrawal", json={"reason": reason})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_withdrawn"

    position = withdrawn.headers["X-Registry-Position"]
    reader = callers["registrar"]
    open_needs = reader.get(f"/needs?min_position={position}").get_json()["needs"]
    assert [n["id"] for n in open_needs] == [other["id"]]
    assert open_needs[0]["withdrawn"] is False and open_needs[0]["withdrawn_at"] is None
    short = reader.get(f"/needs?status=short&min_position={position}").get_json()["needs"]
    assert short == []  # the Physics need was short of places; withdrawn, it is not listed
    closed = reader.get(f"/needs?status=withdrawn&min_position={position}").get_json()["needs"]
    assert [(n["id"], n["status"], n["withdrawal_reason"]) for n in closed] == [
        (need["id"], "withdrawn", reason)
    ]
    assert closed[0]["withdrawn_at"] and closed[0]["programmes"] == []
    assert reader.get("/needs?status=withdrawn&region=KG-O").get_json()["needs"] == []
