"""The registrar and admin forms: each write records once and shows the result; bad input
gets a clear error on the right field and records nothing."""

from __future__ import annotations

import re

from tests.e2e.conftest import PIN

NEW_PIN = "11205198800077"  # born 12.05.1988


def teacher_form(**overrides):
    data = {
        "pin": NEW_PIN,
        "full_name": "Эркин Жумабаев",
        "region": "KG-N",
        "district": "Kochkor",
        "school": "School No. 1",
        "subject": "Biology",
        "position": "teacher",
        "service_start": "2012-09-01",
    }
    data.update(overrides)
    return data


def errors_of(response) -> str:
    return response.get_data(as_text=True)


def test_registering_a_teacher_opens_their_dossier(as_role, last_position):
    registrar = as_role("registrar")
    response = registrar.submit("/record/teachers/new?lang=en", teacher_form())
    assert response.status_code == 303
    assert response.location == f"/teachers/{NEW_PIN}"
    page = registrar.text(f"/teachers/{NEW_PIN}?lang=en")
    assert "Эркин Жумабаев" in page and "The teacher was registered." in page


def test_a_missing_field_is_a_400_that_marks_it_and_records_nothing(as_role, last_position):
    before = last_position()
    response = as_role("registrar").submit(
        "/record/teachers/new?lang=en", teacher_form(pin="21001199100011", full_name="")
    )
    assert response.status_code == 400
    assert re.search(r'id="full_name-errors"><li>This field is required', errors_of(response))
    assert last_position() == before


def test_a_pin_with_an_impossible_birth_date_is_refused_on_the_pin_field(as_role, last_position):
    before = last_position()
    response = as_role("registrar").submit(
        "/record/teachers/new?lang=en", teacher_form(pin="13113199000011")
    )
    assert response.status_code == 422
    assert re.search(r'id="pin-errors"><li>A PIN is 14 digits', errors_of(response))
    assert last_position() == before


def test_a_duplicate_pin_is_a_409_in_the_readers_language(as_role, last_position):
    before = last_position()
    response = as_role("registrar").submit("/record/teachers/new?lang=ru", teacher_form(pin=PIN))
    assert response.status_code == 409
    assert "Учитель с таким ПИН уже зарегистрирован." in errors_of(response)
    assert last_position() == before


def test_a_form_sent_without_its_csrf_token_records_nothing(as_role, last_position):
    before = last_position()
    browser = as_role("registrar")
    response = browser.client.post(
        "/record/teachers/new?lang=en", data=teacher_form(pin="21001199100022")
    )
    assert response.status_code == 400
    assert "The form has expired or was not sent from this site" in errors_of(response)
    assert last_position() == before


def test_transfer_departure_and_correction_are_recorded_on_the_dossier(as_role):
    admin = as_role("admin")
    pin = "21101198700055"
    assert admin.submit("/record/teachers/new", teacher_form(pin=pin)).status_code == 303
    response = admin.submit(
        f"/record/teachers/{pin}/transfer",
        {
            "region": "KG-T",
            "district": "Talas",
            "school": "School No. 9",
            "effective_on": "2020-09-01",
        },
    )
    assert response.status_code == 303
    new_pin = "21101198700066"
    response = admin.submit(
        f"/record/teachers/{pin}/correction",
        {
            "pin": new_pin,
            "full_name": "Эркин Жумабаев уулу",
            "reason": "Civil registry",
            "effective_on": "2024-05-02",
        },
    )
    assert response.location == f"/teachers/{new_pin}"
    response = admin.submit(
        f"/record/teachers/{new_pin}/departure", {"effective_on": "2024-06-30", "reason": "Retired"}
    )
    assert response.status_code == 303
    page = admin.text(f"/teachers/{pin}?lang=en")  # the old PIN still finds the teacher
    assert "Эркин Жумабаев уулу" in page and "School No. 9" in page
    assert "Transferred to another school" in page and "Left service" in page
    assert new_pin in page and pin in page
    history = as_role("auditor").client.get(f"/api/v1/teachers/{pin}/history").get_json()
    corrected = [e for e in history["events"] if e["type"] == "Teacher.Corrected"]
    assert corrected[-1]["data"]["effective_on"] == "2024-05-02"


