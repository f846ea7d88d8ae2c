"""The auditor's event browser and compliance "as known at" a moment."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import DUPLICATE_PIN, PIN
from web.pages import audit as audit_pages


def test_the_event_log_lists_events_with_who_recorded_them(as_role):
    page = as_role("auditor").text("/audit/events?lang=en")
    assert "Provider registered" in page and "Teacher registered" in page
    assert "Administrator" in page and "admin" in page


def table(page: str) -> str:
    return page.split('<table class="data events">', 1)[1].split("</table>", 1)[0]


def test_the_event_log_filters_by_type_teacher_and_provider(as_role):
    auditor = as_role("auditor")
    revoked = table(auditor.text("/audit/events?type=Certificate.Revoked&lang=en"))
    assert "Issued in error" in revoked and "Teacher registered" not in revoked
    teacher = table(auditor.text(f"/audit/events?pin={PIN}&lang=en"))
    assert "KAE-2024-0001" in teacher and "Нургүл" not in teacher
    osh = table(auditor.text("/audit/events?provider=OSH-OI&lang=en"))
    assert "OSH-1998-77" in osh and "KAE-2024-0001" not in osh


def test_as_known_at_a_moment_before_the_registry_existed_shows_nothing(as_role):
    page = as_role("auditor").text("/audit/events?known_at=2001-01-01T00:00&lang=en")
    assert "No events match." in page


def test_compliance_as_known_at_a_moment_hides_what_was_recorded_later(site, as_role):
    # Just before the revocation was recorded, the revoked seminar still counted.
    revocation = (
        site[0].extensions["registry"].queries.events(type="Certificate.Revoked")["events"][0]
    )
    moment = datetime.fromisoformat(str(revocation["recorded_at"])) - timedelta(microseconds=1)
    page = as_role("auditor").text(
        f"/audit/compliance?pin={DUPLICATE_PIN}&as_of=2024-06-01"
        f"&known_at={moment.isoformat().replace('+', '%2B')}&lang=en"
    )
    then, now = page.split("As known now", 1)
    assert "104 / 72" in then
    assert "80 / 72" in now
    # What was recorded since: the revocation changed the answer; the enrolment it
    # reopened did not, and is folded under it.
    since = now.split("Recorded after that moment", 1)[1]
    changed, rest = since.split("Also recorded later, not affecting this answer (1)", 1)
    assert "Certificate revoked" in changed and "KAE-2022-0007" in changed
    assert "Issued in error" in changed and "Enrolment&#39;s certificate revoked" in rest
    assert f"position={revocation['position']}" in changed  # a link to it in the event log


def test_a_moment_after_everything_about_the_teacher_has_nothing_recorded_since(site, as_role):
    queries = site[0].extensions["registry"].queries
    head = site[0].extensions["registry"].registry.max_position()
    last = queries.events(after=head - 1)["events"][0]
    moment = datetime.fromisoformat(str(last["recorded_at"])).isoformat().replace("+", "%2B")
    page = as_role("auditor").text(
        f"/audit/compliance?pin={DUPLICATE_PIN}&as_of=2024-06-01&known_at={moment}&lang=en"
    )
    assert "Recorded after that moment" in page
    assert "Nothing was recorded about this teacher or the policy since." in page


def test_a_teacher_registered_after_the_moment_was_unknown_then(site, as_role):
    # The moment the teacher before them was registered: the registry had begun.
    registered = site[0].extensions["registry"].queries.events(type="Teacher.Registered")
    moment = str(registered["events"][1]["recorded_at"])
    page = as_role("auditor").text(
        f"/audit/compliance?pin={DUPLICATE_PIN}&known_at={moment.replace('+', '%2B')}&lang=en"
    )
    assert "did not know this teacher yet" in page
    assert "Compliant" in page.split("As known now", 1)[1]


def test_the_dossier_time_travels_for_auditors(site, as_role):
    last = site[0].extensions["registry"].queries.events(after=0, limit=1000)["events"][-1]
    moment = str(last["recorded_at"]).replace("+", "%2B")
    page = as_role("auditor").text(f"/teachers/{PIN}?known_at={moment}&lang=en")
    assert "as known at" in page and "Compliant" in page


def test_a_bad_pin_or_time_in_the_filters_is_a_clear_400(as_role):
    auditor = as_role("auditor")
    assert auditor.get("/audit/events?pin=123&lang=en").status_code == 400
    response = auditor.get("/audit/events?known_at=yesterday&lang=en")
    assert response.status_code == 400
    assert "is not a date and time" in response.get_data(as_text=True)


def rows(page: str) -> list[int]:
    """The positions listed, in the order shown."""
    return [int(p) for p in re.findall(r'<tr id="event-(\d+)">', table(page))]


def test_the_log_shows_the_newest_first_unless_asked_and_counts_what_matches(site, as_role):
    auditor = as_role("auditor")
    newest = rows(auditor.text("/audit/events?lang=en"))
    oldest = rows(auditor.text("/audit/events?order=asc&lang=en"))
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest)
    assert oldest[0] == 1
    queries = site[0].extensions["registry"].queries
    revoked = queries.events(type="Certificate.Revoked", with_total=True)["total"]
    page = auditor.text("/audit/events?type=Certificate.Revoked&lang=en")
    assert f"Events matching: {revoked}" in page


def test_the_pager_walks_the_log_and_back(as_role, monkeypatch):
    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 5)
    auditor = as_role("auditor")
    first = auditor.text("/audit/events?order=asc&lang=en")
    assert rows(first) == [1, 2, 3, 4, 5]
    later = link(first, "Newer events")
    second = auditor.text(later)
    assert rows(second) == [6, 7, 8, 9, 10]
    assert rows(auditor.text(link(second, "Older events"))) == [1, 2, 3, 4, 5]
    top = auditor.text("/audit/events?lang=en")  # newest first
    below = auditor.text(link(top, "Older events"))
    assert rows(below) == [n - 5 for n in rows(top)]
    assert rows(auditor.text(link(below, "Newer events"))) == rows(top)


def link(page: str, words: str) -> str:
    """The address of the pager's link with these words."""
    found = re.search(rf'<a rel="(?:next|prev)" href="([^"]+)">[^<]*{words}', page)
    assert found, words
    return html.unescape(found.group(1))


