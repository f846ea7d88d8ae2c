"""The auditors' ledger page in a real browser, with JavaScript switched off as some
auditors' machines have it: "verify now" to its recorded result, and a running job's page
refreshing itself until the job is done."""

from __future__ import annotations

import threading

import pytest

from registry import ledger
from registry.jobs import Jobs
from web.pages.ledger import VERIFY_KIND

pytestmark = pytest.mark.browser


def test_an_auditor_verifies_the_ledger_now_and_sees_the_result_recorded(
    no_script_page, enter_as, live_site
):
    page = no_script_page
    registry = live_site[1].registry
    enter_as(page, "auditor")
    page.goto("/?lang=en")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ledger").click()
    head = ledger.head(registry)
    assert page.get_by_label("Hash").input_value() == head["hash"]
    assert page.get_by_label("To publish").input_value() == f"{head['position']}:{head['hash']}"

    page.get_by_role("button", name="Verify now").click()

    page.wait_for_url("**/jobs/*")
    page.get_by_text("Every sealed event matches the ledger.").wait_for()
    events = registry.max_position()
    assert f"Verified {events} of {events} events; 0 not sealed." in page.content()
    page.get_by_role("link", name="Back").click()
    newest = page.locator("table.data").first.locator("tbody tr").first
    assert "auditor" in newest.inner_text() and "Matches the ledger" in newest.inner_text()


def test_a_running_jobs_page_refreshes_itself_until_it_is_done(no_script_page, enter_as, live_site):
    page = no_script_page
    go = threading.Event()

    def slow(progress):
        progress.set_total(120)
        progress.update(45)
        go.wait(60)
        progress.update(120)
        return {"ok": True, "events": 120, "sealed_events": 120, "unsealed_events": 0}

    jobs = Jobs(live_site[1].registry.db, heartbeat_s=0.1)  # as another server worker
    job = jobs.start(VERIFY_KIND, slow, started_by="auditor")
    try:
        enter_as(page, "auditor")
        page.goto(f"/jobs/{job.id}?lang=en")
        page.get_by_text("45 of 120 done (37%)").wait_for()
        assert page.locator("progress").get_attribute("value") == "45"
    finally:
        go.set()
    # No reload from here: the page's own refresh brings the result.
    page.get_by_role("heading", name="Done").wait_for()
    assert "120 of 120 done" in page.content()
    jobs.stop()