def test_the_forms_hold_the_same_limits_and_requirements_as_the_api(as_role):
    """One rule in one place: a 300-character departure reason (the domain allows 500)
    and a correction without a reason (optional in the API) are accepted on the pages."""
    admin = as_role("admin")
    pin = "21101198700077"
    assert admin.submit("/record/teachers/new", teacher_form(pin=pin)).status_code == 303
    corrected = admin.submit(f"/record/teachers/{pin}/correction", {"school": "Lyceum 2"})
    assert corrected.status_code == 303, errors_of(corrected)
    departed = admin.submit(
        f"/record/teachers/{pin}/departure",
        {"effective_on": "2024-06-30", "reason": "Долгая причина. " * 18},
    )
    assert departed.status_code == 303, errors_of(departed)
    too_long = admin.submit(f"/record/teachers/{pin}/correction?lang=en", {"full_name": "x" * 201})
    assert too_long.status_code == 400 and "200 characters" in errors_of(too_long)


def test_the_full_course_of_a_programme_from_registration_to_certificate(as_role, seeded):
    registrar = as_role("registrar")
    response = registrar.submit(
        "/programmes/new",
        {
            "provider_code": "KAE",
            "code": "ICT-80",
            "title": "ICT in the classroom",
            "form": "course",
            "mode": "blended",
            "hours": "80",
            "assessment": "test",
            "funding": "state",
            "starts_on": "2024-09-01",
            "ends_on": "2024-10-15",
        },
    )
    assert response.status_code == 303
    programmes = registrar.text("/programmes/")
    programme_id = re.search(r'/record/enrolments/new\?programme=([0-9a-f-]+)"', programmes)
    programme_id = re.findall(r"ICT-80.*?programme=([0-9a-f-]+)", programmes, re.S)[0]
    response = registrar.submit(
        f"/record/enrolments/new?pin={PIN}", {"pin": PIN, "programme_id": programme_id}
    )
    assert response.status_code == 303
    dossier = registrar.text(f"/teachers/{PIN}")
    enrolment_id = re.findall(r"/record/enrolments/([0-9a-f-]+)/assessment", dossier)
    assert enrolment_id
    enrolment_id = next(e for e in enrolment_id if e != seeded.enrolment_id)
    failed = registrar.submit(
        f"/record/enrolments/{enrolment_id}/assessment",
        {"passed": "no", "score": "41", "assessed_on": "2024-10-15"},
    )
    assert failed.status_code == 303
    refused = registrar.submit(
        f"/record/enrolments/{enrolment_id}/certificate?lang=en",
        {"number": "KAE-2024-0500", "issued_on": "2024-10-16"},
    )
    assert refused.status_code == 422
    assert "A certificate needs a passed assessment." in errors_of(refused)
    assert (
        registrar.submit(
            f"/record/enrolments/{enrolment_id}/assessment",
            {"passed": "yes", "score": "87.5", "assessed_on": "2024-10-20"},
        ).status_code
        == 303
    )
    assert (
        registrar.submit(
            f"/record/enrolments/{enrolment_id}/certificate",
            {"number": "KAE-2024-0500", "issued_on": "2024-10-21"},
        ).status_code
        == 303
    )
    page = registrar.text(f"/teachers/{PIN}?lang=en")
    assert "KAE-2024-0500" in page and "152 / 72" in page


def test_a_course_shorter_than_72_hours_is_refused_with_the_rule(as_role, last_position):
    before = last_position()
    response = as_role("registrar").submit(
        "/programmes/new?lang=en",
        {
            "provider_code": "KAE",
            "code": "SHORT",
            "title": "Too short",
            "form": "course",
            "mode": "distance",
            "hours": "40",
            "assessment": "exam",
            "funding": "contract",
            "starts_on": "2024-01-10",
            "ends_on": "2024-01-20",
        },
    )
    assert response.status_code == 422
    assert re.search(r'id="hours-errors"><li>A course must have at least 72', errors_of(response))
    assert last_position() == before


def test_a_registrar_cannot_choose_another_providers_programme_or_provider(as_role, last_position):
    before = last_position()
    response = as_role("registrar").submit(
        "/programmes/new?lang=en",
        {
            "provider_code": "OSH-OI",
            "code": "X1",
            "title": "Not ours",
            "form": "seminar",
            "mode": "distance",
            "hours": "8",
            "assessment": "none",
            "funding": "state",
            "starts_on": "2024-01-10",
            "ends_on": "2024-01-12",
        },
    )
    assert response.status_code == 400
    assert "Not a valid choice" in errors_of(response)
    assert last_position() == before


