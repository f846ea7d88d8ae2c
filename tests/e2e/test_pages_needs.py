"""The training needs pages: the unmet needs by region for providers and the ministry, the
form a need is recorded with (its rules beside its fields), the download."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from tests import builders

NEED = {
    "region": "KG-C",
    "district": "sokuluk",  # the picker's value: the district's code
    "school": "School No. 3",
    "subject": "Chemistry",
    "topic": "Safe experiments",
    "teachers": "14",
    "period_from": "2027-02",
    "period_to": "2027-05",
}


def test_a_commission_records_a_need_and_providers_see_it_unmet(site, as_role, last_position):
    commission = as_role("commission")
    before = last_position()
    bad = commission.submit("/needs/new?lang=en", {**NEED, "period_to": "2026-13"})
    assert bad.status_code == 422  # a rule of the domain, beside its field
    page = bad.get_data(as_text=True)
    assert 'href="#period_to">Wanted until (month):' in page
    other_region = commission.submit("/needs/new?lang=en", {**NEED, "region": "KG-O"})
    assert other_region.status_code == 400  # not among a Chüy commission's choices
    form = commission.text("/needs/new?lang=ru")
    assert '<select id="district"' in form and '<option value="sokuluk">Сокулукский' in form
    elsewhere = commission.submit("/needs/new?lang=en", {**NEED, "district": "kara-suu"})
    assert elsewhere.status_code == 422  # a district of Osh, beside its field
    assert 'href="#district"' in elsewhere.get_data(as_text=True)
    assert last_position() == before
    made = commission.submit("/needs/new?lang=en", NEED)
    assert made.status_code == 303, made.get_data(as_text=True)[-3000:]

    registrar = as_role("registrar")
    unmet = registrar.text("/needs/?lang=en")
    assert "Safe experiments" in unmet and "No programme" in unmet and "Chüy" in unmet
    assert 'href="/needs/"' in unmet  # in the menu
    # A programme of that subject starting in the period answers it.
    app = site[0]
    registry = app.extensions["registry"].registry
    registry.register_programme(
        builders.ADMIN,
        builders.programme(
            code="CHEM-1",
            subject="chemistry",
            capacity=20,
            starts_on=date(2027, 3, 1),
            ends_on=date(2027, 3, 20),
        ),
    )
    app.extensions["registry"].queries.wait_for(registry.max_position(), timeout=10)
    assert "Safe experiments" not in registrar.text("/needs/?lang=en")
    answered = registrar.text("/needs/?status=met&lang=en")
    assert "Safe experiments" in answered and "KAE CHEM-1" in answered
    rows = list(
        csv.DictReader(io.StringIO(registrar.text("/needs/needs.csv?region=KG-C").lstrip("\ufeff")))
    )
    assert {(r["topic"], r["status"], r["places"]) for r in rows} >= {
        ("Safe experiments", "met", "20")
    }
    in_russian = registrar.text("/needs/?status=all&lang=ru")
    assert "Учебные потребности" in in_russian and ">Сокулукский</td>" in in_russian


def test_only_recorders_and_commissions_record_needs(as_role):
    for role in ("auditor", "statistician"):
        browser = as_role(role)
        assert browser.get("/needs/new").status_code == 403, role
        assert browser.get("/needs/").status_code == 200, role
        assert 'href="/needs/new"' not in browser.text("/needs/?lang=en")
    assert as_role("admin").get("/needs/?status=lost").status_code == 400


def test_a_commission_withdraws_its_regions_need_with_a_reason(site, as_role, last_position):
    commission, osh = as_role("commission"), as_role("osh-commission")
    need = {**NEED, "subject": "Geography", "topic": "Maps of the valley"}
    assert commission.submit("/needs/new?lang=en", need).status_code == 303
    app = site[0]
    services = app.extensions["registry"]
    services.queries.wait_for(last_position(), timeout=10)
    listed = commission.text("/needs/?status=all&lang=en")
    link = re.search(
        r'href="(/needs/[0-9a-f-]{36}/withdraw)">Withdraw the need<span[^>]*> \(Geography', listed
    )
    assert link, listed[-3000:]
    assert "Maps of the valley" in osh.text("/needs/?status=all&lang=en")
    assert link.group(1) not in osh.text("/needs/?status=all&lang=en")  # not Osh's to withdraw
    assert as_role("auditor").get(link.group(1)).status_code == 403
    assert commission.get("/needs/not-a-need/withdraw").status_code == 404

    before = last_position()
    form = commission.text(link.group(1) + "?lang=ru")
    assert "Отозвать учебную потребность" in form and "Maps of the valley" in form
    empty = commission.submit(link.group(1) + "?lang=en", {"reason": "  "})
    assert empty.status_code == 422 and 'href="#reason"' in empty.get_data(as_text=True)
    not_osh = osh.submit(link.group(1) + "?lang=en", {"reason": "Ours now"})
    assert not_osh.status_code == 403
    assert last_position() == before

    done = commission.submit(link.group(1) + "?lang=en", {"reason": "A district seminar"})
    assert done.status_code == 303 and done.location.endswith("/needs/?status=withdrawn")
    services.queries.wait_for(last_position(), timeout=10)
    assert "Maps of the valley" not in commission.text("/needs/?status=all&lang=en")
    withdrawn = commission.text("/needs/?status=withdrawn&lang=ky")
    assert "Maps of the valley" in withdrawn and "A district seminar" in withdrawn
    again = commission.submit(link.group(1) + "?lang=en", {"reason": "Twice"})
    assert again.status_code == 409 and "already withdrawn" in again.get_data(as_text=True)
