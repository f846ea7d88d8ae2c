"""What people do in a real browser (headless Debian Chromium through Playwright): sign in,
find a teacher, open the dossier and statement, verify by QR link, switch language,
download a CSV."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, PIN, sign_in

pytestmark = pytest.mark.browser


def test_a_commission_member_signs_in_finds_a_teacher_and_opens_the_dossier(page):
    page.goto("/?lang=en")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Account name").fill("commission")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teachers").click()
    page.get_by_label("Name, PIN or school").fill("Асанова")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Айгүл Асанова").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Айгүл Асанова"
    expect(page.get_by_text("Compliant").first).to_be_visible()
    expect(page.get_by_role("link", name="KAE-2024-0001").first).to_be_visible()


def test_a_wrong_password_keeps_the_visitor_out(page):
    page.goto("/sign-in?lang=en")
    page.get_by_label("Account name").fill("auditor")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Unknown account name")
    page.goto("/audit/events")
    assert "/sign-in" in page.url


def test_the_statements_qr_link_opens_the_public_verification(page, chromium, live_site):
    sign_in(page, "commission")
    page.goto(f"/teachers/{PIN}?lang=en")
    page.get_by_role("link", name="Attestation statement").click()
    qr = page.get_by_role("img", name="QR code: verify certificate KAE-2024-0001")
    expect(qr).to_be_visible()
    link = qr.locator("xpath=..").get_attribute("href")
    public = chromium.new_context(locale="en-GB", base_url=live_site[0]).new_page()
    try:
        public.goto(link)
        assert (
            "is recorded in the registry and is valid" in public.get_by_role("status").inner_text()
        )
        assert "Айгүл Асанова" in public.content()
        assert PIN not in public.content()
    finally:
        public.context.close()


def test_the_public_verifies_by_typing_number_and_code(page, live_site):
    code = live_site[1].certificate["verification_code"]
    page.goto("/verify?lang=en")
    page.get_by_label("Certificate number").fill("KAE-2024-0001")
    page.get_by_label("Verification code").fill("WRONG-CODE")
    page.get_by_role("button", name="Verify").click()
    assert "do not match any certificate" in page.get_by_role("alert").inner_text()
    page.get_by_label("Verification code").fill(code)
    page.get_by_role("button", name="Verify").click()
    assert "valid" in page.get_by_role("status").inner_text()


def test_switching_the_language_changes_every_following_page(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("link", name="Кыргызча").click()
    assert page.locator("html").get_attribute("lang") == "ky"
    page.get_by_role("navigation", name="Негизги меню").get_by_role(
        "link", name="Сертификатты текшерүү"
    ).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Сертификатты текшерүү"
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Verify a certificate"


def test_a_statistician_downloads_the_dashboards_csv(page):
    sign_in(page, "statistician")
    page.goto("/statistics?lang=en")
    assert page.locator("figure.chart svg").first.is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = download.value.path()
    with open(path, encoding="utf-8-sig") as downloaded:
        rows = list(csv.DictReader(io.StringIO(downloaded.read())))
    assert download.value.suggested_filename.startswith("compliance-region-")
    assert {row["group"] for row in rows} >= {"KG-C", "KG-O"}


def test_a_registrar_registers_a_teacher_through_the_form(page):
    sign_in(page, "registrar")
    page.goto("/record/teachers/new?lang=en")
    page.get_by_label("PIN").fill("20909199200033")
    page.get_by_label("Full name").fill("Асель Бекова")
    page.get_by_label("Region").select_option("KG-Y")
    page.locator("#district").select_option(label="Tüp")
    page.get_by_label("School").fill("School No. 4")
    page.locator("#subject").select_option(label="Chemistry")
    page.locator("#position").select_option(label="Teacher")
    page.get_by_label("Began teaching on").fill("2015-09-01")
    page.get_by_role("button", name="Record").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Асель Бекова"
    assert "The teacher was registered." in page.get_by_role("status").first.inner_text()


# -- the same journeys in Kyrgyz and Russian: what people read is the page's language ----

WORDS = {
    "ky": {
        "Sign in": "Кирүү",
        "Account name": "Эсептин аты",
        "Password": "Сырсөз",
        "Main": "Негизги меню",
        "Teachers": "Мугалимдер",
        "Name, PIN or school": "Аты-жөнү, ПИН же мектеп",
        "Search": "Издөө",
        "Compliant": "Талапка ылайык",
        "Certificate number": "Сертификаттын номери",
        "Verification code": "Текшерүү коду",
        "Verify": "Текшерүү",
        "no match": "бир да сертификатка туура келбейт",
        "valid": "реестрде катталган жана жарактуу",
        "Full name": "Аты-жөнү",
        "Region": "Аймак",
        "School": "Мектеп",
        "Began teaching on": "Педагогдук иштин башталышы",
        "Record": "Каттоо",
        "registered": "Мугалим катталды.",
        "Tüp": "Түп",
        "Chemistry": "Химия",
        "Teacher": "Мугалим",
    },
    "ru": {
        "Sign in": "Войти",
        "Account name": "Имя учётной записи",
        "Password": "Пароль",
        "Main": "Основное меню",
        "Teachers": "Учителя",
        "Name, PIN or school": "ФИО, ПИН или школа",
        "Search": "Найти",
        "Compliant": "Соответствует",
        "Certificate number": "Номер сертификата",
        "Verification code": "Код проверки",
        "Verify": "Проверить",
        "no match": "не соответствуют ни одному сертификату",
        "valid": "записан в реестре и действителен",
        "Full name": "ФИО",
        "Region": "Регион",
        "School": "Школа",
        "Began teaching on": "Начало педагогической работы",
        "Record": "Внести запись",
        "registered": "Учитель зарегистрирован.",
        "Tüp": "Тюпский",
        "Chemistry": "Химия",
        "Teacher": "Учитель",
    },
}


def sign_in_in(page, name: str, lang: str) -> None:
    """Sign in on the page in the language, as a person reading it would."""
    words = WORDS[lang]
    page.goto(f"/sign-in?lang={lang}")
    page.get_by_label(words["Account name"]).fill(name)
    page.get_by_label(words["Password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["Sign in"], exact=True).click()
    page.wait_for_url("**/")


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_a_commission_member_finds_a_teacher_in_their_language(page, lang):
    words = WORDS[lang]
    sign_in_in(page, "commission", lang)
    menu = page.get_by_role("navigation", name=words["Main"])
    menu.get_by_role("link", name=words["Teachers"], exact=True).click()
    page.get_by_label(words["Name, PIN or school"]).fill("асанова айгул")  # у for ү
    page.get_by_role("button", name=words["Search"], exact=True).click()
    page.get_by_role("link", name="Айгүл Асанова").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Айгүл Асанова"
    assert page.locator("html").get_attribute("lang") == lang
    expect(page.get_by_text(words["Compliant"]).first).to_be_visible()


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_the_public_verifies_a_certificate_in_their_language(page, live_site, lang):
    words = WORDS[lang]
    page.goto(f"/verify?lang={lang}")
    page.get_by_label(words["Certificate number"]).fill("KAE-2024-0001")
    page.get_by_label(words["Verification code"]).fill("WRONG-CODE")
    page.get_by_role("button", name=words["Verify"], exact=True).click()
    assert words["no match"] in page.get_by_role("alert").inner_text()
    page.get_by_label(words["Verification code"]).fill(
        live_site[1].certificate["verification_code"]
    )
    page.get_by_role("button", name=words["Verify"], exact=True).click()
    assert words["valid"] in page.get_by_role("status").inner_text()


@pytest.mark.parametrize("lang,pin", [("ky", "20909199200041"), ("ru", "20909199200052")])
def test_a_registrar_registers_a_teacher_in_their_language(page, lang, pin):
    words = WORDS[lang]
    sign_in_in(page, "registrar", lang)
    page.goto(f"/record/teachers/new?lang={lang}")
    page.locator("#pin").fill(pin)
    page.get_by_label(words["Full name"]).fill("Асель Бекова")
    page.get_by_label(words["Region"]).select_option("KG-Y")
    page.locator("#district").select_option(label=words["Tüp"])
    page.get_by_label(words["School"]).fill("School No. 4")
    page.locator("#subject").select_option(label=words["Chemistry"])
    page.locator("#position").select_option(label=words["Teacher"])
    page.get_by_label(words["Began teaching on"]).fill("2015-09-01")
    page.locator("form").get_by_role("button", name=words["Record"], exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Асель Бекова"
    assert words["registered"] in page.get_by_role("status").first.inner_text()
