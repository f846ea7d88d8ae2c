"""The statistics page, the printed statement and the pages on a phone, in a real browser
(headless Debian Chromium through Playwright), in Kyrgyz and Russian: one denominator
stated, a trend and a tile map; a statement of six certificates on one A4 page, certificate
numbers never broken, later pages numbered; no main page wider than a 390 px phone, and
tables turned into cards there; axe-core finds nothing on the main pages."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from registry.application import Registry
from registry.queries import Queries
from tests import builders
from tests.e2e.conftest import DUPLICATE_PIN, PIN

pytestmark = pytest.mark.browser

SIX_PIN = "11204198700015"  # Чолпон Бекова, Chüy: six certificates
MANY_PIN = "11204198700023"  # Эрмек Жумабаев, Chüy: fourteen certificates
LANGUAGES = ("ky", "ru")
PHONE = {"width": 390, "height": 844}


def with_certificates(registry: Registry, pin: str, name: str, count: int) -> list[str]:
    """A Chüy teacher with `count` paper certificates, numbered with slashes as some
    providers write them ("KAE/UX/15/0001": a browser would break a line at each)."""
    registry.register_teacher(
        builders.ADMIN, builders.teacher(pin=pin, full_name=name, school="Лицей № 61")
    )
    numbers = []
    for i in range(count):
        number = f"KAE/UX/{pin[-2:]}/{i + 1:04d}"
        registry.record_legacy_certificate(
            builders.ADMIN,
            pin=pin,
            number=number,
            provider_code="KAE",
            title=f"Методика преподавания математики в {5 + i % 6} классах",
            form=("course", "seminar", "training", "internship")[i % 4],
            hours=72 if i % 4 == 0 else 18 + 6 * (i % 5),
            issued_on=date(2015 + i % 10, 3 + i % 9, 10),
        )
        numbers.append(number)
    return numbers


@pytest.fixture(scope="module")
def teachers_with_certificates(live_site) -> dict[str, list[str]]:
    registry = live_site[1].registry
    found = {
        SIX_PIN: with_certificates(registry, SIX_PIN, "Чолпон Бекова", 6),
        MANY_PIN: with_certificates(registry, MANY_PIN, "Эрмек Жумабаев", 14),
    }
    Queries(registry).wait_for(registry.recorder.max_notification_id(), timeout=10)
    return found


# -- statistics ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_statistics_page_states_one_denominator_with_a_trend_and_a_tile_map(
    page, enter_as, lang
):
    enter_as(page, "statistician")
    response = page.goto(f"/statistics?as_of=2026-01-31&lang={lang}")
    assert response is not None and response.status == 200
    # The denominator is said in words, with its count: the teachers in service.
    denominator = page.locator(".denominator").inner_text()
    in_service = page.locator("table.data tfoot td").first.inner_text().strip()
    assert in_service in denominator and int(in_service) >= 3
    # The headline share is the table's total share (one denominator for both).
    headline = page.locator(".figure .value").nth(1).inner_text().strip()
    total_share = page.locator("table.data tfoot td strong").inner_text().strip()
    assert headline == total_share and headline.endswith("%")
    # Every group's bar has its share and its count beside it.
    figures = page.locator(".share-row:not(.share-axis) .share-figure")
    assert figures.count() >= 3
    assert all("%" in t and any(c.isdigit() for c in t) for t in figures.all_inner_texts())
    # The tile map: nine regions, each with a share (or a dash) and a count.
    tiles = page.locator(".tile-map li.region-tile")
    assert tiles.count() == 9
    chuy = tiles.filter(has_text="Чүй" if lang == "ky" else "Чуйская")
    assert "%" in chuy.locator(".tile-share").inner_text()
    # The trend over 24 months: a chart named for screen readers, and its table.
    trend = page.locator(".trend-chart svg[role=img]")
    assert trend.count() == 1 and trend.get_attribute("aria-label")
    page.locator(".trend details summary").click()
    assert page.locator(".trend details tbody tr").count() == 24
    # A region's trend beside the whole country's.
    page.locator("#trend_region").select_option("KG-O")
    page.locator(".trend form button[type=submit]").click()
    page.wait_for_url("**trend_region=KG-O**")
    assert page.locator(".trend-chart ul.legend li").count() == 2


def test_one_category_has_one_colour_on_every_chart(page, enter_as):
    enter_as(page, "statistician")
    page.goto("/statistics/activity?from=2015-01-01&to=2026-01-31&lang=ru")
    legends = page.locator("figure.chart ul.legend")
    assert legends.count() == 2

    def colours(legend) -> dict[str, str]:
        items = legend.locator("li")
        return {
            items.nth(i).inner_text().split(":")[0].strip(): items.nth(i)
            .locator("rect")
            .get_attribute("fill")
            for i in range(items.count())
        }

    by_month, by_hours = colours(legends.nth(0)), colours(legends.nth(1))
    shared = set(by_month) & set(by_hours)
    assert shared, (by_month, by_hours)
    assert all(by_month[name] == by_hours[name] for name in shared)
    # The legends are whole: no item is clipped by its box.
    for legend in (legends.nth(0), legends.nth(1)):
        box = legend.bounding_box()
        assert box is not None and box["height"] > 0
        assert legend.evaluate("e => e.scrollWidth <= e.clientWidth + 1")


# -- the statement on paper --------------------------------------------------------------------


def printed(page) -> PdfReader:
    return PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_statement_of_six_certificates_prints_on_one_a4_page(
    page, enter_as, teachers_with_certificates, lang
):
    enter_as(page, "commission")
    page.goto(f"/teachers/{SIX_PIN}/statement?lang={lang}")
    page.emulate_media(media="print")
    numbers = page.locator(".statement-table .cert-number")
    assert numbers.count() == 6
    for cell in numbers.all():  # one line each: never "KAE/UX/" over "15/0001"
        lines = cell.evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e);"
            " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
        )
        assert lines == 1, cell.inner_text()
    pdf = printed(page)
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    for number in teachers_with_certificates[SIX_PIN]:
        assert number in text
    assert "______" in text  # the signature lines are on the same page


def test_a_longer_statement_numbers_its_pages(page, enter_as, teachers_with_certificates):
    enter_as(page, "commission")
    page.goto(f"/teachers/{MANY_PIN}/statement?lang=ru")
    pdf = printed(page)
    assert len(pdf.pages) >= 2
    last = len(pdf.pages)
    assert f"{last} / {last}" in pdf.pages[-1].extract_text()
    assert f"2 / {last}" in pdf.pages[1].extract_text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_statement_pdf_of_six_certificates_is_one_a4_page(
    page, enter_as, teachers_with_certificates, lang
):
    enter_as(page, "commission")
    response = page.request.get(f"/teachers/{SIX_PIN}/statement.pdf?lang={lang}")
    assert response.status == 200
    pdf = PdfReader(io.BytesIO(response.body()))
    assert len(pdf.pages) == 1
    width, height = (float(v) for v in pdf.pages[0].mediabox.upper_right)
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297
    text = pdf.pages[0].extract_text()
    for number in teachers_with_certificates[SIX_PIN]:
        assert number in text
    longer = page.request.get(f"/teachers/{MANY_PIN}/statement.pdf?lang={lang}")
    pages = PdfReader(io.BytesIO(longer.body())).pages
    assert len(pages) >= 2 and f"2 / {len(pages)}" in pages[1].extract_text()


# -- a phone, 390 px wide ----------------------------------------------------------------------

# The registrar's and the administrator's journeys: forms with pickers, imports, the
# reference lists; the providers' lists; the public pages.
JOURNEY_PAGES = [
    ("registrar", "/record/teachers/new"),
    ("registrar", "/record/enrolments/new"),
    ("registrar", "/imports/"),
    ("registrar", "/providers/KAE?from=2024-01-01&to=2024-12-31"),
    ("auditor", "/providers/KAE/certificates"),
    ("admin", "/providers/"),
    ("admin", "/admin/reference/"),
    ("auditor", "/audit/ledger"),
    ("auditor", f"/audit/compliance?pin={DUPLICATE_PIN}"),
    (None, "/"),
    (None, "/sign-in"),
]

PHONE_PAGES = [
    ("auditor", f"/teachers/{DUPLICATE_PIN}"),
    ("commission", f"/teachers/{PIN}/statement"),
    ("commission", "/teachers?q=School"),
    ("statistician", "/statistics/activity?from=2022-01-01"),
    ("statistician", "/statistics"),
    ("statistician", "/statistics/teachers"),
    ("osh-commission", "/teachers/due?status=overdue"),
    ("auditor", "/audit/events"),
    ("admin", "/programmes/"),
    (None, "/open-data"),
    # Pages whose tables are empty in the seeded registry, or that have none: no card to
    # look at, but nothing may be wider than the phone.
    ("registrar", "/needs/?status=all"),
    ("commission", "/needs/new"),
    ("admin", "/admin/outbox"),
    *JOURNEY_PAGES,
    (None, "/verify"),
]


CARD_PAGES = [
    ("statistician", "/statistics"),
    ("auditor", f"/teachers/{DUPLICATE_PIN}"),
    ("osh-commission", "/teachers/due?status=overdue"),
    ("auditor", "/audit/events"),
    ("admin", "/programmes/"),
    ("statistician", "/forecast?months=36"),
]


@pytest.mark.parametrize("account, address", CARD_PAGES, ids=[a for _, a in CARD_PAGES])
def test_tables_become_labelled_cards_on_a_phone(page, enter_as, account, address):
    page.set_viewport_size(PHONE)
    enter_as(page, account)
    joiner = "&" if "?" in address else "?"
    page.goto(f"{address}{joiner}lang=ru")
    table = page.locator("table.data").first
    # The headings row is hidden (read by screen readers); each row is a card as wide
    # as the screen at most, each value beside its heading.
    assert table.locator("thead").evaluate("e => e.getBoundingClientRect().height") <= 1
    row = table.locator("tbody tr").first.bounding_box()
    assert row is not None and row["width"] <= 390
    # A heading's words that are on screen (not those for screen readers only).
    headings = table.locator("thead th").evaluate_all(
        "hs => hs.map(h => { const c = h.cloneNode(true);"
        " c.querySelectorAll('.visually-hidden').forEach(v => v.remove());"
        " return c.textContent.split(/\\s+/).filter(Boolean).join(' '); })"
    )
    # Each cell's label, column and the words shown before it, read in one go (a round
    # trip to the browser per cell took seconds on the event log's hundreds of cells).
    cells = table.locator("tbody td:not([colspan])").evaluate_all(
        "cs => cs.map(e => ({label: e.getAttribute('data-label'), column: e.cellIndex,"
        " shown: getComputedStyle(e, '::before').content, html: e.innerHTML.slice(0, 80)}))"
    )
    assert len(cells) > 0
    for cell in cells:
        label = cell["label"]
        if not headings[cell["column"]]:  # a column without a heading (its links say it all)
            assert label is None
            continue
        assert label == headings[cell["column"]], cell["html"]
        assert cell["shown"].strip('"') == label


# -- the main pages: axe-core finds nothing, nothing is wider than a phone ---------------

AXE_PAGES = [
    (None, "/open-data"),
    (None, "/verify"),
    ("statistician", "/statistics"),
    ("statistician", "/statistics/activity?from=2022-01-01"),
    ("commission", f"/teachers/{PIN}"),
    ("commission", f"/teachers/{PIN}/statement"),
    ("commission", "/teachers?q=School"),
    ("osh-commission", "/teachers/due?status=overdue"),
    ("auditor", "/audit/events"),
    ("admin", "/programmes/"),
    ("statistician", "/forecast?months=36"),
    ("registrar", "/needs/?status=all"),
    ("commission", "/needs/new"),
    ("admin", "/admin/outbox"),
    *JOURNEY_PAGES,
]


# The rules about colours (text against its background, links told apart from the text
# around them) look at the stylesheet's colours, which are one for every language (no
# template picks a class or a colour by language; the language switch's current and other
# links are both on every page): they run on the Russian pages only, every other rule of
# axe's default set (WCAG 2.0-2.2 A and AA, and best practices) in both languages. The
# colour rules are half of axe's time on these pages.
COLOUR_RULES = ("color-contrast", "link-in-text-block")
AXE_OPTIONS = {
    "ru": {"resultTypes": ["violations"]},
    "ky": {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in COLOUR_RULES},
    },
}


@pytest.fixture(scope="module")
def main_pages(chromium, live_site, enter_as, teachers_with_certificates):
    """`main_pages(lang)`: each page of AXE_PAGES and PHONE_PAGES in that language, opened
    once (by its account) for both tests below: {(account, address): (its status, its
    width laid out on a 390 px phone or None, axe's findings on it or None)}.

    A page is loaded 1280 px wide, laid out again 390 px wide for its width on a phone
    (only the stylesheet's media queries depend on the width: no script of the pages
    reads it), then 1280 px wide again for axe, which runs in the page from its start
    (an init script, not sent over again after each page has loaded)."""
    from axe_playwright_python.sync_playwright import Axe

    desktop = {"width": 1280, "height": 900}
    context = chromium.new_context(viewport=desktop, base_url=live_site[0])
    context.set_default_timeout(15000)
    context.add_init_script(script=Axe().axe_script)
    tab = context.new_page()
    seen: dict[str, dict] = {}

    def visit(lang: str) -> dict:
        if lang in seen:
            return seen[lang]
        found = {}
        for account, address in dict.fromkeys(AXE_PAGES + PHONE_PAGES):
            enter_as(tab, account)
            joiner = "&" if "?" in address else "?"
            response = tab.goto(f"{address}{joiner}lang={lang}")
            status = response.status if response is not None else None
            width = problems = None
            if (account, address) in PHONE_PAGES:
                tab.set_viewport_size(PHONE)
                width = tab.evaluate("document.documentElement.scrollWidth")
                tab.set_viewport_size(desktop)
            if (account, address) in AXE_PAGES:
                results = tab.evaluate("options => axe.run(document, options)", AXE_OPTIONS[lang])
                problems = [
                    (v["impact"], v["id"], [n["target"] for n in v["nodes"]][:3])
                    for v in results["violations"]
                ]
            found[(account, address)] = (status, width, problems)
        seen[lang] = found
        return found

    yield visit
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_main_page_scrolls_sideways_on_a_phone(main_pages, lang):
    seen = main_pages(lang)
    for account, address in PHONE_PAGES:
        status, width, _ = seen[(account, address)]
        assert status == 200, address
        assert width <= 390, (address, width)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_problem_on_the_main_pages(main_pages, lang):
    seen = main_pages(lang)
    problems = []
    for account, address in AXE_PAGES:
        status, _, found = seen[(account, address)]
        assert status == 200, address
        problems.extend((address, *problem) for problem in found)
    assert not problems, problems
