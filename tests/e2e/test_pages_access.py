"""Who may open which page: each page is listed once under the permission it needs, and
what each role must get is computed from `registry.access`'s table, so a change to the
table moves the pages and the API (tests/e2e/test_api_access.py) together."""

from __future__ import annotations

import pytest

from registry import access
from tests.e2e.conftest import OVERDUE_PIN, PIN
from web.pages.navigation import MENU, PUBLIC_ONLY

ROLES = ("admin", "registrar", "commission", "auditor", "statistician")
ENROLMENT = "{enrolment}"  # the seeded enrolment (of KAE), filled in by `path_of`

# permission -> the pages that need it
PAGES: dict[str, list[str]] = {
    "read_catalogue": [
        "/programmes/",
        "/programmes/export.csv",
        "/programmes/export.xlsx",
        "/programmes/suggestions?q=ma",
        "/admin/policy",
    ],
    "read_dossier": [
        "/teachers?q=as",
        "/teachers/suggestions?q=as",
        "/teachers.csv?q=as",
        "/teachers.xlsx?q=as",
        f"/teachers/{PIN}",
        f"/teachers/{PIN}/statement",
        "/teachers/due",
        "/teachers/due.csv",
        "/teachers/due.xlsx",
        "/teachers/due/print",
        "/providers/KAE/certificates",
        "/providers/KAE/certificates.csv",
        "/providers/KAE/certificates.xlsx",
        "/certificates/KAE-2024-0001",
        "/certificates?number=KAE-2024-0001",
        "/certificates/KAE-2024-0001/credential.json",
        "/certificates/KAE-2024-0001/certificate.pdf",
        f"/teachers/{PIN}/statement.pdf",
    ],
    "read_workload": [
        "/providers/",
        "/providers/export.csv",
        "/providers/export.xlsx",
        "/providers/KAE",
        "/providers/KAE/workload.csv",
        "/providers/KAE/workload.xlsx",
    ],
    "read_statistics": [
        "/statistics",
        "/statistics/activity",
        "/statistics/compliance.csv",
        "/statistics/compliance.xlsx",
        "/statistics/activity.csv",
        "/statistics/activity.xlsx",
    ],
    "read_pseudonymised": [
        "/statistics/teachers",
        "/statistics/teachers.csv",
        "/statistics/teachers.xlsx",
    ],
    "audit": [
        "/audit/events",
        "/audit/events/export",
        "/audit/events/export?format=csv",
        "/audit/compliance",
        "/audit/ledger",
    ],
    "read_operations": ["/admin/views"],
    "read_forecast": ["/forecast", "/forecast.csv", "/forecast.xlsx"],
    "read_needs": ["/needs/", "/needs/needs.csv"],
    "record_needs": ["/needs/new"],
    "verify_certificate": [
        "/verify",
        "/verify/credential",
        "/.well-known/did.json",
        "/.well-known/jwks.json",
        "/credentials/context/v1",
        "/credentials/status/0",
    ],
    "read_open_data": ["/open-data", "/open-data.csv", "/open-data.xlsx"],
    "write_teachers": [
        "/record/",
        "/record/teachers/new",
        f"/record/teachers/{PIN}/transfer",
        f"/record/teachers/{PIN}/correction",
    ],
    "write_programmes": [
        "/programmes/new",
        "/record/enrolments/new",
        f"/record/enrolments/{ENROLMENT}/assessment",
    ],
    "write_certificates": [
        "/record/certificates/legacy",
        f"/record/enrolments/{ENROLMENT}/certificate",
        "/record/certificates/KAE-2024-0001/duplicate",
    ],
    "import_records": ["/imports/"],
    "manage_providers": ["/providers/new", "/providers/KAE/suspension"],
    "manage_accounts": ["/admin/accounts"],
    "manage_outbox": ["/admin/outbox"],
    "manage_reference": [
        "/admin/reference/",
        "/admin/reference/?list=subjects",
        "/admin/reference/districts/spellings.csv",
    ],
}
# Permissions no page of their own needs: the policy form shows on the policy page to
# those who may adopt one; enrolments are read by the forms that record against them;
# reminder contacts are kept through the API and the command line; the reference lists
# are read by the forms' pickers and the pages that name districts, subjects, positions;
# the old spellings' codes are read through the API (the admins' page that ties them
# shows them to its own users).
NO_PAGE_OF_THEIR_OWN = {
    "adopt_policy",
    "read_enrolment",
    "manage_contacts",
    "read_reference",
    "read_spellings",
}
CASES = [(permission, path) for permission, paths in PAGES.items() for path in paths]
IDS = [f"{permission}: {path}" for permission, path in CASES]


