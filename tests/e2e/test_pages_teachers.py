"""Teacher search, the dossier, the certificate page and the printable statement."""

from __future__ import annotations

import re
from html import unescape

from tests.e2e.conftest import DUPLICATE_PIN, OVERDUE_PIN, PIN


def test_searching_by_name_finds_the_teacher_and_links_the_dossier(as_role):
    page = as_role("commission").text("/teachers?q=асанова&lang=en")
    assert "Айгүл Асанова" in page
    assert f'href="/teachers/{PIN}"' in page


def test_searching_by_pin_or_school_finds_the_teacher(as_role):
    auditor = as_role("auditor")
    assert "Бакыт Осмонов" in auditor.text(f"/teachers?q={OVERDUE_PIN}")
    assert "Нургүл Токтогулова" in auditor.text("/teachers?q=Gymnasium")


def test_a_search_without_matches_says_so(as_role):
    page = as_role("auditor").text("/teachers?q=Nobody-at-all&lang=en")
    assert "No teacher matches" in page


def test_the_dossier_shows_profile_compliance_certificates_and_timeline(as_role):
    page = as_role("auditor").text(f"/teachers/{PIN}?lang=en")
    assert "Айгүл Асанова" in page and "School No. 3" in page
    assert "Compliant" in page and "72 / 72" in page
    assert "March 21, 2029" in page  # next due: 21 March 2024 + 5 years
    assert "KAE-2024-0001" in page and "Valid" in page
    assert "Teacher registered" in page and "Certificate issued" in page
    assert "PIN index" not in page  # bookkeeping stays in the audit log


def test_the_dossier_shows_compliance_on_a_chosen_date(as_role):
    page = as_role("auditor").text(f"/teachers/{PIN}?as_of=2012-01-01&lang=en")
    assert "In grace period" in page  # service began 2010-09-01, before any certificate
    page = as_role("auditor").text(f"/teachers/{PIN}?as_of=2029-12-01&lang=en")
    assert "Overdue" in page


def test_a_bad_date_on_the_dossier_is_a_clear_400(as_role):
    response = as_role("auditor").get(f"/teachers/{PIN}?as_of=31.12.2024&lang=en")
    assert response.status_code == 400
    assert "is not a date" in response.get_data(as_text=True)


def test_an_old_pin_still_opens_the_dossier_and_an_unknown_one_is_404(as_role):
    auditor = as_role("auditor")
    assert auditor.get("/teachers/40101199099999").status_code == 404
    assert auditor.get("/teachers/not-a-pin").status_code == 404


def test_status_and_links_are_shown_for_revoked_and_duplicated_certificates(as_role):
    page = as_role("auditor").text(f"/teachers/{DUPLICATE_PIN}?lang=en")
    assert "Revoked" in page and "Replaced by a duplicate" in page
    assert 'href="/certificates/KAE-2023-0100-D"' in page
    assert 'href="/certificates/KAE-2023-0100"' in page


def test_a_revoked_certificate_and_a_duplicate_add_no_hours(as_role):
    page = as_role("auditor").text(f"/teachers/{DUPLICATE_PIN}?lang=en")
    # 80 h of the original count; the duplicate adds nothing, the revoked 24 h neither.
    assert "80 / 72" in page
    certificates = page.split('id="certificates-h"', 1)[1].split("</table>", 1)[0]
    rows = {
        re.search(r'href="/certificates/([^"]+)"', row).group(1): row
        for row in certificates.split("<tr>")[2:]
    }
    assert "✔" in rows["KAE-2023-0100"]
    assert "✔" not in rows["KAE-2023-0100-D"] and "✔" not in rows["KAE-2022-0007"]


def test_the_certificate_page_shows_status_links_and_the_public_link(as_role, seeded):
    page = as_role("commission").text("/certificates/KAE-2024-0001?lang=en")
    code = seeded.certificate["verification_code"]
    assert "Valid" in page and "Teaching mathematics" in page
    assert f"/verify/KAE-2024-0001?code={code}" in page
    original = unescape(as_role("auditor").text("/certificates/KAE-2023-0100?lang=en"))
    assert "Replaced by" in original and "/certificates/KAE-2023-0100-D" in original


def test_the_statement_is_printable_and_has_a_qr_code_per_certificate(as_role, seeded):
    response = as_role("commission").get(f"/teachers/{PIN}/statement?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Statement of qualification upgrading" in page
    assert "Secretary of the commission" in page
    code = seeded.certificate["verification_code"]
    link = f"http://localhost/verify/KAE-2024-0001?code={code}"
    assert f'<a href="{link}"><img src="data:image/svg+xml;base64,' in unescape(page)


def test_the_qr_code_encodes_exactly_the_verification_link(site, as_role, seeded):
    from web.pages.statement import qr_data_uri

    page = unescape(as_role("auditor").text(f"/teachers/{PIN}/statement"))
    link, image = re.search(r'<a href="([^"]+/verify/[^"]+)"><img src="([^"]+)"', page).groups()
    with site[0].test_request_context():
        assert image == qr_data_uri(link)


def test_the_statement_has_print_styles(visitor):
    css = visitor.get("/static/site.css").get_data(as_text=True)
    assert "@media print" in css and ".no-print" in css


def test_the_due_list_shows_overdue_teachers_of_the_commissions_region(as_role):
    osh = as_role("osh-commission").text("/teachers/due?status=overdue&lang=en")
    assert "Бакыт Осмонов" in osh and "Overdue" in osh
    chuy = as_role("commission").text("/teachers/due?status=overdue&region=KG-O&lang=en")
    assert "Бакыт Осмонов" not in chuy and "Nobody on this list." in chuy


def test_pages_carry_browser_protections(visitor):
    response = visitor.get("/verify")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_http_only_and_same_site(visitor):
    cookie = visitor.sign_in("auditor").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_unassessed_seminar_offers_its_certificate_straight_away(as_role, site):
    from tests.builders import ADMIN, programme

    registry = site[1].registry
    seminar = registry.register_programme(
        ADMIN, programme(code="SEM-NONE", form="seminar", hours=12, assessment="none")
    ).data
    enrolment = registry.enrol(ADMIN, seminar["id"], OVERDUE_PIN)
    services = site[0].extensions["registry"]
    services.queries.wait_for(enrolment.position, timeout=10)
    page = as_role("registrar").text(f"/teachers/{OVERDUE_PIN}?lang=en")
    assert f"/record/enrolments/{enrolment.data['id']}/certificate" in page
