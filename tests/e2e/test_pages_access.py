"""Who may open which page: the spec's role table, as people meet it in a browser."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OVERDUE_PIN, PIN

ROLES = ("admin", "registrar", "commission", "auditor", "statistician")

# page -> the roles that may open it (everyone else: 403 when signed in, sign-in when not)
PAGES = {
    f"/teachers?q=a": {"admin", "registrar", "commission", "auditor"},
    f"/teachers/{PIN}": {"admin", "registrar", "commission", "auditor"},
    f"/teachers/{PIN}/statement": {"admin", "registrar", "commission", "auditor"},
    "/teachers/due": {"admin", "registrar", "commission", "auditor"},
    "/certificates/KAE-2024-0001": {"admin", "registrar", "commission", "auditor"},
    "/record/": {"admin", "registrar"},
    "/record/teachers/new": {"admin", "registrar"},
    "/programmes/": {"admin", "registrar", "auditor"},
    "/programmes/new": {"admin", "registrar"},
    "/providers/": {"admin", "registrar", "auditor", "statistician"},
    "/providers/KAE": {"admin", "registrar", "auditor", "statistician"},
    "/providers/new": {"admin"},
    "/providers/KAE/suspension": {"admin"},
    "/statistics": {"admin", "auditor", "statistician"},
    "/statistics/activity": {"admin", "auditor", "statistician"},
    "/statistics/compliance.csv": {"admin", "auditor", "statistician"},
    "/statistics/teachers": {"admin", "auditor", "statistician"},
    "/statistics/teachers.csv": {"admin", "auditor", "statistician"},
    "/audit/events": {"auditor"},
    "/audit/compliance": {"auditor"},
    "/admin/policy": {"admin", "auditor"},
    "/admin/accounts": {"admin"},
    "/admin/views": {"admin", "auditor"},
    "/imports/": {"admin", "registrar"},
}
PUBLIC = ("/", "/verify", "/open-data", "/open-data.csv", "/sign-in")


@pytest.mark.parametrize("path", PUBLIC)
def test_the_public_pages_open_without_signing_in(visitor, path):
    assert visitor.get(path).status_code == 200


@pytest.mark.parametrize("path", sorted(PAGES))
def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(visitor, path):
    response = visitor.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_role_opens_exactly_the_pages_its_row_of_the_table_allows(as_role, role, path):
    status = as_role(role).get(path, follow_redirects=True).status_code
    expected = 200 if role in PAGES[path] else 403
    assert status == expected, f"{role} {path}: {status}"


@pytest.mark.parametrize("role, shown, hidden", [
    ("registrar", ["Record", "Import", "Teachers"], ["Event log", "Statistics", "Accounts"]),
    ("commission", ["Teachers"], ["Record", "Statistics", "Event log", "Providers"]),
    ("auditor", ["Event log", "Statistics", "Teachers"], ["Record", "Import", "Accounts"]),
    ("statistician", ["Statistics", "Providers"], ["Teachers", "Record", "Event log"]),
    ("admin", ["Record", "Accounts", "Providers", "Policy"], ["Event log"]),
])
def test_the_menu_offers_each_role_its_own_tasks(as_role, role, shown, hidden):
    page = as_role(role).text("/?lang=en")
    menu = page.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    for item in shown:
        assert f">{item}</a>" in menu
    for item in hidden:
        assert f">{item}</a>" not in menu


def test_a_statistician_never_sees_a_name_or_pin(as_role):
    browser = as_role("statistician")
    for path in ("/statistics", "/statistics/activity", "/providers/KAE", "/open-data",
                 "/statistics/compliance.csv?group_by=district"):
        text = browser.text(path)
        assert PIN not in text and OVERDUE_PIN not in text
        assert "Асанова" not in text and "Осмонов" not in text


def test_a_commission_bound_to_a_region_sees_only_its_teachers(as_role):
    chuy = as_role("commission")  # KG-C
    assert chuy.get(f"/teachers/{PIN}").status_code == 200
    assert chuy.get(f"/teachers/{OVERDUE_PIN}").status_code == 404  # an Osh teacher
    assert chuy.get(f"/teachers/{OVERDUE_PIN}/statement").status_code == 404
    found = chuy.text("/teachers?q=School")
    assert "Асанова" in found and "Осмонов" not in found


def test_a_registrar_sees_only_their_own_providers_workload(as_role):
    registrar = as_role("registrar")  # KAE
    assert registrar.get("/providers/").location.endswith("/providers/KAE")
    assert registrar.get("/providers/OSH-OI").status_code == 403
    assert registrar.get("/providers/OSH-OI/workload.csv").status_code == 403


def test_signing_in_with_a_wrong_password_says_so_and_signs_nobody_in(visitor):
    response = visitor.sign_in("admin", "wrong-password")
    assert response.status_code == 401
    assert "Unknown account name or wrong password" in visitor.text("/sign-in?lang=en") or \
        "Неизвестное имя" in response.get_data(as_text=True)
    assert visitor.get("/record/").status_code == 302


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(visitor):
    token = visitor.csrf("/sign-in")
    response = visitor.client.post(f"/sign-in?next=/teachers/{PIN}", data={
        "csrf_token": token, "name": "auditor", "password": "correct-horse-7"})
    assert response.location == f"/teachers/{PIN}"
    visitor.client.post("/sign-out", data={"csrf_token": visitor.csrf("/")})
    response = visitor.client.post("/sign-in?next=//evil.example/x", data={
        "csrf_token": visitor.csrf("/sign-in"), "name": "auditor",
        "password": "correct-horse-7"})
    assert response.location == "/"


def test_signing_out_needs_the_forms_token_and_ends_the_session(as_role):
    browser = as_role("auditor")
    assert browser.client.post("/sign-out").status_code == 303
    assert browser.get("/audit/events").status_code == 200  # a forged sign-out did nothing
    browser.client.post("/sign-out", data={"csrf_token": browser.csrf("/")})
    assert browser.get("/audit/events").status_code == 302


def test_a_sign_in_without_the_csrf_token_is_refused(visitor):
    response = visitor.client.post("/sign-in", data={"name": "admin",
                                                     "password": "correct-horse-7"})
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
    nine_hours = itsdangerous.timed.TimestampSigner.get_timestamp(
        itsdangerous.timed.TimestampSigner("x")) + 9 * 3600
    with mock.patch.object(itsdangerous.timed.TimestampSigner, "get_timestamp",
                           return_value=nine_hours):
        stale = Browser(site[0])
        stale.client.set_cookie("session", cookie)
        assert stale.get("/audit/events").status_code in (302, 401)
