"""Every main page renders in a real browser, for each role that uses it.

With REGISTRY_SCREENSHOTS=1 each page's full-page screenshot refreshes docs/screenshots/
(without it none is taken: a screenshot checks nothing the test asserts, and took about
a second a page):

    REGISTRY_SCREENSHOTS=1 python -m pytest tests/e2e/test_browser_screenshots.py
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.e2e.conftest import DUPLICATE_PIN, PIN

pytestmark = [pytest.mark.browser]

DOCS_FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# (file name, account or None for the public, address)
SHOTS = [
    ("01-home-public-ru", None, "/?lang=ru"),
    ("02-verify-valid-en", None, "/verify/KAE-2024-0001?code={code}&lang=en"),
    ("03-verify-wrong-code-ky", None, "/verify/KAE-2024-0001?code=WRONG&lang=ky"),
    ("04-open-data-ru", None, "/open-data?lang=ru"),
    ("05-sign-in-en", None, "/sign-in?lang=en"),
    ("06-teacher-search-ru", "commission", "/teachers?q=School&lang=ru"),
    ("07-dossier-en", "auditor", f"/teachers/{DUPLICATE_PIN}?lang=en"),
    ("08-dossier-ky", "auditor", f"/teachers/{PIN}?lang=ky"),
    ("09-statement-ru", "commission", f"/teachers/{PIN}/statement?lang=ru"),
    ("10-statistics-en", "statistician", "/statistics?lang=en"),
    ("11-activity-ru", "statistician", "/statistics/activity?from=2022-01-01&lang=ru"),
    ("12-workload-en", "registrar", "/providers/KAE?from=2024-01-01&to=2024-12-31&lang=en"),
    ("13-event-log-en", "auditor", "/audit/events?lang=en"),
    ("14-known-at-en", "auditor", f"/audit/compliance?pin={DUPLICATE_PIN}&lang=en"),
    ("15-register-teacher-ru", "registrar", "/record/teachers/new?lang=ru"),
    ("16-record-en", "admin", "/record/?lang=en"),
    ("17-due-list-en", "osh-commission", "/teachers/due?status=overdue&lang=en"),
    ("18-ledger-en", "auditor", "/audit/ledger?lang=en"),
    ("19-programmes-ru", "admin", "/programmes/?lang=ru"),
    ("20-certificates-en", "auditor", "/providers/KAE/certificates?sort=-issued_on&lang=en"),
    ("21-due-print-ru", "osh-commission", "/teachers/due/print?status=overdue&lang=ru"),
    ("22-imports-en", "registrar", "/imports/?lang=en"),
    # Just before the seminar's revocation was recorded: valid then, a banner on each part.
    (
        "23-dossier-known-at-en",
        "auditor",
        f"/teachers/{DUPLICATE_PIN}?known_at={{before_revocation}}&lang=en",
    ),
    # The regions' tile map and a region's trend beside the country's.
    ("24-statistics-map-trend-ru", "statistician", "/statistics?trend_region=KG-O&lang=ru"),
    # A phone, 390 px wide: tables as cards, nothing wider than the screen.
    ("25-dossier-phone-ky", "auditor", f"/teachers/{DUPLICATE_PIN}?lang=ky"),
    ("26-statistics-phone-ru", "statistician", "/statistics?lang=ru"),
    ("30-forecast-en", "statistician", "/forecast?from=2026-12-01&months=36&lang=en"),
    ("31-needs-ru", "registrar", "/needs/?status=all&lang=ru"),
]
PHONE_SHOTS = {"25-dossier-phone-ky", "26-statistics-phone-ru"}


def verify_the_ledger_first(page) -> None:
    """A verification to show among the last ones: "verify now", to its result."""
    page.goto("/audit/ledger?lang=en")
    page.get_by_role("button", name="Verify now").click()
    page.get_by_text("Every sealed event matches the ledger.").wait_for()


def import_a_file_first(page) -> None:
    """An import to show among the recent ones: a file with a bad row, to its report."""
    page.goto("/imports/?lang=en")
    text = (
        "pin,number,provider_code,title,form,hours,issued_on\n"
        f"{PIN},PAPER-2016-1,KAE,Методика,seminar,18,2016-04-04\n"
        f"{PIN},PAPER-2016-2,KAE\n"
    )
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "paper-2016.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Import report").wait_for()


def before_revocation(live_site) -> str:
    """The moment just before the seeded revocation was recorded, for a query string."""
    from registry.storage.facts import EventLog

    registry = live_site[1].registry
    revoked = [f for f in EventLog(registry).read(0, 1000) if f.type == "Certificate.Revoked"]
    return quote((revoked[0].recorded_at - timedelta(microseconds=1)).isoformat(), safe=":")


def programmes_with_places_first(page, live_site) -> None:
    """Programmes with places to stand beside the demand (recorded once per site)."""
    from registry.domain.errors import ConflictError
    from registry.queries import Queries
    from tests import builders

    registry = live_site[1].registry
    for i, (month, capacity) in enumerate(((2, 20), (3, 25), (9, 30), (10, 25), (2, 40))):
        year = 2027 + (i == 4)
        details = builders.programme(
            code=f"PLACES-{i}",
            capacity=capacity,
            starts_on=date(year, month, 1),
            ends_on=date(year, month, 20),
        )
        try:
            registry.register_programme(builders.ADMIN, details)
        except ConflictError:  # already registered by an earlier run of the shot
            pass
    Queries(registry).wait_for(registry.max_position(), timeout=10)


def needs_first(page, live_site) -> None:
    """Needs of schools and districts, one answered by a programme, recorded once."""
    from registry.domain.errors import ConflictError
    from registry.queries import Queries
    from tests import builders

    programmes_with_places_first(page, live_site)
    registry = live_site[1].registry
    if Queries(registry).training_needs():
        return
    try:
        registry.register_programme(
            builders.ADMIN,
            builders.programme(
                code="CHEM-27",
                title="Химия: безопасный эксперимент",
                subject="Химия",
                capacity=25,
                starts_on=date(2027, 3, 1),
                ends_on=date(2027, 3, 20),
            ),
        )
    except ConflictError:
        pass
    for region, district, school, subject, topic, teachers, start, end in (
        (
            "KG-C",
            "Sokuluk",
            "School No. 3",
            "Химия",
            "Безопасный эксперимент",
            14,
            "2027-02",
            "2027-05",
        ),
        ("KG-C", "Sokuluk", None, "Физика", "Лабораторные работы", 30, "2027-01", "2027-06"),
        (
            "KG-O",
            "Kara-Suu",
            "School No. 12",
            "История",
            "Новая программа",
            8,
            "2027-09",
            "2027-12",
        ),
        (
            "KG-N",
            "Kochkor",
            None,
            "Кыргызский язык и литература",
            "Методика",
            22,
            "2027-03",
            "2027-08",
        ),
    ):
        registry.record_need(
            builders.ADMIN,
            {
                "region": region,
                "district": district,
                "school": school,
                "subject": subject,
                "topic": topic,
                "teachers": teachers,
                "period_from": start,
                "period_to": end,
            },
        )
    Queries(registry).wait_for(registry.max_position(), timeout=10)


# What a shot needs done before it is taken (by its file name).
BEFORE = {
    "18-ledger-en": lambda page, site: verify_the_ledger_first(page),
    "22-imports-en": lambda page, site: import_a_file_first(page),
    "30-forecast-en": programmes_with_places_first,
    "31-needs-ru": needs_first,
}


@pytest.fixture(scope="module")
def tab(chromium, live_site):
    """One tab for every shot (each shot says its language and sets its account and width):
    a new browser context per shot cost more than most pages."""
    context = chromium.new_context(base_url=live_site[0])
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name, account, address", SHOTS, ids=[s[0] for s in SHOTS])
def test_each_main_page_renders_in_a_browser(tab, enter_as, live_site, name, account, address):
    page = tab
    width = 390 if name in PHONE_SHOTS else 1200
    page.set_viewport_size({"width": width, "height": 800})
    enter_as(page, account)
    if name in BEFORE:
        BEFORE[name](page, live_site)
    if "{before_revocation}" in address:
        address = address.format(before_revocation=before_revocation(live_site))
    code = live_site[1].certificate["verification_code"]
    response = page.goto(address.format(code=code))
    expected = 404 if "wrong-code" in name else 200  # a wrong code reveals nothing
    assert response is not None and response.status == expected, (name, response.status)
    assert page.locator("main").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    if os.environ.get("REGISTRY_SCREENSHOTS"):
        DOCS_FOLDER.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_FOLDER / f"{name}.png"), full_page=True)
