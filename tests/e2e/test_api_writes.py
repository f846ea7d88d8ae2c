"""Every write of the spec over HTTP, with idempotency and the position header."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER


def position(response) -> int:
    return int(response.headers["X-Registry-Position"])


def test_a_registrar_takes_a_teacher_from_enrolment_to_certificate(callers):
    registrar = callers["registrar"]
    teacher = registrar.post("/teachers", json=TEACHER)
    assert teacher.status_code == 201, teacher.get_json()
    assert teacher.get_json()["pin"] == PIN
    programme = registrar.post("/programmes", json=PROGRAMME)
    assert programme.status_code == 201
    programme_id = programme.get_json()["id"]
    enrolment = registrar.post(f"/programmes/{programme_id}/enrolments", json={"pin": PIN})
    assert enrolment.status_code == 201
    enrolment_id = enrolment.get_json()["id"]
    assessed = registrar.post(
        f"/enrolments/{enrolment_id}/assessments",
        json={"passed": True, "score": 87.5, "assessed_on": "2024-03-20"},
    )
    assert assessed.status_code == 201
    assert assessed.get_json()["status"] == "passed"
    again = registrar.post(  # only a failed teacher may be re-assessed (rule 4)
        f"/enrolments/{enrolment_id}/assessments",
        json={"passed": False, "score": 20, "assessed_on": "2024-03-21"},
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_passed"
    assert "X-Registry-Position" not in again.headers
    certificate = registrar.post(
        f"/enrolments/{enrolment_id}/certificate",
        json={"number": "KAE-2024-0001", "issued_on": "2024-03-21"},
    )
    assert certificate.status_code == 201
    body = certificate.get_json()
    assert body["number"] == "KAE-2024-0001" and body["verification_code"]
    assert body["status"] == "valid" and body["hours"] == 72
    assert position(certificate) > position(assessed) > position(enrolment)


def test_every_successful_write_returns_its_position(callers):
    admin = callers["admin"]
    first = admin.post(
        "/providers",
        json={"code": "UNI", "name": "University", "kind": "university", "region": "KG-GB"},
    )
    second = admin.post("/providers/UNI/suspension", json={"reason": "licence expired"})
    third = admin.post("/providers/UNI/reinstatement", json={"reason": "licence renewed"})
    assert [r.status_code for r in (first, second, third)] == [201, 200, 200]
    assert position(first) < position(second) < position(third)
    assert second.get_json()["suspended"] is True
    assert third.get_json()["suspended"] is False


def test_a_retried_write_returns_the_first_response_and_records_nothing_twice(callers):
    admin = callers["admin"]
    registry = admin.client.application.extensions["registry"].registry
    headers = {"Idempotency-Key": "teacher-1"}
    first = admin.post("/teachers", json=TEACHER, headers=headers)
    head = registry.max_position()
    retry = admin.post("/teachers", json=TEACHER, headers=headers)
    assert (retry.status_code, retry.get_json()) == (first.status_code, first.get_json())
    assert retry.headers["X-Registry-Position"] == first.headers["X-Registry-Position"]
    assert registry.max_position() == head


def test_reusing_a_key_for_another_request_is_a_422(callers):
    admin = callers["admin"]
    headers = {"Idempotency-Key": "teacher-1"}
    assert admin.post("/teachers", json=TEACHER, headers=headers).status_code == 201
    other = admin.post("/teachers", json={**TEACHER, "pin": "10203199000011"}, headers=headers)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_a_key_of_another_account_is_its_own(callers):
    headers = {"Idempotency-Key": "same-key"}
    one = callers["admin"].post("/teachers", json=TEACHER, headers=headers)
    two = callers["registrar"].post(
        "/teachers", json={**TEACHER, "pin": "10203199000011"}, headers=headers
    )
    assert (one.status_code, two.status_code) == (201, 201)


def test_a_teacher_is_transferred_corrected_and_departs(callers):
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    moved = admin.post(
        f"/teachers/{PIN}/transfers",
        json={
            "region": "KG-GB",
            "district": "Leninsky",
            "school": "Gymnasium No. 5",
            "effective_on": "2020-09-01",
        },
    )
    assert moved.status_code == 201, moved.get_json()
    assert moved.get_json()["school"] == "Gymnasium No. 5"
    new_pin = "21505198599999"
    corrected = admin.post(
        f"/teachers/{PIN}/corrections",
        json={
            "pin": new_pin,
            "full_name": "Айгүл Асан кызы",
            "reason": "civil registry",
            "effective_on": "2024-05-02",
        },
    )
    assert corrected.status_code == 201, corrected.get_json()
    assert corrected.get_json()["pin"] == new_pin
    assert PIN in corrected.get_json()["previous_pins"]
    departed = admin.post(
        f"/teachers/{PIN}/departure",  # the old PIN still finds her
        json={"effective_on": "2024-06-30", "reason": "retired"},
    )
    assert departed.status_code == 200
    assert departed.get_json()["departed_on"] == "2024-06-30"


def test_a_correction_that_changes_nothing_is_a_422(callers):
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    response = admin.post(f"/teachers/{PIN}/corrections", json={})
    assert response.status_code == 422


def certified(admin, number="KAE-2024-0001"):
    admin.post("/teachers", json=TEACHER)
    programme_id = admin.post("/programmes", json=PROGRAMME).get_json()["id"]
    enrolment_id = admin.post(
        f"/programmes/{programme_id}/enrolments", json={"pin": PIN}
    ).get_json()["id"]
    admin.post(
        f"/enrolments/{enrolment_id}/assessments",
        json={"passed": True, "assessed_on": "2024-03-20"},
    )
    admin.post(
        f"/enrolments/{enrolment_id}/certificate",
        json={"number": number, "issued_on": "2024-03-21"},
    )
    return enrolment_id


def test_a_lost_certificate_gets_a_duplicate_and_both_are_revoked_together(callers):
    admin = callers["admin"]
    certified(admin)
    duplicate = admin.post(
        "/certificates/KAE-2024-0001/duplicate",
        json={"number": "KAE-2024-0001-D", "issued_on": "2024-05-01"},
    )
    assert duplicate.status_code == 201
    assert duplicate.get_json()["duplicate_of"] == "KAE-2024-0001"
    revoked = admin.post(
        "/certificates/KAE-2024-0001/revocation", json={"reason": "issued in error"}
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    again = admin.post("/certificates/KAE-2024-0001/revocation", json={"reason": "again"})
    assert again.status_code == 409


def test_a_withdrawn_teacher_cannot_be_certified(callers):
    admin = callers["admin"]
    admin.post("/teachers", json=TEACHER)
    programme_id = admin.post("/programmes", json=PROGRAMME).get_json()["id"]
    enrolment_id = admin.post(
        f"/programmes/{programme_id}/enrolments", json={"pin": PIN}
    ).get_json()["id"]
    withdrawn = admin.post(
        f"/enrolments/{enrolment_id}/withdrawal",
        json={"effective_on": "2024-03-05", "reason": "illness"},
    )
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["status"] == "withdrawn"
    response = admin.post(
        f"/enrolments/{enrolment_id}/certificate",
        json={"number": "KAE-X", "issued_on": "2024-03-21"},
    )
    assert response.status_code in (409, 422)


def test_a_legacy_paper_certificate_is_recorded(callers):
    registrar = callers["registrar"]
    registrar.post("/teachers", json=TEACHER)
    response = registrar.post(
        "/certificates/legacy",
        json={
            "pin": PIN,
            "number": "PAPER-2019-77",
            "provider_code": "KAE",
            "title": "Methods of teaching",
            "form": "seminar",
            "hours": 36,
            "issued_on": "2019-05-10",
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"] == "legacy"


def test_a_course_shorter_than_72_hours_is_a_422(callers):
    response = callers["admin"].post("/programmes", json={**PROGRAMME, "hours": 36})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "course_too_short"


def test_an_admin_adopts_a_policy_version(callers):
    response = callers["admin"].post(
        "/policies", json={"effective_from": "2025-09-01", "window_years": 1, "required_hours": 36}
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "effective_from": "2025-09-01",
        "window_years": 1,
        "required_hours": 36,
    }


def test_the_version_already_in_force_from_a_date_adopted_again_is_a_409(callers):
    """Sent twice without an Idempotency-Key, a version is not recorded twice: the list of
    versions would show it twice and the log an adoption that changed nothing. Another
    version from the same date is adopted (the later one wins), and the first again too."""
    admin = callers["admin"]
    version = {"effective_from": "2025-09-01", "window_years": 1, "required_hours": 36}
    assert admin.post("/policies", json=version).status_code == 201
    again = admin.post("/policies", json=version)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == (
        "duplicate_policy_version"
    )
    initial = {"effective_from": "2000-01-01", "window_years": 5, "required_hours": 72}
    assert admin.post("/policies", json=initial).status_code == 409  # the one it started with
    other = {**version, "required_hours": 48}
    assert admin.post("/policies", json=other).status_code == 201
    back = admin.post("/policies", json=version)  # back to 36: a change
    assert back.status_code == 201
    position = back.headers["X-Registry-Position"]
    listed = admin.get(f"/policies?min_position={position}").get_json()["policies"]
    assert len(listed) == 4  # the initial one, 36, 48, 36


def test_an_enrolment_is_read_from_its_history(callers):
    admin = callers["admin"]
    enrolment_id = certified(admin)
    response = admin.get(f"/enrolments/{enrolment_id}")
    assert response.status_code == 200
    assert response.get_json()["status"] == "certified"
    assert callers["other_registrar"].get(f"/enrolments/{enrolment_id}").status_code == 403
    assert admin.get("/enrolments/not-an-id").status_code == 404


def test_a_future_date_is_a_422(callers):
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = callers["admin"].post("/teachers", json={**TEACHER, "service_start": tomorrow})
    assert response.status_code == 422
