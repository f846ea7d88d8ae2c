"""The reference lists on pages: pickers in the page's language, names of districts,
subjects, positions and providers in ky/ru, and the administrators' mapping of old
spellings (a form, and CSV both ways)."""

from __future__ import annotations

import io
import re
import uuid

from registry.domain.teacher import Teacher
from tests import builders
from tests.e2e.conftest import PIN

NEW_PIN = "11205198800078"


def wait(site_registry, services) -> None:
    services.queries.wait_for(site_registry.max_position(), timeout=10)


def unmapped(admin) -> str:
    """The table of spellings not tied to a code, on the administrators' page."""
    page = admin.text("/admin/reference/?lang=ru")
    table = page[page.index("data-unmapped") :]
    return table[: table.index("</table>")]


def test_the_registration_form_offers_pickers_named_in_the_page_language(as_role):
    registrar = as_role("registrar")
    ky = registrar.text("/record/teachers/new?lang=ky")
    assert re.search(r'<select id="district" name="district"', ky)
    assert '<optgroup label="Чүй облусу">' in ky
    assert '<option value="sokuluk">Сокулук</option>' in ky
    assert '<option value="mathematics">Математика</option>' in ky
    assert '<option value="teacher">Мугалим</option>' in ky
    ru = registrar.text("/record/teachers/new?lang=ru")
    assert '<option value="sokuluk">Сокулукский</option>' in ru
    assert '<option value="teacher">Учитель</option>' in ru
    assert '<option value="physical_education">Физическая культура</option>' in ru


def test_a_district_of_another_region_is_refused_and_the_picker_offers_the_region_s_own(
    as_role, last_position
):
    before = last_position()
    form = {
        "pin": NEW_PIN,
        "full_name": "Эркин Жумабаев",
        "region": "KG-N",
        "district": "sokuluk",
        "school": "School No. 1",
        "subject": "biology",
        "position": "teacher",
        "service_start": "2012-09-01",
    }
    response = as_role("registrar").submit("/record/teachers/new?lang=en", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="district-errors"><li>This district is not in the chosen region', page)
    assert '<option value="kochkor">Kochkor</option>' in page
    assert 'value="sokuluk"' not in page
    assert last_position() == before


def test_a_teacher_registered_with_the_pickers_shows_names_in_ky_and_ru(as_role):
    registrar = as_role("registrar")
    form = {
        "pin": NEW_PIN,
        "full_name": "Эркин Жумабаев",
        "region": "KG-N",
        "district": "kochkor",
        "school": "School No. 1",
        "subject": "biology",
        "position": "senior_teacher",
        "service_start": "2012-09-01",
    }
    assert registrar.submit("/record/teachers/new?lang=en", form).status_code == 303
    ky = registrar.text(f"/teachers/{NEW_PIN}?lang=ky")
    assert "Кочкор" in ky and "Биология" in ky and "Улук мугалим" in ky
    ru = registrar.text(f"/teachers/{NEW_PIN}?lang=ru")
    assert "Кочкорский" in ru and "Старший учитель" in ru
    assert "kochkor" not in ru and "senior_teacher" not in ru


def test_an_administrator_ties_old_spellings_to_codes_on_the_page_and_by_csv(site, as_role):
    app, seeded = site
    services = app.extensions["registry"]
    registry = seeded.registry
    for serial, district in (("00091", "Сокулук р-н"), ("00092", "Кемин району")):
        registry.save(
            Teacher.register(
                uuid.uuid4(), **builders.teacher(pin=f"215051985{serial}", district=district)
            )
        )
    wait(registry, services)
    admin = as_role("admin")
    assert "Сокулук р-н" in unmapped(admin) and "Кемин району" in unmapped(admin)

    response = admin.submit(
        "/admin/reference/?list=districts&lang=ru", {"spelling": "Сокулук р-н", "code": "sokuluk"}
    )
    assert response.status_code == 303
    assert "Сокулук р-н" not in unmapped(admin) and "Кемин району" in unmapped(admin)

    download = admin.get("/admin/reference/districts/spellings.csv").get_data(as_text=True)
    assert download.startswith("\ufeffspelling,code,teachers")
    assert "Кемин району,,1" in download and "Сокулук р-н,sokuluk," in download

    token = admin.csrf("/admin/reference/")
    bad = admin.client.post(
        "/admin/reference/districts/spellings?lang=en",
        data={"csrf_token": token, "file": (io.BytesIO(b"spelling,code\nX,atlantis\n"), "m.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "Choose an entry of the list." in bad.get_data(as_text=True)
    upload = admin.client.post(
        "/admin/reference/districts/spellings",
        data={
            "csrf_token": token,
            "file": (io.BytesIO("spelling,code\nКемин району,kemin\n".encode()), "m.csv"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    assert "Every spelling is tied to a code." in admin.text("/admin/reference/?lang=en")


def test_the_provider_s_kyrgyz_and_russian_names_show_on_the_public_verify_page(site, visitor):
    app, seeded = site
    registry = seeded.registry
    registry.translate_provider(
        builders.ADMIN,
        "KAE",
        name_ky="Кыргыз билим берүү академиясы",
        name_ru="Кыргызская академия образования",
    )
    wait(registry, app.extensions["registry"])
    code = seeded.certificate["verification_code"]
    number = seeded.certificate["number"]
    assert "Кыргыз билим берүү академиясы" in visitor.text(f"/verify/{number}?code={code}&lang=ky")
    ru = visitor.text(f"/verify/{number}?code={code}&lang=ru")
    assert "Кыргызская академия образования" in ru
    en = visitor.text(f"/verify/{number}?code={code}&lang=en")
    assert "<dd>Provider KAE <span" in en  # the English name, the fallback


def test_the_dossier_names_the_seeded_teacher_s_district_recorded_as_a_name(as_role):
    ky = as_role("registrar").text(f"/teachers/{PIN}?lang=ky")
    assert "Сокулук" in ky and "Математика" in ky


def test_a_provider_registered_with_kyrgyz_and_russian_names_shows_them_by_language(as_role):
    admin = as_role("admin")
    response = admin.submit(
        "/providers/new",
        {
            "code": "TAL-MC",
            "name": "Talas Methodological Centre",
            "name_ky": "Талас методикалык борбору",
            "name_ru": "Таласский методический центр",
            "kind": "methodological_centre",
            "region": "KG-T",
        },
    )
    assert response.status_code == 303
    assert "Талас методикалык борбору" in admin.text("/providers/TAL-MC?lang=ky")
    assert "Таласский методический центр" in admin.text("/providers/?lang=ru")
    english = admin.text("/providers/TAL-MC?lang=en")
    assert "Talas Methodological Centre" in english and "Талас" not in english
