"""The dossier and the certificate page "as known at" a moment, for auditors."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import quote
from zoneinfo import ZoneInfo

from tests.e2e.conftest import DUPLICATE_PIN, PIN

BANNER = "records made later are not shown."


def recorded(site, kind: str, index: int = 0) -> datetime:
    """When the index-th event of a type was recorded in the seeded registry."""
    found = site[0].extensions["registry"].queries.events(type=kind, limit=1000)["events"]
    return datetime.fromisoformat(str(found[index]["recorded_at"]))


def at(moment: datetime) -> str:
    return quote(moment.isoformat(), safe="")


def test_before_a_revocation_the_dossier_shows_the_certificate_valid_in_every_section(
    site, as_role
):
    before = recorded(site, "Certificate.Revoked") - timedelta(microseconds=1)
    page = as_role("auditor").text(f"/teachers/{DUPLICATE_PIN}?known_at={at(before)}&lang=en")
    cells = re.split(r'<td[^>]*><a class="cert-number" href="/certificates/', page)[1:]
    rows = {row.split("</td>", 1)[0]: row for row in cells}
    revoked_row = next(row for key, row in rows.items() if key.startswith("KAE-2022-0007"))
    assert "Valid" in revoked_row and "Revoked" not in revoked_row
    # Profile, compliance, certificates, enrolments and timeline each say so, with the
    # way back to now.
    assert page.count(BANNER) == 5
    assert page.count(f'href="/teachers/{DUPLICATE_PIN}">Show as known now</a>') == 5
    timeline = page.split('id="timeline-h"', 1)[1]
    assert "Certificate revoked" not in timeline and "Certificate issued" in timeline
    # Links to certificates keep the moment; nothing can be recorded from the past.
    kept = quote(before.isoformat(), safe=":")
    assert f"/certificates/KAE-2022-0007?known_at={kept}" in page
    assert "Record departure" not in page and "Attestation statement" not in page


def test_certificates_recorded_after_the_moment_are_not_there(site, as_role):
    before = recorded(site, "Certificate.DuplicateIssued") - timedelta(microseconds=1)
    auditor = as_role("auditor")
    then = auditor.text(f"/teachers/{DUPLICATE_PIN}?known_at={at(before)}&lang=en")
    assert "KAE-2023-0100-D" not in then and "KAE-2023-0100" in then
    assert "KAE-2023-0100-D" in auditor.text(f"/teachers/{DUPLICATE_PIN}?lang=en")


def test_the_certificate_page_as_known_at_a_moment(site, as_role):
    auditor = as_role("auditor")
    before = recorded(site, "Certificate.Revoked") - timedelta(microseconds=1)
    page = auditor.text(f"/certificates/KAE-2022-0007?known_at={at(before)}&lang=en")
    assert BANNER in page and "Valid" in page and "Issued in error" not in page
    assert "Issued in error" in auditor.text("/certificates/KAE-2022-0007?lang=en")
    earlier = recorded(site, "Certificate.DuplicateIssued") - timedelta(microseconds=1)
    response = auditor.get(f"/certificates/KAE-2023-0100-D?known_at={at(earlier)}&lang=ru")
    assert response.status_code == 404
    assert "Сертификат KAE-2023-0100-D не был известен" in response.get_data(as_text=True)


def test_a_pin_not_known_then_is_a_404_that_says_so_in_the_readers_language(site, as_role):
    # After the registry began, before this teacher was registered.
    before = recorded(site, "Teacher.Registered", 2) - timedelta(microseconds=1)
    auditor = as_role("auditor")
    response = auditor.get(f"/teachers/{DUPLICATE_PIN}?known_at={at(before)}&lang=en")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert f"No teacher with the PIN {DUPLICATE_PIN} was known at" in text
    assert f'href="/teachers/{DUPLICATE_PIN}">Show as known now' in text
    ky = auditor.get(f"/teachers/{DUPLICATE_PIN}?known_at={at(before)}&lang=ky")
    assert ky.status_code == 404 and "ПИНи менен мугалим белгисиз болгон" in ky.get_data(
        as_text=True
    )


def test_bad_moments_are_form_errors_in_the_readers_language(site, as_role):
    auditor = as_role("auditor")
    cases = {
        "2999-01-01T10:00": {
            "en": "is in the future",
            "ru": "это будущее",
            "ky": "келечектеги убакыт",
        },
        "2001-01-01T10:00": {
            "en": "is before the registry's first record",
            "ru": "раньше первой записи реестра",
            "ky": "биринчи жазуусунан",
        },
        "yesterday": {
            "en": "is not a date and time",
            "ru": "не дата и время",
            "ky": "күн жана убакыт эмес",
        },
    }
    for value, messages in cases.items():
        for language, message in messages.items():
            for path in (f"/teachers/{PIN}", "/certificates/KAE-2024-0001", "/audit/compliance"):
                sep = "&" if "?" in path else "?"
                query = f"pin={PIN}&" if path == "/audit/compliance" else ""
                response = auditor.get(f"{path}{sep}{query}known_at={quote(value)}&lang={language}")
                assert response.status_code == 400, (path, value, language)
                assert message in unescape(response.get_data(as_text=True)), (path, value, language)


def test_the_dossier_reads_the_form_s_bishkek_time(site, as_role):
    last = site[0].extensions["registry"].queries.events(limit=1000)["events"][-1]
    moment = datetime.fromisoformat(str(last["recorded_at"])) + timedelta(seconds=1)
    local = moment.astimezone(ZoneInfo("Asia/Bishkek")).strftime("%Y-%m-%dT%H:%M:%S")
    while datetime.now(ZoneInfo("Asia/Bishkek")).replace(tzinfo=None) < datetime.fromisoformat(
        local
    ):
        time.sleep(0.1)  # the input has whole seconds: wait until this one has passed
    page = as_role("auditor").text(f"/teachers/{PIN}?known_at={local}&lang=en")
    assert BANNER in page and f'value="{local[:16]}' in page  # :00 seconds are left out


def test_only_auditors_travel_in_time_on_the_dossier(site, as_role):
    before = recorded(site, "Certificate.Revoked") - timedelta(microseconds=1)
    page = as_role("commission").text(f"/teachers/{PIN}?known_at={at(before)}&lang=en")
    assert BANNER not in page and "Compliant" in page


def test_the_due_list_as_known_before_a_teacher_was_registered_leaves_them_out(site, as_role):
    auditor = as_role("auditor")
    before = recorded(site, "Teacher.Registered", 2) - timedelta(microseconds=1)
    path = "/teachers/due?status=grace&as_of=2003-01-01&lang=en"  # in service since 2001
    assert "Нургүл Токтогулова" in auditor.text(path)
    then = auditor.text(f"{path}&known_at={at(before)}")
    assert BANNER in then and "Нургүл Токтогулова" not in then
    refused = auditor.get(f"{path}&known_at=2999-01-01T00:00")
    assert refused.status_code == 400 and "is in the future" in refused.get_data(as_text=True)