def test_withdrawal_is_recorded(as_role, seeded):
    admin = as_role("admin")
    admin.submit(
        "/programmes/new",
        {
            "provider_code": "OSH-OI",
            "code": "SEM-8",
            "title": "Short seminar",
            "form": "seminar",
            "mode": "visiting",
            "hours": "8",
            "assessment": "none",
            "funding": "state",
            "starts_on": "2024-02-01",
            "ends_on": "2024-02-02",
        },
    )
    programme_id = re.findall(r"SEM-8.*?programme=([0-9a-f-]+)", admin.text("/programmes/"), re.S)[
        0
    ]
    pin = "10203199000011"
    assert (
        admin.submit(
            "/record/enrolments/new", {"pin": pin, "programme_id": programme_id}
        ).status_code
        == 303
    )
    enrolment = re.findall(
        r"/record/enrolments/([0-9a-f-]+)/withdrawal", admin.text(f"/teachers/{pin}")
    )[0]
    assert (
        admin.submit(
            f"/record/enrolments/{enrolment}/withdrawal",
            {"effective_on": "2024-02-01", "reason": "Illness"},
        ).status_code
        == 303
    )
    assert "Withdrawn" in admin.text(f"/teachers/{pin}?lang=en")


def test_a_paper_certificate_is_recorded_for_a_teacher(as_role):
    registrar = as_role("registrar")
    response = registrar.submit(
        f"/record/certificates/legacy?pin={PIN}",
        {
            "pin": PIN,
            "number": "PAPER-2019-1",
            "provider_code": "KAE",
            "title": "Педагогика",
            "form": "seminar",
            "hours": "18",
            "issued_on": "2019-11-11",
        },
    )
    assert response.status_code == 303
    page = registrar.text(f"/teachers/{PIN}?lang=en")
    assert "PAPER-2019-1" in page and "paper" in page


def test_revoking_and_duplicating_certificates(as_role):
    registrar = as_role("registrar")
    registrar.submit(
        "/record/certificates/legacy",
        {
            "pin": PIN,
            "number": "PAPER-2018-2",
            "provider_code": "KAE",
            "title": "Психология",
            "form": "training",
            "hours": "24",
            "issued_on": "2018-03-03",
        },
    )
    response = registrar.submit(
        "/record/certificates/PAPER-2018-2/duplicate",
        {"number": "PAPER-2018-2-D", "issued_on": "2021-01-05"},
    )
    assert response.location == "/certificates/PAPER-2018-2-D"
    assert "Duplicate of" in registrar.text("/certificates/PAPER-2018-2-D?lang=en")
    assert (
        registrar.submit(
            "/record/certificates/PAPER-2018-2/revocation", {"reason": "Forged"}
        ).status_code
        == 303
    )
    original = registrar.text("/certificates/PAPER-2018-2?lang=en")
    duplicate = registrar.text("/certificates/PAPER-2018-2-D?lang=en")
    assert "Revoked" in original and "Forged" in original
    assert "Revoked" in duplicate  # a duplicate is revoked with its original


def test_a_registrar_may_not_revoke_another_providers_certificate(as_role):
    assert (
        as_role("osh-registrar").get("/record/certificates/KAE-2024-0001/revocation").status_code
        == 403
    )


def test_an_admin_registers_suspends_and_reinstates_a_provider(as_role, last_position):
    admin = as_role("admin")
    response = admin.submit(
        "/providers/new",
        {"code": "NAR-MC", "name": "Нарын МЦ", "kind": "methodological_centre", "region": "KG-N"},
    )
    assert response.location == "/providers/NAR-MC"
    assert (
        admin.submit("/providers/NAR-MC/suspension", {"reason": "Licence expired"}).status_code
        == 303
    )
    assert "Suspended" in admin.text("/providers/NAR-MC?lang=en")
    before = last_position()
    again = admin.submit("/providers/NAR-MC/suspension?lang=en", {"reason": "Again"})
    assert again.status_code == 409 and last_position() == before
    assert admin.submit("/providers/NAR-MC/reinstatement", {"reason": "Renewed"}).status_code == 303


def test_a_duplicate_provider_code_is_refused(as_role, last_position):
    before = last_position()
    response = as_role("admin").submit(
        "/providers/new?lang=en",
        {"code": "KAE", "name": "Again", "kind": "academy", "region": "KG-GB"},
    )
    assert response.status_code == 409
    assert "already registered" in errors_of(response)
    assert last_position() == before


def test_an_admin_adopts_a_policy_version_and_auditors_see_it(as_role):
    response = as_role("admin").submit(
        "/admin/policy",
        {"effective_from": "2030-01-01", "window_years": "1", "required_hours": "36"},
    )
    assert response.status_code == 303
    page = as_role("auditor").text("/admin/policy?lang=en")
    assert "January 1, 2030" in page and "36" in page
    assert "Adopt a new version" not in page  # auditors read, never write


