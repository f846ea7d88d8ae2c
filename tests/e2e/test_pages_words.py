"""No English on a Kyrgyz or Russian page: the main pages are rendered in ky and ru and
every Latin word a reader sees (text, labels for screen readers, tooltips, placeholders)
is either data the registry holds (names, schools, codes, titles typed in English), a
code in capitals, machine text (<code>, <kbd>, <pre>), or on the short list of words that
stay as they are (PDF, CSV...)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.e2e.conftest import PIN

# Words that stay as written in every language.
ALLOWED = {
    "PDF", "CSV", "XLSX", "Excel", "UTF", "API", "OpenAPI", "JSON", "ISO", "QR", "SHA",
    "KG", "Windows", "ID", "URL", "ky", "ru", "en", "English",
    "passed", "true", "false",  # an import file's column and the values it holds
    "Lines",  # of "JSON Lines", a format's name, as the event log's download offers it
}  # fmt: skip
# The seeded accounts' names, and who recorded the seeding (an actor's name and channel).
ACCOUNTS = {"admin", "registrar", "commission", "auditor", "statistician", "system", "cli"}
MACHINE_TEXT = {"script", "style", "pre", "code", "kbd", "samp"}  # not words to translate
PAGES = {
    "admin": [
        "/",
        "/teachers?q=асанова",
        "/teachers?q=а",
        f"/teachers/{PIN}",
        "/teachers/due",
        "/programmes/",
        "/providers/",
        "/providers/KAE",
        "/record/",
        "/record/teachers/new",
        "/record/enrolments/new",
        "/record/certificates/legacy",
        "/certificates/KAE-2024-0001",
        "/admin/accounts",
        "/admin/policy",
        "/imports/",
        "/teachers/due/print?status=overdue",
        "/teachers/due?district=Атлантида",
        "/programmes/new",
        "/providers/new",
        "/providers/KAE/certificates",
        "/admin/reference/",
        "/admin/reference/?list=subjects",
        "/admin/outbox",
        "/admin/views",
        "/needs/?status=all",
        "/needs/new",
        f"/record/teachers/{PIN}/transfer",
        f"/record/teachers/{PIN}/correction",
        f"/teachers/{PIN}/statement",
    ],
    "auditor": [
        "/audit/events",
        "/audit/compliance",
        "/audit/ledger",
        "/statistics",
        "/statistics/activity",
    ],
    "statistician": [
        "/statistics/teachers",
        "/statistics/activity?from=2025-01-01&to=2024-01-01",
        "/statistics?trend_region=KG-O",
        "/forecast?months=36",
    ],
    None: [
        "/",
        "/verify",
        "/open-data",
        "/sign-in",
        "/verify/KAE-2022-0007?code=x",
        "/verify/credential",
    ],
}
SHOWN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "aria-description"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


class _Visible(HTMLParser):
    """The text a reader sees or hears: text outside script/style and machine text, and
    the attributes screen readers read."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._open: list[str] = []  # the tags open since machine text began
        self._machine = 0  # how many of them began machine text

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        machine = tag in MACHINE_TEXT or "mono" in (attributes.get("class") or "").split()
        if not self._machine:
            self.parts.extend(v or "" for n, v in attrs if n in SHOWN_ATTRIBUTES)
            if tag == "input" and attributes.get("type") in ("submit", "button"):
                self.parts.append(attributes.get("value") or "")
        if tag in self.VOID:
            return
        if machine or self._machine:
            self._open.append(tag)
            self._machine += 1 if machine else 0
            if machine:
                self._open[-1] = f"!{tag}"

    def handle_endtag(self, tag):
        if not self._open or tag in self.VOID:
            return
        while self._open:
            top = self._open.pop()
            if top.startswith("!"):
                self._machine -= 1
            if top.lstrip("!") == tag:
                break

    def handle_data(self, data):
        if not self._machine:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def data_words(site) -> set[str]:
    """Latin words of what the registry holds: they are the data, not the page's words."""
    db = site[0].extensions["registry"].registry.db
    rows = []
    for sql in (
        "SELECT full_name, school, subject, position, district FROM teachers",
        "SELECT code, name FROM providers",
        "SELECT code, title, provider_code FROM programmes",
        "SELECT number, title, provider_code FROM certificate_index",
        # The reference lists' codes and English names (their page shows every name).
        "SELECT code, name_en FROM reference_entries",
    ):
        try:
            rows.extend(db.query(sql))
        except Exception:  # a table another version names differently: its words are data
            continue
    words = {w for row in rows for value in row if value for w in LATIN_WORD.findall(str(value))}
    return words | ACCOUNTS | {"Issued", "in", "error"}  # and the seeded revocation's reason


@pytest.mark.parametrize("lang", ["ky", "ru"])
@pytest.mark.parametrize("role", list(PAGES), ids=lambda r: r or "public")
def test_no_english_word_on_a_kyrgyz_or_russian_page(as_role, visitor, data_words, role, lang):
    browser = as_role(role) if role else visitor
    found = {}
    for path in PAGES[role]:
        sep = "&" if "?" in path else "?"
        response = browser.get(f"{path}{sep}lang={lang}")
        assert response.status_code in (200, 400, 404, 422), (path, response.status_code)
        words = set(LATIN_WORD.findall(visible_text(response.get_data(as_text=True))))
        codes = {w for w in words if w.isupper()}  # verification codes, region codes...
        allowed = {w for w in words if w.upper() in {a.upper() for a in ALLOWED}}
        english = sorted(words - allowed - data_words - codes)
        if english:
            found[path] = english
    assert found == {}, found


REVOKED = {"ky": "Жокко чыгарылган", "ru": "Аннулирован"}


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_a_score_reads_as_a_number_and_a_revoked_status_is_said_once(site, as_role, lang):
    """Two faults users met: scores shown as "85.0", and "Аннулирован аннулирован"."""
    from datetime import date

    from tests import builders

    registry = site[0].extensions["registry"].registry
    pin = "21505198599911" if lang == "ky" else "21505198599922"
    registry.register_teacher(builders.ADMIN, builders.teacher(pin=pin))
    prog = registry.register_programme(
        builders.ADMIN, builders.programme(code=f"SCORE-{lang}")
    ).data
    enrolment = registry.enrol(builders.ADMIN, prog["id"], pin).data
    registry.assess(
        builders.ADMIN, enrolment["id"], passed=True, score=85.0, assessed_on=date(2024, 3, 21)
    )
    number = f"KAE-SCORE-{lang}"
    registry.issue_certificate(
        builders.ADMIN, enrolment["id"], number=number, issued_on=date(2024, 3, 21)
    )
    registry.revoke_certificate(builders.ADMIN, number, reason="Issued in error")
    site[0].extensions["registry"].queries.wait_for(registry.max_position(), timeout=10)
    reader = as_role("commission")
    for path in (f"/teachers/{pin}?lang={lang}", f"/certificates/{number}?lang={lang}"):
        text = reader.text(path)
        assert "85.0" not in text and "85" in text, path
        words = re.sub(r"<[^>]+>", " ", text)
        said = REVOKED[lang]
        assert re.search(rf"{said}\W+{said}", words, re.I) is None, path  # said twice
        assert said.casefold() in words.casefold(), path