def path_of(path: str, seeded) -> str:
    return path.replace(ENROLMENT, seeded.enrolment_id)


def test_every_permission_of_the_table_guards_a_page_or_is_said_to_have_none():
    assert set(PAGES) | NO_PAGE_OF_THEIR_OWN == set(access.PERMISSIONS)
    assert not set(PAGES) & NO_PAGE_OF_THEIR_OWN


@pytest.mark.parametrize("permission, path", CASES, ids=IDS)
def test_a_signed_out_visitor_opens_public_pages_and_is_sent_to_sign_in_from_the_others(
    visitor, seeded, permission, path
):
    response = visitor.get(path_of(path, seeded))
    if access.allows(None, permission):
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response.location.startswith("/sign-in?next=")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission, path", CASES, ids=IDS)
def test_each_role_opens_exactly_the_pages_the_table_allows_it(
    as_role, seeded, role, permission, path
):
    status = as_role(role).get(path_of(path, seeded), follow_redirects=True).status_code
    expected = 200 if access.allows(role, permission) else 403
    assert status == expected, f"{role} {path}: {status}"


@pytest.mark.parametrize("path", ("/", "/sign-in"))
def test_the_home_and_sign_in_pages_open_without_signing_in(visitor, path):
    assert visitor.get(path).status_code == 200


def test_statistics_pages_are_for_statisticians_auditors_and_the_operator_only(as_role):
    # The spec gives registrars and commissions records, not statistics; the API agrees.
    assert access.roles_with("read_statistics") == ("admin", "auditor", "statistician")
    for role in ("registrar", "commission"):
        for path in ("/statistics", "/statistics/compliance.csv", "/statistics/teachers"):
            assert as_role(role).get(path).status_code == 403, (role, path)
    assert as_role("statistician").get("/statistics").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_offers_each_role_the_entries_the_table_allows_it(site, as_role, role):
    page = as_role(role).text("/?lang=en")
    menu = page.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    with site[0].test_request_context("/?lang=en"):
        entries = [(str(label), permission) for _, label, permission in MENU]
    for label, permission in entries:
        shown = permission is None or (
            permission != PUBLIC_ONLY and access.allows(role, permission)
        )
        assert (f">{label}</a>" in menu) == shown, (role, label)


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        ("registrar", ["Record", "Import", "Teachers"], ["Event log", "Statistics", "Accounts"]),
        ("commission", ["Teachers"], ["Record", "Statistics", "Event log", "Providers"]),
        ("auditor", ["Event log", "Statistics", "Teachers"], ["Record", "Import", "Accounts"]),
        ("statistician", ["Statistics", "Providers"], ["Teachers", "Record", "Event log"]),
        ("admin", ["Record", "Accounts", "Providers", "Policy"], ["Event log"]),
    ],
)
def test_the_menu_offers_each_role_its_own_tasks(as_role, role, shown, hidden):
    page = as_role(role).text("/?lang=en")
    menu = page.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    for item in shown:
        assert f">{item}</a>" in menu
    for item in hidden:
        assert f">{item}</a>" not in menu


def test_a_statistician_never_sees_a_name_or_pin(as_role):
    browser = as_role("statistician")
    for path in (
        "/statistics",
        "/statistics/activity",
        "/providers/KAE",
        "/open-data",
        "/statistics/compliance.csv?group_by=district",
        "/statistics/teachers",
        "/statistics/teachers.csv",
        "/providers/KAE/workload.csv",
    ):
        text = browser.text(path)
        assert PIN not in text and OVERDUE_PIN not in text
        assert "Асанова" not in text and "Осмонов" not in text


