"""Every read about a teacher over HTTP as known at a moment, and the refusals of bad ones."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER

NEW_PIN = "21505198599999"


def moment() -> datetime:
    """Now, then a pause, so that the next write is recorded strictly later."""
    now = datetime.now(UTC)
    time.sleep(0.01)
    return now


def q(value: datetime | str) -> str:
    return quote(value.isoformat() if isinstance(value, datetime) else value, safe="")


@pytest.fixture
def timeline(callers):
    """A teacher certified and given a paper certificate (t1), the paper one revoked and
    the course certificate replaced by a duplicate (t2), then the PIN and name corrected."""
    admin, registrar = callers["admin"], callers["registrar"]
    before = moment()
    assert registrar.post("/teachers", json=TEACHER).status_code == 201
    programme_id = registrar.post("/programmes", json=PROGRAMME).get_json()["id"]
    enrolment_id = registrar.post(
        f"/programmes/{programme_id}/enrolments", json={"pin": PIN}
    ).get_json()["id"]
    registrar.post(
        f"/enrolments/{enrolment_id}/assessments",
        json={"passed": True, "score": 91, "assessed_on": "2024-03-20"},
    )
    registrar.post(
        f"/enrolments/{enrolment_id}/certificate",
        json={"number": "KAE-2024-0001", "issued_on": "2024-03-21"},
    )
    paper = {
        "pin": PIN,
        "number": "OLD-1",
        "provider_code": "KAE",
        "title": "Paper course",
        "form": "course",
        "hours": 72,
        "issued_on": "2021-06-01",
    }
    assert admin.post("/certificates/legacy", json=paper).status_code == 201
    t1 = moment()
    admin.post("/certificates/OLD-1/revocation", json={"reason": "forged"})
    duplicate = admin.post(
        "/certificates/KAE-2024-0001/duplicate",
        json={"number": "KAE-2024-0001-D", "issued_on": "2024-09-01"},
    )
    assert duplicate.status_code == 201, duplicate.get_json()
    t2 = moment()
    corrected = admin.post(
        f"/teachers/{PIN}/corrections", json={"pin": NEW_PIN, "full_name": "Айгүл Токтогулова"}
    )
    assert corrected.status_code == 201, corrected.get_json()
    t3 = moment()
    position = corrected.headers["X-Registry-Position"]
    return {"before": before, "t1": t1, "t2": t2, "t3": t3, "position": position}


def get(caller, path: str, known_at, position) -> tuple[int, dict]:
    sep = "&" if "?" in path else "?"
    response = caller.get(f"{path}{sep}known_at={q(known_at)}&min_position={position}")
    return response.status_code, response.get_json()


def test_the_dossier_is_as_it_stood_at_the_moment(callers, timeline):
    auditor, at = callers["auditor"], timeline
    status, then = get(auditor, f"/teachers/{PIN}", at["t1"], at["position"])
    assert status == 200, then
    assert (then["pin"], then["full_name"], then["previous_pins"]) == (
        PIN,
        TEACHER["full_name"],
        [],
    )
    assert datetime.fromisoformat(then["known_at"]) == at["t1"]
    assert {c["number"]: c["status"] for c in then["certificates"]} == {
        "KAE-2024-0001": "valid",
        "OLD-1": "valid",
    }
    assert then["compliance"]["status"] == "compliant"
    assert [e["status"] for e in then["enrolments"]] == ["certified"]
    status, later = get(auditor, f"/teachers/{NEW_PIN}", at["t3"], at["position"])
    assert status == 200 and (later["pin"], later["previous_pins"]) == (NEW_PIN, [PIN])
    now = auditor.get(f"/teachers/{NEW_PIN}?min_position={at['position']}").get_json()
    assert now["known_at"] is None and now["full_name"] == later["full_name"]


def test_certificates_and_their_links_are_those_of_the_moment(callers, timeline):
    auditor, at = callers["auditor"], timeline
    path = f"/teachers/{PIN}/certificates"
    _, then = get(auditor, path, at["t1"], at["position"])
    _, later = get(auditor, path, at["t2"], at["position"])
    assert [(c["number"], c["status"]) for c in then["certificates"]] == [
        ("KAE-2024-0001", "valid"),
        ("OLD-1", "valid"),
    ]
    assert {c["number"]: (c["status"], c["replaced_by"]) for c in later["certificates"]} == {
        "KAE-2024-0001-D": ("valid", []),
        "KAE-2024-0001": ("duplicate_issued", ["KAE-2024-0001-D"]),
        "OLD-1": ("revoked", []),
    }
    status, one = get(auditor, "/certificates/OLD-1", at["t1"], at["position"])
    assert (status, one["status"], one["revoked_at"]) == (200, "valid", None)
    status, one = get(auditor, "/certificates?number=OLD-1", at["t2"], at["position"])
    assert (status, one["status"], one["revocation_reason"]) == (200, "revoked", "forged")
    status, missing = get(auditor, "/certificates/KAE-2024-0001-D", at["t1"], at["position"])
    assert status == 404 and missing["error"]["code"] == "certificate_not_found"
    assert "was known at" in missing["error"]["message"]


def test_enrolments_history_and_compliance_as_known_then(callers, timeline):
    auditor, at = callers["auditor"], timeline
    _, enrolments = get(auditor, f"/teachers/{PIN}/enrolments", at["t1"], at["position"])
    assert [e["status"] for e in enrolments["enrolments"]] == ["certified"]
    _, history = get(auditor, f"/teachers/{PIN}/history", at["t1"], at["position"])
    types = [e["type"] for e in history["events"]]
    assert "Certificate.LegacyRecorded" in types and "Certificate.Revoked" not in types
    assert all(datetime.fromisoformat(e["recorded_at"]) <= at["t1"] for e in history["events"])
    _, then = get(auditor, f"/teachers/{PIN}/compliance?as_of=2024-06-01", at["t1"], at["position"])
    _, later = get(
        auditor, f"/teachers/{PIN}/compliance?as_of=2024-06-01", at["t2"], at["position"]
    )
    assert (then["hours"], later["hours"]) == (144, 72)


def test_due_lists_name_and_place_teachers_as_known_then(callers, timeline):
    auditor, at = callers["auditor"], timeline
    path = "/due?status=grace&as_of=2015-01-01"  # in service since 2010-09-01: grace
    lists = {
        name: get(auditor, path, at[name], at["position"])[1] for name in ("before", "t2", "t3")
    }
    assert lists["before"]["teachers"] == []
    assert [(t["pin"], t["full_name"]) for t in lists["t2"]["teachers"]] == [
        (PIN, TEACHER["full_name"])
    ]
    assert [(t["pin"], t["full_name"]) for t in lists["t3"]["teachers"]] == [
        (NEW_PIN, "Айгүл Токтогулова")
    ]
    assert datetime.fromisoformat(lists["t2"]["known_at"]) == at["t2"]
    csv = auditor.get(f"{path}&format=csv&known_at={q(at['t2'])}")
    assert csv.status_code == 200 and TEACHER["full_name"] in csv.get_data(as_text=True)


def test_a_pin_not_known_at_the_moment_is_a_404_that_says_only_that(callers, timeline):
    for path in (
        f"/teachers/{NEW_PIN}",
        f"/teachers/{NEW_PIN}/certificates",
        f"/teachers/{NEW_PIN}/enrolments",
        f"/teachers/{NEW_PIN}/compliance",
        f"/teachers/{NEW_PIN}/history",
        "/teachers/10203199000011",  # never registered: the same answer
    ):
        status, body = get(callers["auditor"], path, timeline["t2"], timeline["position"])
        assert status == 404, path
        assert body["error"]["code"] == "teacher_not_found"
        assert body["error"]["message"].startswith("No teacher with this PIN was known at ")


def test_a_teacher_of_another_region_stays_unknown_to_a_bound_commission(callers, timeline):
    status, body = get(callers["osh_commission"], f"/teachers/{PIN}", timeline["t1"], 0)
    assert status == 404 and body["error"]["message"] == "No teacher with this PIN."
    status, _ = get(callers["commission"], f"/teachers/{PIN}", timeline["t1"], 0)
    assert status == 200


BAD_MOMENTS = [
    ("garbage", "invalid_known_at"),
    ("2025-01-01", "invalid_known_at"),
    ("2025-01-01T10:00:00", "known_at_without_offset"),
    ("2999-01-01T00:00:00+06:00", "known_at_in_future"),
    ("2001-01-01T00:00:00Z", "known_at_before_first_event"),
    ("0001-01-01T00:00:00Z", "date_out_of_range"),
    ("2025-01-01T10:00:00\x00+06:00", "invalid_known_at"),
]
READS = [
    f"/teachers/{PIN}",
    f"/teachers/{PIN}/certificates",
    f"/teachers/{PIN}/enrolments",
    f"/teachers/{PIN}/compliance",
    f"/teachers/{PIN}/history",
    "/certificates/OLD-1",
    "/certificates?number=OLD-1",
    "/due?status=grace",
]


def test_a_bad_moment_is_a_422_naming_known_at_on_every_read(callers):
    for path in READS:
        for known_at, code in BAD_MOMENTS:
            sep = "&" if "?" in path else "?"
            response = callers["auditor"].get(f"{path}{sep}known_at={q(known_at)}")
            assert response.status_code == 422, (path, known_at, response.get_json())
            error = response.get_json()["error"]
            assert (error["code"], list(error["fields"])) == (code, ["known_at"]), (path, known_at)


def test_a_moment_is_the_same_instant_whatever_its_offset(callers, timeline):
    auditor, at = callers["auditor"], timeline
    bishkek = at["t1"].astimezone(UTC) + timedelta(hours=6)
    text = bishkek.replace(tzinfo=None).isoformat() + "+06:00"
    _, a = get(auditor, f"/teachers/{PIN}/certificates", text, at["position"])
    _, b = get(auditor, f"/teachers/{PIN}/certificates", at["t1"], at["position"])
    assert a == b
    spaced = auditor.get(  # a '+' a client forgot to encode arrives as a space
        f"/teachers/{PIN}/certificates?known_at={text.replace('+', ' ')}"
    )
    assert spaced.get_json() == b


def test_the_openapi_documents_known_at_on_every_teacher_read(callers):
    spec = callers["public"].get("/openapi.json").get_json()
    paths = {path.removeprefix("/api/v1"): ops for path, ops in spec["paths"].items()}
    for path in (
        "/teachers/{pin}",
        "/teachers/{pin}/certificates",
        "/teachers/{pin}/enrolments",
        "/teachers/{pin}/compliance",
        "/teachers/{pin}/history",
        "/certificates/{number}",
        "/certificates",
        "/due",
    ):
        operation = paths[path]["get"]
        found = [p for p in operation["parameters"] if p["name"] == "known_at"]
        assert len(found) == 1, path
        assert found[0]["schema"]["format"] == "date-time", path
        assert "registry replay --until" in found[0]["description"], path
        assert "422" in operation["responses"], path
