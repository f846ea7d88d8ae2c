"""An import through the page in a real browser with JavaScript switched off: the upload
leads to the import's page, which shows its progress bar and refreshes itself until the
row-level report; the upload page lists the import to come back to."""

from __future__ import annotations

import io
import time
from datetime import date

import pytest
from openpyxl import Workbook

from registry.imports import read
from registry.jobs import Jobs
from registry.queries import Queries
from tests.e2e.conftest import PIN
from tests.e2e.test_pages_imports import REGISTRAR, HeldProgress, certificates
from web.pages.imports import IMPORT_KIND, importing

pytestmark = pytest.mark.browser


def test_a_registrar_imports_a_file_and_comes_back_to_its_report(no_script_page, enter_as):
    page = no_script_page
    enter_as(page, "registrar")
    page.goto("/?lang=en")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    text = certificates("BROWSER-2015", 3) + f"{PIN},BROWSER-BAD,KAE\n"
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "paper-2015.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )

    page.get_by_role("button", name="Import").click()

    page.wait_for_url("**/jobs/*")
    page.get_by_role("heading", name="Import report").wait_for()  # refreshed to the end
    job_address = page.url
    assert "4 of 4 done" in page.content()
    report = page.locator("section.report")
    assert "3" in report.locator(".figure", has_text="Recorded").first.inner_text()
    assert "wrong_value_count" in report.locator("table").inner_text()
    page.get_by_role("link", name="Back").click()
    recent = page.get_by_role("region", name="Your recent imports")
    row = recent.locator("tbody tr").first
    assert "paper-2015.csv" in row.inner_text() and "Done" in row.inner_text()
    row.get_by_role("link").click()
    assert page.url == job_address
    page.get_by_role("heading", name="Import report").wait_for()


def test_a_running_imports_page_shows_its_progress_bar_until_the_report(
    no_script_page, enter_as, live_site
):
    page = no_script_page
    registry = live_site[1].registry
    parsed = read(certificates("BROWSER-HELD", 600, "2014-04-04"))
    work = importing(registry, Queries(registry), REGISTRAR, parsed)
    holds: list[HeldProgress] = []

    def held(progress):
        holds.append(HeldProgress(progress, 500))
        return work(holds[0])

    jobs = Jobs(registry.db, heartbeat_s=0.1)  # as another server worker
    job = jobs.start(IMPORT_KIND, held, started_by="registrar", total=600, label="held.csv")
    try:
        enter_as(page, "registrar")
        page.goto(f"/jobs/{job.id}?lang=en")
        page.get_by_text("500 of 600 done (83%)").wait_for()
        assert page.locator("progress").get_attribute("value") == "500"
        assert page.locator("progress").get_attribute("max") == "600"
        assert "held.csv" in page.content()
    finally:
        while not holds:
            time.sleep(0.01)
        holds[0].go.set()
    # No reload from here: the page's own refresh brings the report.
    page.get_by_role("heading", name="Import report").wait_for()
    assert "600 of 600 done" in page.content()
    assert "Every row was recorded (or had been already)." in page.content()
    jobs.stop()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the registrar reads on the way, in each language.
IMPORT_WORDS = {
    "ky": {"recorded": "Катталган", "report": "Импорт боюнча отчёт", "done": "2 ичинен 2 аткарылды",
           "back": "Артка", "recent": "Сиздин акыркы импортторуңуз", "finished": "Бүттү"},
    "ru": {"recorded": "Записано", "report": "Отчёт об импорте", "done": "Выполнено 2 из 2",
           "back": "Назад", "recent": "Ваши последние импорты", "finished": "Готово"},
}  # fmt: skip


def workbook(prefix: str) -> bytes:
    """An Excel workbook of two paper certificates, dates as dates, hours as numbers."""
    book = Workbook()
    book.active.append(["pin", "number", "provider_code", "title", "form", "hours", "issued_on"])
    for n in (1, 2):
        book.active.append(
            [PIN, f"{prefix}-{n}", "KAE", "Методика", "seminar", 12, date(2016, 3, n)]
        )
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


@pytest.mark.parametrize(
    "lang, name, content, kind",
    [
        ("ky", "ky.xlsx", workbook("XLSX-KY"), XLSX),  # numbers and dates as Excel keeps them
        (
            "ru",
            "ru-1251.csv",
            (certificates("CP1251-RU", 2)).encode("cp1251"),  # as Excel saves CSV on Windows
            "text/csv",
        ),
    ],
)
def test_a_registrar_imports_an_excel_or_windows_1251_file_in_kyrgyz_or_russian(
    no_script_page, enter_as, lang, name, content, kind
):
    page, words = no_script_page, IMPORT_WORDS[lang]
    enter_as(page, "registrar")
    page.goto(f"/imports/?lang={lang}")
    page.locator("#file").set_input_files({"name": name, "mimeType": kind, "buffer": content})

    page.locator("form[method=post] button[type=submit]").last.click()

    page.wait_for_url("**/jobs/*")
    page.get_by_role("heading", name=words["report"]).wait_for()  # refreshed to the end
    job_address = page.url
    assert words["done"] in page.content()
    recorded = page.locator("section.report .figure", has_text=words["recorded"]).first
    assert "2" in recorded.inner_text()
    page.get_by_role("link", name=words["back"]).click()
    row = page.get_by_role("region", name=words["recent"]).locator("tbody tr").first
    assert name in row.inner_text() and words["finished"] in row.inner_text()
    row.get_by_role("link").click()
    assert page.url == job_address
    number = "XLSX-KY-1" if lang == "ky" else "CP1251-RU-1"
    page.goto(f"/certificates/{number}?lang={lang}")  # the Cyrillic title read right
    assert "Методика" in page.locator("main").inner_text()