def test_a_commission_bound_to_a_region_sees_only_its_teachers(as_role):
    chuy = as_role("commission")  # KG-C
    assert chuy.get(f"/teachers/{PIN}").status_code == 200
    assert chuy.get(f"/teachers/{OVERDUE_PIN}").status_code == 404  # an Osh teacher
    assert chuy.get(f"/teachers/{OVERDUE_PIN}/statement").status_code == 404
    found = chuy.text("/teachers?q=School&region=KG-O")  # its own region, whatever is asked
    assert "Асанова" in found and "Осмонов" not in found
    assert "Осмонов" not in chuy.text("/teachers/due?status=overdue&region=KG-O")
    osh = as_role("osh-commission")
    assert "Осмонов" in osh.text("/teachers/due?status=overdue")
    assert osh.get("/certificates/KAE-2024-0001").status_code == 404  # a Chüy teacher's


def test_a_registrar_sees_only_their_own_providers_workload(as_role):
    registrar = as_role("registrar")  # KAE
    assert registrar.get("/providers/").location.endswith("/providers/KAE")
    assert registrar.get("/providers/OSH-OI").status_code == 403
    assert registrar.get("/providers/OSH-OI/workload.csv").status_code == 403


def test_a_registrar_opens_the_forms_of_their_own_providers_enrolments_only(as_role, seeded):
    assessment = f"/record/enrolments/{seeded.enrolment_id}/assessment"  # of KAE
    assert as_role("registrar").get(assessment).status_code == 200
    assert as_role("osh-registrar").get(assessment).status_code == 403
    assert (
        as_role("osh-registrar").get("/record/certificates/KAE-2024-0001/revocation").status_code
        == 403
    )


def test_signing_in_with_a_wrong_password_says_so_and_signs_nobody_in(visitor):
    response = visitor.sign_in("admin", "wrong-password")
    assert response.status_code == 401
    assert "Unknown account name or wrong password" in visitor.text(
        "/sign-in?lang=en"
    ) or "Неизвестное имя" in response.get_data(as_text=True)
    assert visitor.get("/record/").status_code == 302


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(visitor):
    token = visitor.csrf("/sign-in")
    response = visitor.client.post(
        f"/sign-in?next=/teachers/{PIN}",
        data={"csrf_token": token, "name": "auditor", "password": "correct-horse-7"},
    )
    assert response.location == f"/teachers/{PIN}"
    visitor.client.post("/sign-out", data={"csrf_token": visitor.csrf("/")})
    response = visitor.client.post(
        "/sign-in?next=//evil.example/x",
        data={
            "csrf_token": visitor.csrf("/sign-in"),
            "name": "auditor",
            "password": "correct-horse-7",
        },
    )
    assert response.location == "/"


def test_signing_out_needs_the_forms_token_and_ends_the_session(as_role):
    browser = as_role("auditor")
    assert browser.client.post("/sign-out").status_code == 303
    assert browser.get("/audit/events").status_code == 200  # a forged sign-out did nothing
    browser.client.post("/sign-out", data={"csrf_token": browser.csrf("/")})
    assert browser.get("/audit/events").status_code == 302


def test_a_sign_in_without_the_csrf_token_is_refused(visitor):
    response = visitor.client.post(
        "/sign-in", data={"name": "admin", "password": "correct-horse-7"}
    )
    assert response.status_code == 400
    assert visitor.get("/record/").status_code == 302


def test_an_unknown_page_is_a_friendly_404_in_the_readers_language(visitor):
    response = visitor.get("/no-such-page?lang=ky")
    assert response.status_code == 404
    assert "Табылган жок" in response.get_data(as_text=True)


def test_a_session_cookie_older_than_a_working_day_no_longer_signs_in(site):
    from unittest import mock

    import itsdangerous

    from tests.e2e.conftest import Browser

    browser = Browser(site[0])
    assert browser.sign_in("auditor").status_code == 302
    cookie = browser.client.get_cookie("session").value
    later = Browser(site[0])
    later.client.set_cookie("session", cookie)
    assert later.get("/audit/events").status_code == 200
    nine_hours = (
        itsdangerous.timed.TimestampSigner.get_timestamp(itsdangerous.timed.TimestampSigner("x"))
        + 9 * 3600
    )
    with mock.patch.object(
        itsdangerous.timed.TimestampSigner, "get_timestamp", return_value=nine_hours
    ):
        stale = Browser(site[0])
        stale.client.set_cookie("session", cookie)
        assert stale.get("/audit/events").status_code in (302, 401)