def test_an_admin_creates_an_account_and_sees_its_token_once(as_role, visitor):
    response = as_role("admin").submit(
        "/admin/accounts?lang=en",
        {
            "name": "naryn-commission",
            "role": "commission",
            "region": "KG-N",
            "password": "another-pass-9",
        },
    )
    page = errors_of(response)
    assert response.status_code == 200
    assert re.search(r'<code class="token">[0-9a-f]{32}\.[\w-]+</code>', page)
    assert visitor.sign_in("naryn-commission", "another-pass-9").status_code == 302


def test_a_registrar_account_without_a_provider_is_refused(as_role):
    response = as_role("admin").submit(
        "/admin/accounts?lang=en",
        {"name": "lost-registrar", "role": "registrar", "password": "another-pass-9"},
    )
    assert response.status_code == 422
    assert "must be bound to a provider" in errors_of(response)


def test_an_upload_that_is_not_utf8_is_refused(as_role, last_position):
    import io

    before = last_position()
    browser = as_role("registrar")
    response = browser.client.post(
        "/imports/?lang=en",
        data={
            "csrf_token": browser.csrf("/imports/"),
            "file": (io.BytesIO("pin,number\n".encode("cp1251") + b"\xff\xfe"), "old.csv"),
            "encoding": "utf-8",  # chosen, not detected (detection would read Windows-1251)
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "not UTF-8" in errors_of(response)
    assert last_position() == before


def test_every_problem_shows_after_one_submission_in_a_linked_summary(as_role, last_position):
    """The issue's case: a 13-digit PIN, no district and a future date took three submits."""
    before = last_position()
    response = as_role("registrar").submit(
        "/record/teachers/new?lang=en",
        teacher_form(pin="2150519851234", district="", service_start="2099-01-01"),
    )
    page = errors_of(response)
    assert response.status_code == 400 and last_position() == before
    summary = page[
        page.index('class="error-summary"') : page.index("</div>", page.index("error-summary"))
    ]
    assert 'role="alert"' in summary and "There is a problem" in summary
    for field in ("pin", "district", "service_start"):
        assert f'href="#{field}"' in summary, field
        tag = re.search(rf'<(?:input|select)[^>]*\bid="{field}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in tag, field
    assert "A PIN is 14 digits" in summary and "The date is in the future." in summary
    assert page.count('aria-invalid="true"') == 3  # only the three, none elsewhere
    assert 'aria-invalid="None"' not in page


def test_a_fresh_form_marks_nothing_invalid(as_role):
    page = as_role("registrar").text("/record/teachers/new?lang=en")
    assert "aria-invalid" not in page and "error-summary" not in page
    assert 'aria-describedby="pin-hint"' in page  # the hint is still announced


def test_rules_between_fields_show_with_the_others(as_role, last_position):
    before = last_position()
    response = as_role("registrar").submit(
        "/record/teachers/new?lang=ru",
        teacher_form(region="KG-O", district="Kochkor", full_name="", service_start="1985-01-01"),
    )
    page = errors_of(response)
    assert response.status_code == 400 and last_position() == before
    assert "Этот район не относится к выбранному региону." in page
    for field in ("district", "full_name", "service_start"):
        assert f'href="#{field}"' in page, field


def test_a_programme_breaking_two_rules_hears_of_both_at_once(as_role, last_position):
    before = last_position()
    response = as_role("registrar").submit(
        "/programmes/new?lang=en",
        {
            "provider_code": "KAE",
            "code": "BAD CODE!",
            "title": "Short course",
            "form": "course",
            "mode": "full_time",
            "hours": "20",
            "assessment": "exam",
            "funding": "state",
            "starts_on": "2024-05-01",
            "ends_on": "2024-04-01",
        },
    )
    page = errors_of(response)
    assert response.status_code == 422 and last_position() == before
    for field in ("code", "hours", "ends_on"):
        assert f'href="#{field}"' in page, field
    assert "at least 72 academic hours" in page and "ends before it starts" in page


def test_a_programme_is_registered_with_its_subject_and_places(as_role, last_position):
    registrar = as_role("registrar")
    course = {
        "provider_code": "KAE",
        "code": "PLACES-1",
        "title": "Physics teaching",
        "form": "course",
        "mode": "distance",
        "hours": "72",
        "assessment": "exam",
        "funding": "state",
        "starts_on": "2027-02-01",
        "ends_on": "2027-03-01",
        "subject": "Physics",
    }
    before = last_position()
    refused = registrar.submit("/programmes/new?lang=en", {**course, "capacity": "0"})
    assert refused.status_code == 400
    assert re.search(r'id="capacity-errors"><li>Number must be between 1', errors_of(refused))
    assert last_position() == before
    made = registrar.submit("/programmes/new?lang=en", {**course, "capacity": "24"})
    assert made.status_code == 303, errors_of(made)
    listed = registrar.text("/programmes/export.csv?q=PLACES-1")
    assert "PLACES-1" in listed and ",physics,24" in listed


CONTACT_PIN = "11506199012346"


def test_contacts_are_registered_and_corrected_on_the_forms_and_shown_to_dossier_readers_only(
    as_role, visitor, last_position
):
    registrar = as_role("registrar")
    contact = teacher_form(pin=CONTACT_PIN, email="Erkin.J@Mektep.kg", phone="+996700111222")
    for field, value, label in (
        ("email", "erkin@", "E-mail"),
        ("phone", "0700 111 222", "Phone"),
    ):
        before = last_position()
        refused = registrar.submit("/record/teachers/new?lang=en", {**contact, field: value})
        assert refused.status_code in (400, 422), field
        summary = errors_of(refused).split('class="error-summary"', 1)[1].split("</div>", 1)[0]
        assert f'href="#{field}">{label}:' in summary, summary
        assert last_position() == before
    made = registrar.submit("/record/teachers/new?lang=en", contact)
    assert made.status_code == 303, errors_of(made)
    dossier = registrar.text(f"/teachers/{CONTACT_PIN}?lang=en")
    assert "Erkin.J@mektep.kg" in dossier and "+996700111222" in dossier

    bad = registrar.submit(f"/record/teachers/{CONTACT_PIN}/correction?lang=en", {"phone": "+12"})
    assert bad.status_code in (400, 422)
    assert 'href="#phone">Phone:' in errors_of(bad)
    corrected = registrar.submit(
        f"/record/teachers/{CONTACT_PIN}/correction?lang=en", {"phone": "+996555000111"}
    )
    assert corrected.status_code == 303, errors_of(corrected)
    dossier = as_role("commission").text(f"/teachers/{CONTACT_PIN}?lang=en")  # Naryn: not Chüy's
    assert "+996555000111" not in dossier
    admin_dossier = as_role("admin").text(f"/teachers/{CONTACT_PIN}?lang=en")
    assert (
        "+996555000111" in admin_dossier and "+996700111222" not in admin_dossier.split("<h2", 1)[0]
    )
    # Never on the statisticians', the forecast's or the public's pages and downloads.
    statistician = as_role("statistician")
    for page in (
        statistician.text("/statistics?group_by=district"),
        statistician.text("/statistics/teachers"),
        statistician.text("/statistics/teachers.csv"),
        statistician.text("/forecast?months=60&group_by=district"),
        statistician.text("/forecast.csv?months=60&group_by=district"),
        visitor.text("/open-data?group_by=district"),
    ):
        for secret in ("mektep.kg", "+996555000111", "+996700111222"):
            assert secret not in page


def test_a_registrar_changes_and_clears_a_programmes_places(as_role, last_position):
    registrar = as_role("registrar")
    made = registrar.submit(
        "/programmes/new?lang=en",
        {
            "provider_code": "KAE",
            "code": "PLACES-2",
            "title": "Biology teaching",
            "form": "seminar",
            "mode": "distance",
            "hours": "18",
            "assessment": "none",
            "funding": "state",
            "starts_on": "2027-04-01",
            "ends_on": "2027-04-03",
        },
    )
    assert made.status_code == 303
    listed = registrar.text("/programmes/?q=PLACES-2&lang=en")
    programme_id = re.findall(r"/programmes/([0-9a-f-]{36})/places", listed)[0]
    path = f"/programmes/{programme_id}/places?lang=en"
    before = last_position()
    refused = registrar.submit(path, {"capacity": "0"})
    assert refused.status_code == 400 and 'href="#capacity">Places:' in errors_of(refused)
    assert last_position() == before
    assert registrar.submit(path, {"capacity": "30"}).status_code == 303
    assert ",Biology teaching," in registrar.text("/programmes/export.csv?q=PLACES-2")
    assert registrar.text("/programmes/export.csv?q=PLACES-2").rstrip().endswith(",30")
    assert registrar.submit(path, {"capacity": ""}).status_code == 303  # not known any more
    assert registrar.text("/programmes/export.csv?q=PLACES-2").rstrip().endswith(",")
    assert as_role("osh-registrar").get(path).status_code == 403
    assert as_role("auditor").get(path).status_code == 403
