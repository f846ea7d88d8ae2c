"""The auditors' ledger page: the head to publish, the checkpoints, the unsealed count, the
past verifications, and "verify now" running in the background to its recorded result."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from registry import ledger
from registry.storage.schema import JOBS_TABLE
from tests.builders import ADMIN, teacher
from tests.e2e.conftest import Browser, build_site
from tests.integration.test_ledger_tamper import drop_guards, run
from web.pages.ledger import VERIFY_KIND

JOB_PATH = re.compile(r"^/jobs/([0-9a-f]{32})$")


def services_of(site):
    return site[0].extensions["registry"]


def finished(browser: Browser, path: str, timeout: float = 30.0) -> str:
    """The job page once its job has ended (as a person would reload it)."""
    deadline = time.monotonic() + timeout
    while True:
        page = browser.text(path)
        if 'http-equiv="refresh"' not in page or time.monotonic() > deadline:
            return page
        time.sleep(0.05)


def verify_now(browser: Browser) -> str:
    """Press "verify now"; the address of the job's page it leads to."""
    response = browser.submit("/audit/ledger", {})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert JOB_PATH.match(response.location), response.location
    return response.location


def test_the_ledger_page_shows_the_head_to_publish_and_that_everything_is_sealed(site, as_role):
    head = ledger.head(services_of(site).registry)

    page = as_role("auditor").text("/audit/ledger?lang=en")

    assert f'value="{head["hash"]}"' in page  # readonly, to select and copy
    assert f'value="{head["position"]}:{head["hash"]}"' in page  # as --published takes it
    assert "Every stored event is sealed (0 not sealed)." in page
    assert f'<a href="/audit/events?after=0">1–{head["position"]}</a>' in page
    assert 'name="csrf_token"' in page and "Verify now" in page


def test_verify_now_runs_in_the_background_and_records_who_asked(site, as_role):
    auditor = as_role("auditor")
    path = verify_now(auditor)

    result = finished(auditor, path + "?lang=en")

    registry = services_of(site).registry
    events = registry.max_position()
    assert "Every sealed event matches the ledger." in result
    assert f"Verified {events} of {events} events; 0 not sealed." in result
    assert f"{events} of {events} done" in result
    listed = auditor.text("/audit/ledger?lang=en")
    row = listed.split("<tbody>", 2)[1].split("</tr>", 1)[0]  # the newest verification
    assert "auditor" in row and "Matches the ledger" in row and f"{events} of {events}" in row
    assert ledger.head(registry)["last_verification"]["requested_by"] == "auditor"


def test_a_running_verification_refreshes_its_page_with_its_progress(site, as_role):
    jobs = services_of(site).jobs
    go = threading.Event()

    def slow(progress):
        progress.set_total(120)
        progress.update(45)
        go.wait(30)
        progress.update(120)
        return {"ok": True, "events": 120, "sealed_events": 120, "unsealed_events": 0}

    job = jobs.start(VERIFY_KIND, slow, started_by="auditor")
    auditor = as_role("auditor")
    try:
        deadline = time.monotonic() + 20
        page = auditor.text(f"/jobs/{job.id}?lang=en")
        while "45 of 120 done" not in page and time.monotonic() < deadline:
            time.sleep(0.05)
            page = auditor.text(f"/jobs/{job.id}?lang=en")
        assert '<meta http-equiv="refresh" content="2">' in page
        assert "45 of 120 done (37%)" in page and 'max="120" value="45"' in page
        ledger_page = auditor.text("/audit/ledger?lang=en")
        assert "A verification is running (45 of 120 events read)." in ledger_page
        assert f'href="/jobs/{job.id}"' in ledger_page
    finally:
        go.set()
    done = finished(auditor, f"/jobs/{job.id}?lang=en")
    assert 'http-equiv="refresh"' not in done and "120 of 120 done" in done


def test_a_verification_that_finds_a_change_names_the_first_position_and_links_to_it(
    tmp_path,
):
    app, _seeded = build_site(tmp_path)
    try:
        registry = app.extensions["registry"].registry
        position = forge_provider_name(registry, "OSH-OI")
        auditor = Browser(app)
        auditor.sign_in("auditor")

        result = finished(auditor, verify_now(auditor) + "?lang=en")

        assert "The log or the ledger was changed." in result
        link = f'<a href="/audit/events?after={position - 1}">{position}</a>'
        assert f"first change at position {link}" in result
        assert "differs from the one sealed there" in result
        listed = auditor.text("/audit/ledger?lang=en")
        assert "Changed" in listed and link in listed
        # The link opens the event log at that very event, forged as it now is.
        events = auditor.text(f"/audit/events?after={position - 1}&lang=en")
        first_row = events.split("<tbody>", 1)[1].split("</tr>", 1)[0]
        assert re.search(f'<td class="num mono"[^>]*>{position}</td>', first_row)
        assert "Forged institute" in first_row
    finally:
        app.extensions["registry"].close()


