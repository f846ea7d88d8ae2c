"""A commission's due list in a real browser (headless Chromium through Playwright), in
Kyrgyz and Russian: the district is chosen by its name in the page's language, the list
then holds that district's teachers, the address carries the district's code and opens
the same list again, and the download and the printable list hold the same teachers."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from playwright.sync_api import expect

from registry.queries import Queries
from tests import builders

pytestmark = pytest.mark.browser

# Overdue on 2025-01-01 (in service since 2001, no certificate), in two districts of Osh.
ARAVAN = ("40101197000021", "Жылдыз Аравандык", "Aravan")
NOOKAT = ("40101197000022", "Талант Ноокаттык", "Nookat")
NOOKAT_NAME = {"ky": "Ноокат", "ru": "Ноокатский"}
TEXTS = {
    "ky": {"district": "Район", "show": "Көрсөтүү", "csv": "CSV жүктөп алуу"},
    "ru": {"district": "Район", "show": "Показать", "csv": "Скачать CSV"},
}


@pytest.fixture(scope="module")
def osh_teachers(live_site):
    registry = live_site[1].registry
    for pin, name, district in (ARAVAN, NOOKAT):
        registry.register_teacher(
            builders.ADMIN,
            builders.teacher(
                pin=pin,
                full_name=name,
                region="KG-O",
                district=district,
                school="School No. 9",
                service_start=date(2001, 9, 1),
            ),
        )
    Queries(registry).wait_for(registry.recorder.max_notification_id(), timeout=10)


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_a_commission_picks_a_district_and_gets_its_teachers_in_the_list_download_and_print(
    page, enter_as, osh_teachers, lang
):
    words = TEXTS[lang]
    enter_as(page, "osh-commission")
    page.goto(f"/teachers/due?status=overdue&as_of=2025-01-01&lang={lang}")
    table = page.locator("table.data tbody")
    expect(table).to_contain_text(ARAVAN[1])
    expect(table).to_contain_text(NOOKAT[1])

    page.get_by_label(words["district"], exact=True).select_option(label=NOOKAT_NAME[lang])
    page.get_by_role("button", name=words["show"]).click()

    page.wait_for_url("**district=nookat**")
    expect(table).to_contain_text(NOOKAT[1])
    expect(table).not_to_contain_text(ARAVAN[1])
    page.reload()  # the address alone opens the same list
    expect(page.get_by_label(words["district"], exact=True)).to_have_value("nookat")
    expect(table.locator("tr")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("link", name=words["csv"]).click()
    with open(download.value.path(), encoding="utf-8-sig") as downloaded:
        rows = list(csv.DictReader(io.StringIO(downloaded.read())))
    assert [row["pin"] for row in rows] == [NOOKAT[0]]
    page.locator("a[href*='/teachers/due/print']").click()
    printed = page.locator("table.print-list tbody")
    expect(printed.locator("tr")).to_have_count(1)
    expect(printed).to_contain_text(NOOKAT[1])
    expect(page.locator("header.print-head")).to_contain_text(NOOKAT_NAME[lang])