def test_the_log_starts_at_a_position_or_a_date(as_role, monkeypatch):
    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 3)
    auditor = as_role("auditor")
    assert rows(auditor.text("/audit/events?position=7&order=asc&lang=en")) == [7, 8, 9]
    assert rows(auditor.text("/audit/events?position=7&lang=en")) == [7, 6, 5]
    # A link to read on after a position (the ledger's) reads oldest first from there.
    assert rows(auditor.text("/audit/events?after=6&lang=en")) == [7, 8, 9]
    today = datetime.now(ZoneInfo("Asia/Bishkek")).date().isoformat()
    assert rows(auditor.text(f"/audit/events?at={today}&order=asc&lang=en"))[0] == 1
    assert rows(auditor.text("/audit/events?at=2001-01-01&lang=en")) == []


def test_the_filtered_log_downloads_as_json_lines_and_csv(site, as_role):
    auditor = as_role("auditor")
    page = auditor.text("/audit/events?type=Certificate.Revoked&order=asc&lang=en")
    assert "/audit/events/export?type=Certificate.Revoked&amp;order=asc&amp;format=jsonl" in page
    jsonl = auditor.get("/audit/events/export?type=Certificate.Revoked&format=jsonl")
    assert jsonl.status_code == 200 and jsonl.mimetype == "application/x-ndjson"
    events = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    assert [e["position"] for e in events] == rows(page)
    assert events[0]["data"]["reason"] == "Issued in error"
    exported = auditor.get("/audit/events/export?type=Certificate.Revoked&format=csv")
    assert exported.mimetype == "text/csv"
    assert "Issued in error" in exported.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, words",
    [
        ("provider=K%20A%20E", "A provider code is"),
        ("actor=Admin%20X", "An account name is"),
        ("position=seven", "is not a whole number"),
        ("order=sideways", "is not one of the choices"),
        ("at=someday", "is not a date"),
        (f"pin={DUPLICATE_PIN[:-1]}9", "No teacher is registered with this PIN."),
    ],
)
def test_a_bad_filter_or_start_is_a_clear_400_on_the_page_and_for_the_export(as_role, query, words):
    auditor = as_role("auditor")
    for path in ("/audit/events", "/audit/events/export"):
        response = auditor.get(f"{path}?{query}&lang=en")
        assert response.status_code in (400, 404), (path, response.status_code)
        assert words in html.unescape(response.get_data(as_text=True)), path
