"""The long lists' pages: a page of rows with how many there are and the page numbers, column
headings that sort (and say so to screen readers), filters kept in every link, downloads
of the whole filtered list, a printable due list, and a readable error for anything the
list does not offer."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from registry.bootstrap import open_worker
from tests.builders import ADMIN, programme, teacher
from tests.e2e.conftest import OVERDUE_PIN, PIN


def services_of(site):
    return site[0].extensions["registry"]


def caught_up(site) -> None:
    services = services_of(site)
    open_worker(services.registry).catch_up()


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture(scope="module")
def many_programmes(site):
    """Thirty programmes of a provider of their own (PAGE-P), two a month of 2021-2022."""
    registry = services_of(site).registry
    registry.register_provider(
        ADMIN, code="PAGE-P", name="Paging institute", kind="other", region="KG-N"
    )
    for n in range(30):
        starts = date(2021 + n // 24, n % 12 + 1, 1 + 10 * (n % 2))
        registry.register_programme(
            ADMIN,
            programme(
                provider_code="PAGE-P",
                code=f"PG-{n:02d}",
                title=f"Paged seminar {n:02d}",
                form="seminar" if n % 3 else "training",
                hours=10 + n,
                assessment="none",
                starts_on=starts,
                ends_on=starts.replace(day=20),
            ),
        )
    caught_up(site)


def test_the_programmes_page_shows_a_page_the_total_and_the_page_numbers(as_role, many_programmes):
    browser = as_role("admin")

    first = browser.text("/programmes/?provider=PAGE-P&lang=en")
    second = browser.text("/programmes/?provider=PAGE-P&page=2&lang=en")

    assert "30 programmes · page 1 of 2" in first
    assert len(rows_of(first)) == 25 and len(rows_of(second)) == 5
    assert 'href="/programmes/?page=2&amp;provider=PAGE-P"' in first  # the filter is kept
    assert 'aria-current="page">2</a>' in second
    newest = rows_of(first)[0]
    assert "PG-29" in newest  # 2022-06-11, the newest start


def test_a_column_heading_sorts_the_programmes_and_again_reverses_them(as_role, many_programmes):
    browser = as_role("admin")

    by_hours = browser.text("/programmes/?provider=PAGE-P&sort=hours&lang=en")
    reversed_ = browser.text("/programmes/?provider=PAGE-P&sort=-hours&lang=en")

    assert "PG-00" in rows_of(by_hours)[0] and "PG-29" in rows_of(reversed_)[0]
    heading = re.search(r'<th scope="col" class="num" aria-sort="ascending">.*?</th>', by_hours)
    assert heading and 'href="/programmes/?provider=PAGE-P&amp;sort=-hours"' in heading.group(0)
    assert 'aria-sort="descending"' in reversed_
    assert 'href="/programmes/?page=2&amp;provider=PAGE-P&amp;sort=-hours"' in reversed_


def test_programmes_are_found_by_words_form_and_year(as_role, many_programmes):
    browser = as_role("admin")

    in_2022 = browser.text("/programmes/?provider=PAGE-P&year=2022&form=training&lang=en")
    words = browser.text("/programmes/?q=paged+seminar+07&lang=en")

    assert "2 programmes" in in_2022  # PG-24 and PG-27 start in 2022 and are trainings
    assert {re.search(r"PG-\d\d", row).group(0) for row in rows_of(in_2022)} == {"PG-24", "PG-27"}
    assert "PG-07" in rows_of(words)[0]


def test_a_sort_or_filter_the_list_does_not_offer_is_a_readable_error(as_role):
    browser = as_role("admin")

    response = browser.get("/programmes/?sort=title;DROP&year=20x&form=lecture&lang=en")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count('class="notice error"') == 3
    assert "“title;DROP” is not one of the choices." in page
    assert browser.get("/providers/export.csv?sort=nope").status_code == 400


def test_the_programmes_download_holds_every_programme_the_filters_find(as_role, many_programmes):
    browser = as_role("admin")

    rows = csv_rows(browser.get("/programmes/export.csv?provider=PAGE-P&sort=code"))

    assert rows[0][:3] == ["id", "provider_code", "code"]
    assert [r[2] for r in rows[1:]] == [f"PG-{n:02d}" for n in range(30)]  # every page of it
    seminars = csv_rows(browser.get("/programmes/export.csv?provider=PAGE-P&form=seminar"))
    assert len(seminars) == 1 + 20


def test_a_registrar_lists_only_their_own_providers_programmes(as_role, many_programmes):
    page = as_role("registrar").text("/programmes/?provider=PAGE-P&lang=en")  # KAE's registrar

    assert "PG-" not in page and "Teaching mathematics" in page


def test_the_providers_page_filters_sorts_and_downloads(as_role, many_programmes):
    browser = as_role("auditor")

    listed = browser.text("/providers/?sort=-code&lang=en")
    osh = browser.text("/providers/?region=KG-O&lang=en")

    codes = [re.search(r">([A-Z-]+)</a>", row).group(1) for row in rows_of(listed)]
    assert codes == sorted(codes, reverse=True) and "PAGE-P" in codes
    assert "1 provider" in osh and "OSH-OI" in osh and "PAGE-P" not in osh
    rows = csv_rows(browser.get("/providers/export.csv?kind=other"))
    assert [r[0] for r in rows[1:]] == ["PAGE-P"]


def test_a_providers_certificates_page_lists_them_with_status_and_a_commissions_region(
    as_role,
):
    auditor = as_role("auditor").text("/providers/KAE/certificates?lang=en")
    revoked = as_role("auditor").text("/providers/KAE/certificates?status=revoked&lang=en")
    chuy = as_role("commission").text("/providers/KAE/certificates?lang=en")

    assert "4 certificates" in auditor
    assert "KAE-2024-0001" in rows_of(auditor)[0]  # the newest, of 2024-03-21
    assert "1 certificate" in revoked and "KAE-2022-0007" in revoked
    assert "1 certificate" in chuy and "KAE-2024-0001" in chuy and "KAE-2023-0100" not in chuy
    rows = csv_rows(as_role("auditor").get("/providers/KAE/certificates.csv?sort=number"))
    assert [r[0] for r in rows[1:]] == [
        "KAE-2022-0007",
        "KAE-2023-0100",
        "KAE-2023-0100-D",
        "KAE-2024-0001",
    ]
    assert "verification_code" not in rows[0]


def test_the_due_list_shows_its_total_and_sorts_by_name(as_role):
    browser = as_role("admin")

    page = browser.text("/teachers/due?status=overdue&as_of=2025-01-01&sort=-name&lang=en")

    names = [re.search(r'">([^<]+)</a>', row).group(1) for row in rows_of(page)]
    assert names == sorted(names, reverse=True) and "Бакыт Осмонов" in names
    assert re.search(rf'<p class="total" id="total">{len(names)} teacher', page)
    assert 'href="/teachers/due.csv?status=overdue&amp;as_of=2025-01-01&amp;sort=-name"' in page


def test_the_due_download_streams_the_whole_list_a_chunk_at_a_time(as_role, monkeypatch):
    import web.pages.due

    browser = as_role("admin")
    page = browser.text("/teachers/due?status=overdue&as_of=2025-01-01&lang=en")
    monkeypatch.setattr(web.pages.due, "EXPORT_CHUNK", 1)  # every row its own read

    rows = csv_rows(browser.get("/teachers/due.csv?status=overdue&as_of=2025-01-01&sort=name"))

    assert len(rows) - 1 == len(rows_of(page))
    names = [r[1] for r in rows[1:]]
    assert names == sorted(names) and OVERDUE_PIN in [r[0] for r in rows[1:]]


def test_the_printable_due_list_numbers_every_teacher_and_leaves_room_to_sign(as_role):
    osh = as_role("osh-commission")

    page = osh.text("/teachers/due/print?status=overdue&as_of=2025-01-01&lang=en")

    assert "Teachers due for qualification upgrading: Overdue" in page
    assert "Osh" in page.split('<header class="print-head">', 1)[1].split("</header>", 1)[0]
    rows = rows_of(page)
    assert len(rows) == 1 and OVERDUE_PIN in rows[0]
    assert '<td class="num" data-label="№">1</td>' in rows[0]  # numbered, labelled on a phone
    assert "Chair of the commission" in page and "Secretary of the commission" in page
    assert 'data-action="print"' in page and "site-header" in page  # hidden by print CSS


def test_a_due_list_too_long_to_print_asks_to_be_narrowed(site, as_role, monkeypatch):
    import web.pages.due

    registry = services_of(site).registry
    for n, school in ((1, "School No. 40"), (2, "School No. 41")):
        registry.register_teacher(
            ADMIN,
            teacher(
                pin=f"1010119700{n:04d}",
                full_name=f"Naryn teacher {n}",
                region="KG-N",
                district="Naryn",
                school=school,
                service_start=date(2001, 9, 1),
            ),
        )
    caught_up(site)
    monkeypatch.setattr(web.pages.due, "PRINT_MAX", 1)
    path = "/teachers/due/print?status=overdue&as_of=2025-01-01&region=KG-N&lang=en"

    page = as_role("admin").text(path)
    school = as_role("admin").text(path + "&school=School+No.+41")

    assert "The list is too long to print" in page and "<tbody>" not in page
    assert "Naryn teacher 2" in school and "too long" not in school


def test_the_pseudonymised_page_is_paged_with_its_total_and_filters(as_role):
    browser = as_role("statistician")

    every = browser.text("/statistics/teachers?lang=en")
    osh = browser.text("/statistics/teachers?region=KG-O&lang=en")

    total = int(re.search(r'id="total">(\d+) teacher', every).group(1))
    assert total == len(rows_of(every)) and total >= 3
    assert len(rows_of(osh)) == 1 and "1 teacher" in osh
    assert PIN not in every and "Асанова" not in every


def test_the_pseudonymised_download_pages_by_key_through_every_row(as_role, monkeypatch):
    import web.pages.downloads

    browser = as_role("statistician")
    whole = csv_rows(browser.get("/statistics/teachers.csv?as_of=2025-01-01"))
    monkeypatch.setattr(web.pages.downloads, "PSEUDONYM_CHUNK", 1)  # a read per row

    chunked = csv_rows(browser.get("/statistics/teachers.csv?as_of=2025-01-01"))

    assert chunked == whole and len(whole) >= 4
    keys = [r[0] for r in whole[1:]]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    "lang, programmes, page_of, printed",
    [
        ("ru", "30 программ", "страница 1 из 2", "Учителя, которым предстоит повышение"),
        ("ky", "30 программа", "2 беттин 1-бети", "Квалификациясын жогорулатышы керек"),
    ],
)
def test_the_lists_speak_the_readers_language(
    as_role, many_programmes, lang, programmes, page_of, printed
):
    browser = as_role("admin")

    listed = browser.text(f"/programmes/?provider=PAGE-P&lang={lang}")
    printable = browser.text(f"/teachers/due/print?status=overdue&lang={lang}")

    assert programmes in listed and page_of in listed
    assert printed in printable


def test_the_enrol_form_lists_the_newest_programmes_and_still_enrols_into_an_older_one(
    site, as_role, many_programmes, monkeypatch
):
    import web.pages.record

    monkeypatch.setattr(web.pages.record, "NEWEST_PROGRAMMES", 5)
    browser = as_role("admin")
    oldest = next(p for p in services_of(site).queries.programmes("PAGE-P") if p["code"] == "PG-00")

    form = browser.text("/record/enrolments/new?lang=en")
    prefilled = browser.text(f"/record/enrolments/new?programme={oldest['id']}&lang=en")
    enrolled = browser.submit(
        "/record/enrolments/new?lang=en", {"pin": OVERDUE_PIN, "programme_id": oldest["id"]}
    )

    select = form.split('id="programme_id"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") == 1 + 5 and "PG-29" in select and "PG-00" not in select
    assert "The newest programmes are listed" in form
    assert f'<option selected value="{oldest["id"]}">' in prefilled
    assert enrolled.status_code == 303, enrolled.get_data(as_text=True)[:500]


def test_a_reversed_period_of_certificates_is_said_kept_as_typed_and_lists_nothing(as_role):
    browser = as_role("auditor")

    response = browser.get("/providers/KAE/certificates?from=2024-01-01&to=2023-01-01&lang=en")

    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "The period is reversed" in page
    assert 'value="2024-01-01"' in page and 'value="2023-01-01"' in page
    assert "?from=2023-01-01&amp;to=2024-01-01" in page  # the swapped period, one click away
    assert "<tbody>" not in page
    assert (
        browser.get("/providers/KAE/certificates.csv?from=2024-01-01&to=2023-01-01").status_code
        == 400
    )
