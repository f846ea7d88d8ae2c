"""The training needs pages: the unmet needs by region for providers and the ministry, the
form a need is recorded with (its rules beside its fields), the download."""

from __future__ import annotations

import csv
import io
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
