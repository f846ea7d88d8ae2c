"""The import page: a file is read at once (a file that cannot be imported is refused on the
form), its rows are recorded in the background with rows done of the file's rows on the
import's page, which can be left and come back to, and which ends on the row-level report
(kept bounded); each account sees its own imports only."""

from __future__ import annotations

import io
import re
import threading
import time

from registry.access import Actor
from registry.imports import read
from tests.e2e.conftest import PIN, Browser
from web.pages.imports import IMPORT_KIND, importing

JOB_PATH = re.compile(r"^/jobs/([0-9a-f]{32})$")
HEADER = "pin,number,provider_code,title,form,hours,issued_on\n"
REGISTRAR = Actor(name="registrar", role="registrar", provider_code="KAE", via="web")


def services_of(site):
    return site[0].extensions["registry"]


def upload(browser: Browser, text: str, name: str = "certificates.csv"):
    return browser.client.post(
        "/imports/?lang=en",
        data={"csrf_token": browser.csrf("/imports/"), "file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def finished(browser: Browser, path: str, timeout: float = 60.0) -> str:
    """The import's page once its job has ended (as a person would reload it)."""
    deadline = time.monotonic() + timeout
    while True:
        page = browser.text(path)
        if 'http-equiv="refresh"' not in page or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def certificates(prefix: str, count: int, issued_on: str = "2017-05-05") -> str:
    return HEADER + "".join(
        f"{PIN},{prefix}-{n},KAE,Методика,seminar,12,{issued_on}\n" for n in range(1, count + 1)
    )


def test_an_upload_is_recorded_in_the_background_and_ends_on_its_report(as_role):
    browser = as_role("registrar")
    text = HEADER + (
        f"{PIN},IMP-2017-1,KAE,Методика,seminar,12,2017-05-05\n"
        f"{PIN},IMP-2017-2,KAE,Методика,seminar,12,2999-05-05\n"
    )

    response = upload(browser, text)

    assert response.status_code == 303 and JOB_PATH.match(response.location)
    page = finished(browser, response.location + "?lang=en")
    assert "Import report" in page and "certificates.csv" in page
    assert "2 of 2 done" in page
    figures = re.findall(r'class="value">([\d,]+)</span><span class="caption">([^<]+)', page)
    assert figures == [
        ("2", "Rows read"),
        ("1", "Recorded"),
        ("0", "Already recorded (skipped)"),
        ("1", "Not recorded"),
    ]
    assert re.search(r'<td class="num"[^>]*>3</td>', page)  # the bad row's line number
    assert "IMP-2017-1" in browser.text(f"/teachers/{PIN}")  # the views show it already


def test_the_upload_page_lists_the_accounts_recent_imports_and_no_one_elses(as_role):
    registrar = as_role("registrar")
    path = upload(registrar, certificates("MINE-2016", 2), name="mine-2016.csv").location
    finished(registrar, path)

    listed = registrar.text("/imports/?lang=en")
    recent = listed.split("Your recent imports", 1)[1]
    assert f'href="{path}"' in recent and "mine-2016.csv" in recent
    other = as_role("osh-registrar")
    assert "mine-2016.csv" not in other.text("/imports/?lang=en")
    assert other.get(path).status_code == 404  # another account's import reveals nothing
    assert as_role("admin").get(path).status_code == 404


def test_a_file_that_cannot_be_imported_is_refused_on_the_form_and_starts_nothing(
    as_role, site, last_position
):
    browser = as_role("registrar")
    before, jobs = last_position(), len(services_of(site).jobs.recent(IMPORT_KIND, 100))

    response = upload(browser, "name,colour\nx,y\n", name="wrong.csv")

    assert response.status_code == 400
    assert "does not name the columns of either layout" in response.get_data(as_text=True)
    assert last_position() == before
    assert len(services_of(site).jobs.recent(IMPORT_KIND, 100)) == jobs


def test_the_report_lists_the_first_thousand_rows_not_recorded_and_counts_them_all(as_role):
    browser = as_role("registrar")
    text = HEADER + f"{PIN},BAD-1,KAE\n" * 1005  # three values of seven: each row refused

    page = finished(browser, upload(browser, text).location + "?lang=en")

    assert "The first 1,000 of the 1,005 rows not recorded are listed" in page
    table = page.split("Rows not recorded</caption>", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 1000  # the header and the first thousand
    assert "wrong_value_count" in table


class HeldProgress:
    """A job's progress that holds the work once `at` rows are done, until let go (so a
    test sees a running import's page without racing it)."""

    def __init__(self, progress, at: int):
        self.progress, self.at = progress, at
        self.go = threading.Event()

    def set_total(self, total):
        self.progress.set_total(total)

    def update(self, done):
        self.progress.update(done)
        if done >= self.at:
            assert self.go.wait(60)


def start_held_import(site, rows: int, prefix: str, held_at: int):
    """Start an import of `rows` certificates as the registrar, held at `held_at` rows."""
    services = services_of(site)
    parsed = read(certificates(prefix, rows, "2016-03-03"))
    work = importing(services.registry, services.queries, REGISTRAR, parsed)
    holds: list[HeldProgress] = []

    def held(progress):
        holds.append(HeldProgress(progress, held_at))
        return work(holds[0])

    job = services.jobs.start(
        IMPORT_KIND, held, started_by="registrar", total=rows, label=f"{prefix}.csv"
    )
    return job, holds


def test_a_running_imports_page_shows_the_rows_done_and_refreshes_until_the_report(site, as_role):
    job, holds = start_held_import(site, 600, "HELD-2016", held_at=500)
    registrar = as_role("registrar")
    try:
        deadline = time.monotonic() + 30
        page = registrar.text(f"/jobs/{job.id}?lang=en")
        while "500 of 600 done" not in page and time.monotonic() < deadline:
            time.sleep(0.05)
            page = registrar.text(f"/jobs/{job.id}?lang=en")
        assert '<meta http-equiv="refresh" content="2">' in page
        assert "500 of 600 done (83%)" in page and 'max="600" value="500"' in page
        recent = registrar.text("/imports/?lang=en").split("Your recent imports", 1)[1]
        assert "HELD-2016.csv" in recent and "Running · 83%" in recent
    finally:
        while not holds:
            time.sleep(0.01)
        holds[0].go.set()
    done = finished(registrar, f"/jobs/{job.id}?lang=en")
    assert 'http-equiv="refresh"' not in done and "600 of 600 done" in done
    assert "Every row was recorded (or had been already)." in done
