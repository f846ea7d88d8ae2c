"""The search page and the typeahead pickers' answers: Kyrgyz letters and Latin script,
the total with page numbers, a refused query explained in the reader's language."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from registry.commands.base import Actor
from tests.builders import teacher
from tests.e2e.conftest import PIN

ASANOVS = [f"1010119900{n:04d}" for n in range(30)]


@pytest.fixture(scope="module")
def asanovs(site):
    """Thirty more teachers named Асанова, for pages of results."""
    app, _ = site
    services = app.extensions["registry"]
    for n, pin in enumerate(ASANOVS):
        result = services.registry.register_teacher(
            Actor.system(),
            teacher(pin=pin, full_name=f"Асанова Гүлнара {n:02d}", service_start=date(2015, 9, 1)),
        )
    services.queries.wait_for(result.position, timeout=10)
    return ASANOVS


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_a_name_typed_with_russian_letters_or_in_latin_finds_the_teacher(as_role, lang):
    for typed in ("асанова айгул", "Asanova Aigul"):
        page = as_role("commission").text(f"/teachers?q={typed}&lang={lang}")
        assert "Айгүл Асанова" in page and f'href="/teachers/{PIN}"' in page, typed
    assert {"ky": "1 мугалим табылды", "ru": "Найден 1 учитель"}[lang] in page


def test_many_results_show_the_total_and_page_numbers(as_role, asanovs):
    page = as_role("auditor").text("/teachers?q=гулнара&lang=en")
    assert "30 teachers found" in page and "page 1 of 2" in page
    assert 'aria-current="page">1</a>' in page and 'href="/teachers?q=%D0%B3' in page
    assert "page=2" in page and 'rel="next"' in page
    second = as_role("auditor").text("/teachers?q=гулнара&page=2&lang=en")
    assert "page 2 of 2" in second and second.count('href="/teachers/1010119900') == 5
    beyond = as_role("auditor").text("/teachers?q=гулнара&page=9&lang=en")
    assert "past the last one" in beyond and "page=2" in beyond


@pytest.mark.parametrize(
    ("lang", "words"),
    [("ru", "Введите не менее 2"), ("ky", "Жок дегенде 2"), ("en", "Type at least 2")],
)
def test_a_one_letter_search_is_refused_in_the_readers_language(as_role, lang, words):
    response = as_role("auditor").get(f"/teachers?q=%25&lang={lang}")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and words in page
    assert 'aria-invalid="true"' in page and 'id="q-errors"' in page


def test_a_long_search_is_refused_not_cut(as_role):
    response = as_role("auditor").get(f"/teachers?q={'я' * 300}&lang=en")
    assert response.status_code == 400
    assert "at most 200 characters" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "csv_link", "xlsx_link"),
    [("ru", "Скачать CSV", "Скачать Excel"), ("ky", "CSV жүктөп алуу", "Excel")],
)
def test_every_teacher_a_search_finds_downloads_as_csv_and_xlsx(
    as_role, asanovs, monkeypatch, lang, csv_link, xlsx_link
):
    import web.pages.teachers

    monkeypatch.setattr(web.pages.teachers, "EXPORT_CHUNK", 7)  # five reads for 31 rows
    browser = as_role("auditor")
    page = browser.text(f"/teachers?q=асанова&lang={lang}")

    links = dict(re.findall(r'href="(/teachers\.(?:csv|xlsx)\?[^"]*)"[^>]*>([^<]*)<', page))
    assert len(links) == 2 and csv_link in links.values()
    assert any(xlsx_link in text for text in links.values())
    csv_path = next(p for p in links if ".csv" in p).replace("&amp;", "&")
    xlsx_path = next(p for p in links if ".xlsx" in p).replace("&amp;", "&")
    listed = browser.get(csv_path)
    sheet = load_workbook(io.BytesIO(browser.get(xlsx_path).get_data()), read_only=True).active

    rows = list(csv.DictReader(io.StringIO(listed.get_data().decode("utf-8-sig"))))
    pins = [row["pin"] for row in rows]
    assert sorted(pins) == sorted([*asanovs, PIN])  # every page's teachers, once each
    total = re.search(r'id="total">\D*(\d+)', page).group(1)
    assert len(pins) == int(total) == 31
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == pins
    assert listed.headers["Content-Disposition"] == 'attachment; filename="teachers.csv"'


def test_a_commission_downloads_only_its_region_and_a_refused_search_downloads_nothing(as_role):
    chuy = as_role("commission").get("/teachers.csv?q=School&region=KG-O")
    refused = as_role("auditor").get("/teachers.xlsx?q=%25&lang=ru")

    assert {
        row["region"] for row in csv.DictReader(io.StringIO(chuy.get_data().decode("utf-8-sig")))
    } == {"KG-C"}
    assert refused.status_code == 422
    assert "Введите не менее 2" in refused.get_data(as_text=True)


def test_the_teacher_picker_suggests_by_name_and_a_commission_sees_its_region(as_role):
    found = as_role("auditor").get("/teachers/suggestions?q=asanova aigul").get_json()
    assert found["total"] == 1 and found["items"][0]["value"] == PIN
    assert found["items"][0]["label"] == "Айгүл Асанова"
    assert as_role("auditor").get("/teachers/suggestions?q=a").get_json() == {
        "total": 0,
        "items": [],
    }
    osh = as_role("auditor").get("/teachers/suggestions?q=osmonov").get_json()
    assert osh["total"] == 1
    assert as_role("commission").get("/teachers/suggestions?q=osmonov").get_json()["total"] == 0


def test_the_programme_picker_suggests_a_registrars_own_programmes(as_role):
    mine = as_role("registrar").get("/programmes/suggestions?q=KAE&lang=ru").get_json()
    assert mine["total"] >= 1 and all(i["label"].startswith("KAE ·") for i in mine["items"])
    assert "72 академических часа" in mine["items"][0]["detail"]  # ngettext


def test_the_enrol_form_finds_programmes_without_javascript_and_records_nothing(
    as_role, last_position
):
    registrar = as_role("registrar")
    form = registrar.text("/record/enrolments/new?lang=en")
    assert 'data-suggest="/teachers/suggestions"' in form
    assert 'data-suggest="/programmes/suggestions"' in form and 'name="find"' in form
    before = last_position()
    response = registrar.submit(
        "/record/enrolments/new?lang=en",
        {"pin": "", "programme_q": "nothing like it", "find": "programme_q"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "0 programmes found" in page
    assert "There is a problem" not in page and last_position() == before
    found = registrar.submit(
        "/record/enrolments/new?lang=en", {"programme_q": "KAE", "find": "programme_q"}
    ).get_data(as_text=True)
    assert "programmes found" in found and found.count("<option") >= 2