def forge_provider_name(registry, code: str) -> int:
    """Rewrite a provider's registration in place, as someone with the database's keys
    could (a readable event, other bytes); returns its position."""
    rows = registry.db.query(
        f"SELECT {registry.db.position_column}, state FROM {registry.db.events_table} "
        "WHERE topic LIKE ?",
        ("%:Provider.Registered",),
    )
    position, data = next(
        (p, json.loads(bytes(state)))
        for p, state in rows
        if json.loads(bytes(state))["code"] == code
    )
    data["name"] = "Forged institute"
    drop_guards(registry)
    run(
        registry,
        f"UPDATE {registry.db.events_table} SET state = ? WHERE {registry.db.position_column} = ?",
        (json.dumps(data, separators=(",", ":")).encode(), position),
    )
    return position


def test_verify_now_without_the_forms_token_starts_nothing(site, as_role):
    auditor = as_role("auditor")
    before = len(ledger.verifications(services_of(site).registry, limit=100))

    response = auditor.client.post("/audit/ledger?lang=en", data={})

    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert len(ledger.verifications(services_of(site).registry, limit=100)) == before


def test_unsealed_events_are_counted_on_the_page(tmp_path):
    from registry.bootstrap import initialise
    from tests.conftest import make_settings
    from web import create_app

    settings = make_settings(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path)
    initialise(settings)
    app = create_app(
        {
            "TESTING": True,
            "REGISTRY_SETTINGS": settings,
            "SECRET_KEY": "test-web-secret",
            "REGISTRY_FOLLOW": False,  # nobody seals single commands here
        }
    )
    try:
        registry = app.extensions["registry"].registry
        sealed = registry.max_position()  # what init wrote, it sealed
        registry.create_account(ADMIN, name="auditor", role="auditor", password="correct-horse-7")
        registry.register_teacher(ADMIN, teacher())
        auditor = Browser(app)
        auditor.sign_in("auditor")

        page = auditor.text("/audit/ledger?lang=ru")

        unsealed = registry.max_position() - sealed
        assert f"Ещё не запечатано событий: {unsealed}." in page
    finally:
        app.extensions["registry"].close()


def test_a_job_whose_server_process_died_shows_as_abandoned(site, as_role):
    registry = services_of(site).registry
    long_ago = (datetime.now(UTC) - timedelta(minutes=10)).isoformat(timespec="microseconds")
    registry.db.execute(
        f"INSERT INTO {JOBS_TABLE} (id, kind, started_by, state, total, done, holder, "
        "started_at, heartbeat_at) VALUES (?, ?, ?, 'running', 1000, 400, ?, ?, ?)",
        ("f" * 32, VERIFY_KIND, "auditor", "gone-host:1", long_ago, long_ago),
    )

    page = as_role("auditor").text(f"/jobs/{'f' * 32}?lang=en")

    assert "Abandoned: the server process running it stopped before it finished." in page
    assert "400 of 1,000 done" in page and 'http-equiv="refresh"' not in page


@pytest.mark.parametrize("role", ["registrar", "commission", "statistician", "admin"])
def test_only_those_who_audit_see_a_verification_job(site, as_role, role):
    job = services_of(site).jobs.start(VERIFY_KIND, lambda progress: {"ok": True})
    assert as_role(role).get(f"/jobs/{job.id}").status_code == 403
    assert as_role("auditor").get(f"/jobs/{job.id}").status_code == 200


def test_an_unknown_job_is_a_404_and_the_public_is_sent_to_sign_in(visitor, as_role):
    assert as_role("auditor").get("/jobs/" + "0" * 32).status_code == 404
    assert as_role("auditor").get("/jobs/" + "x" * 100).status_code == 404
    response = visitor.get("/jobs/" + "0" * 32)
    assert response.status_code == 302 and response.location.startswith("/sign-in")


def test_a_bad_page_of_checkpoints_is_a_form_error_in_the_readers_language(as_role):
    response = as_role("auditor").get("/audit/ledger?before=soon&lang=ky")
    assert response.status_code == 400
    assert "«soon» — бүтүн сан эмес." in response.get_data(as_text=True)
