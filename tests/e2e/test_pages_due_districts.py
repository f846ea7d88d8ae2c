"""The due list's district filter, as commissions use it: a select of the listed districts
whose values are their reference-list codes and whose labels are in the page's language;
the list, its pages, its downloads and its printable list all filter by the code chosen;
an older link naming a listed district in Kyrgyz, Russian or English keeps working; a
district the lists do not have, or one of another region, is said, never an empty list
without a word."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from registry.bootstrap import open_worker
from tests.builders import ADMIN, teacher

DUE = "/teachers/due?status=overdue&as_of=2025-01-01"
# Overdue on 2025-01-01 (in service since 2001, no certificate), in two districts of Osh.
ARAVAN = ("40101197000011", "Жылдыз Аравандык", "Aravan")
NOOKAT = ("40101197000012", "Талант Ноокаттык", "Nookat")


@pytest.fixture(scope="module")
def osh_teachers(site):
    services = site[0].extensions["registry"]
    for pin, name, district in (ARAVAN, NOOKAT):
        services.registry.register_teacher(
            ADMIN,
            teacher(
                pin=pin,
                full_name=name,
                region="KG-O",
                district=district,
                school="School No. 7",
                service_start=date(2001, 9, 1),
            ),
        )
    open_worker(services.registry).catch_up()


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def district_select(page: str) -> str:
    return page.split('<select id="district"', 1)[1].split("</select>", 1)[0]


@pytest.mark.parametrize(
    "lang, aravan, nookat", [("ky", "Араван", "Ноокат"), ("ru", "Араванский", "Ноокатский")]
)
def test_the_district_select_offers_codes_named_in_the_page_language(
    as_role, osh_teachers, lang, aravan, nookat
):
    page = as_role("osh-commission").text(f"{DUE}&lang={lang}")

    select = district_select(page)
    assert f'<option value="aravan" >{aravan}</option>' in select
    assert f'<option value="nookat" >{nookat}</option>' in select
    assert "Aravan" not in select and "Sokuluk" not in select  # Osh's districts only


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_choosing_a_district_lists_its_teachers_and_every_link_keeps_the_code(
    as_role, osh_teachers, lang
):
    browser = as_role("osh-commission")

    page = browser.text(f"{DUE}&district=aravan&lang={lang}")

    rows = rows_of(page)
    assert len(rows) == 1 and ARAVAN[1] in rows[0]
    assert '<option value="aravan" selected>' in district_select(page)
    for target in ("/teachers/due.csv", "/teachers/due.xlsx", "/teachers/due/print"):
        link = re.search(rf'href="({re.escape(target)}\?[^"]*)"', page).group(1)
        assert "district=aravan" in link
    sorted_link = re.search(r'href="(/teachers/due\?[^"]*sort=name[^"]*)"', page).group(1)
    again = browser.text(sorted_link.replace("&amp;", "&") + f"&lang={lang}")
    assert [ARAVAN[1] in r for r in rows_of(again)] == [True]


def test_the_downloads_and_the_printable_list_filter_by_the_same_district(as_role, osh_teachers):
    browser = as_role("osh-commission")
    query = "status=overdue&as_of=2025-01-01&district=nookat"

    listed = browser.get(f"/teachers/due.csv?{query}")
    workbook = browser.get(f"/teachers/due.xlsx?{query}")
    printed = browser.text(f"/teachers/due/print?{query}&lang=ru")

    text = listed.get_data().decode("utf-8-sig")
    assert [r[0] for r in list(csv.reader(io.StringIO(text)))[1:]] == [NOOKAT[0]]
    sheet = load_workbook(io.BytesIO(workbook.get_data()), read_only=True).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [NOOKAT[0]]
    assert [NOOKAT[1] in r for r in rows_of(printed)] == [True]
    assert "Ноокатский" in printed.split('<header class="print-head">', 1)[1]


@pytest.mark.parametrize("name", ["Aravan", "Араванский", "Араван", "ARAVAN", "араван"])
def test_an_older_link_naming_a_listed_district_in_any_language_still_works(
    as_role, osh_teachers, name
):
    browser = as_role("osh-commission")

    response = browser.get(f"{DUE}&district={name}&lang=ru")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [ARAVAN[1] in r for r in rows_of(page)] == [True]
    assert '<option value="aravan" selected>' in district_select(page)
    assert "district=aravan" in re.search(r'href="(/teachers/due\.csv\?[^"]*)"', page).group(1)


@pytest.mark.parametrize(
    "lang, said",
    [
        ("ky", "«Атлантида» — маалымдамада мындай район жок"),
        ("ru", "«Атлантида» — такого района нет в справочнике"),
    ],
)
def test_an_unknown_district_is_said_and_lists_nobody(as_role, osh_teachers, lang, said):
    browser = as_role("admin")

    response = browser.get(f"{DUE}&district=Атлантида&lang={lang}")
    download = browser.get(f"/teachers/due.csv?{DUE.split('?')[1]}&district=Атлантида")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert said in page.split('role="alert">', 1)[1].split("</div>", 1)[0]
    assert all(name not in page for _, name, _ in (ARAVAN, NOOKAT))
    assert download.status_code == 400


@pytest.mark.parametrize(
    "lang, said",
    [
        ("ky", "«Сокулук» району «Ош облусу» курамына кирбейт"),
        ("ru", "Район «Сокулукский» не входит в «Ошская область»"),
    ],
)
def test_a_district_of_another_region_is_said_and_lists_nobody(as_role, osh_teachers, lang, said):
    browser = as_role("osh-commission")  # bound to Osh

    response = browser.get(f"{DUE}&district=sokuluk&lang={lang}")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert said in page
    assert rows_of(page) and all(name not in page for _, name, _ in (ARAVAN, NOOKAT))


def test_the_whole_region_is_listed_without_a_district(as_role, osh_teachers):
    page = as_role("osh-commission").text(f"{DUE}&lang=ru")

    assert all(name in page for _, name, _ in (ARAVAN, NOOKAT))
