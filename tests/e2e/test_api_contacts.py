"""A teacher's contacts are protected data: recorded at registration or by correction,
checked (RFC 5322 address syntax without DNS, E.164 phones), shown to dossier readers only
and found in no statistic, open data, pseudonymised row, credential, other CSV or log."""

from __future__ import annotations

import logging

from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER

EMAIL = "aigul.asanova@mektep.kg"
PHONE = "+996555123456"


def _certified_with_contacts(callers) -> str:
    registrar = callers["registrar"]
    created = registrar.post("/teachers", json={**TEACHER, "email": EMAIL, "phone": PHONE})
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["email"], created.get_json()["phone"]) == (EMAIL, PHONE)
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
    return issued.headers["X-Registry-Position"]


def test_contacts_show_to_dossier_readers_and_nowhere_else(callers, caplog):
    caplog.set_level(logging.DEBUG)
    position = _certified_with_contacts(callers)
    dossier = callers["commission"].get(f"/teachers/{PIN}?min_position={position}").get_json()
    assert (dossier["email"], dossier["phone"], dossier["language"]) == (EMAIL, PHONE, "ru")
    history = callers["auditor"].get(f"/teachers/{PIN}/history").get_data(as_text=True)
    assert EMAIL in history  # the record of who changed what is itself a dossier read

    statistician, public, admin = callers["statistician"], callers["public"], callers["admin"]
    outputs = {
        "pseudonymised": statistician.get(f"/statistics/teachers?min_position={position}"),
        "pseudonymised csv": statistician.get("/statistics/teachers?format=csv"),
        "compliance": statistician.get("/statistics/compliance?group_by=region"),
        "compliance csv": statistician.get("/statistics/compliance?group_by=region&format=csv"),
        "open data": public.get("/open-data/compliance?group_by=region"),
        "due csv": admin.get("/due?status=due_soon&format=csv"),
        "due": admin.get("/due?status=due_soon"),
        "credential": admin.get("/certificates/KAE-2024-0001/credential"),
        "certificate": admin.get("/certificates/KAE-2024-0001"),
        "search": admin.get("/teachers?q=Асанова"),
        "forecast": statistician.get("/statistics/forecast?months=60&group_by=district"),
        "forecast csv": statistician.get("/statistics/forecast?months=60&format=csv"),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
        body = response.get_data(as_text=True)
        assert EMAIL not in body and PHONE not in body, name
    assert outputs["pseudonymised"].get_json()["teachers"], "the rows are there, without contacts"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert EMAIL not in logged and PHONE not in logged


def test_contacts_are_corrected_and_cleared(callers):
    registrar = callers["registrar"]
    assert registrar.post("/teachers", json=TEACHER).status_code == 201
    changed = registrar.post(
        f"/teachers/{PIN}/corrections", json={"email": "A.Asanova@Mektep.kg", "language": "ky"}
    )
    assert changed.status_code == 201, changed.get_json()
    assert changed.get_json()["email"] == "A.Asanova@mektep.kg"  # the domain is normalised
    assert changed.get_json()["language"] == "ky"
    same = registrar.post(f"/teachers/{PIN}/corrections", json={"language": "ky"})
    assert same.status_code == 422 and same.get_json()["error"]["code"] == "no_change"
    both = registrar.post(
        f"/teachers/{PIN}/corrections", json={"phone": PHONE, "school": "School No. 5"}
    )
    assert both.status_code == 201
    assert (both.get_json()["phone"], both.get_json()["school"]) == (PHONE, "School No. 5")
    cleared = registrar.post(f"/teachers/{PIN}/corrections", json={"email": None})
    assert cleared.status_code == 201 and cleared.get_json()["email"] is None
    dossier = callers["admin"].get(
        f"/teachers/{PIN}?min_position={cleared.headers['X-Registry-Position']}"
    )
    assert (dossier.get_json()["email"], dossier.get_json()["phone"]) == (None, PHONE)


def test_a_bad_email_or_phone_is_refused_naming_the_field(callers):
    registrar = callers["registrar"]
    for body, field in (
        ({"email": "not an address"}, "email"),
        ({"email": "a@b@c.kg"}, "email"),
        ({"email": "aigul@"}, "email"),
        ({"phone": "0555123456"}, "phone"),
        ({"phone": "+996 555 123 456"}, "phone"),
        ({"phone": "+0555123456"}, "phone"),
        ({"language": "en"}, "language"),
    ):
        response = registrar.post("/teachers", json={**TEACHER, **body})
        assert response.status_code == 422, body
        assert field in str(response.get_json()), body
    assert callers["admin"].get(f"/teachers/{PIN}").status_code == 404  # nothing recorded
    created = registrar.post("/teachers", json=TEACHER)
    assert created.status_code == 201
    bad = registrar.post(f"/teachers/{PIN}/corrections", json={"email": "x", "school": "Other"})
    assert bad.status_code == 422 and "email" in str(bad.get_json())
    position = created.headers["X-Registry-Position"]
    dossier = callers["admin"].get(f"/teachers/{PIN}?min_position={position}")
    assert dossier.get_json()["school"] == TEACHER["school"]


def test_an_admin_records_a_district_departments_contact(callers):
    body = {"role": "district_department", "district": "Sokuluk", "name": "РОО"}
    ok = callers["admin"].post("/reminders/recipients", json={**body, "email": "roo@sokuluk.kg"})
    assert ok.status_code == 201 and ok.get_json()["email"] == "roo@sokuluk.kg"
    bad = callers["admin"].post("/reminders/recipients", json={**body, "email": "roo@"})
    assert bad.status_code == 422 and "email" in str(bad.get_json())
    role = callers["admin"].post(
        "/reminders/recipients", json={**body, "role": "mayor", "email": "a@b.kg"}
    )
    assert role.status_code == 422 and "role" in str(role.get_json())
    other = {**body, "email": "x@sokuluk.kg"}
    assert callers["registrar"].post("/reminders/recipients", json=other).status_code == 403
