"""Kyrgyz, Russian and English: the reader's choice sticks, dates and numbers follow it, and
the catalogues are complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.e2e.conftest import PIN

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"


def test_the_lang_parameter_switches_the_language_and_is_remembered(visitor):
    first = visitor.get("/?lang=ky")
    assert 'lang="ky"' in first.get_data(as_text=True)
    assert "Сертификатты текшерүү" in first.get_data(as_text=True)
    assert "lang=ky" in first.headers["Set-Cookie"]
    assert 'lang="ky"' in visitor.text("/verify")  # no parameter: the cookie decides


def test_the_browsers_language_is_used_when_none_was_chosen(site):
    client = site[0].test_client()
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Verify a certificate" in page
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="ru"' in page and "Проверить сертификат" in page


def test_an_unknown_language_falls_back_without_an_error(visitor):
    response = visitor.get("/?lang=xx")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/", "/verify", "/open-data", "/sign-in"])
def test_every_page_offers_the_three_languages_keeping_its_address(visitor, path):
    page = visitor.text(path + "?lang=en")
    for code, name in (("ky", "Кыргызча"), ("ru", "Русский"), ("en", "English")):
        assert re.search(rf'href="{re.escape(path)}\?lang={code}"[^>]*>{name}</a>', page)


def test_the_switch_keeps_the_query_of_the_page(as_role):
    page = as_role("auditor").text(f"/teachers/{PIN}?as_of=2025-01-01&lang=en")
    assert f'href="/teachers/{PIN}?as_of=2025-01-01&amp;lang=ky"' in page


@pytest.mark.parametrize(
    "lang, written", [("ru", "21 марта 2029"), ("en", "March 21, 2029"), ("ky", "2029-ж., 21-март")]
)
def test_dates_are_written_the_readers_way(as_role, lang, written):
    assert written in as_role("auditor").text(f"/teachers/{PIN}?lang={lang}")


def test_region_names_follow_the_language(as_role):
    auditor = as_role("auditor")
    assert "Чүй облусу" in auditor.text(f"/teachers/{PIN}?lang=ky")
    assert "Чуйская область" in auditor.text(f"/teachers/{PIN}?lang=ru")


def _translated(message) -> bool:
    """Whether a catalogue entry has its translation (every plural form of a plural one)."""
    if message is None or message.fuzzy:
        return False
    forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(forms) and all(forms)


def _plain(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("locale", ["ky", "ru"])
def test_every_message_is_translated(locale):
    """Every entry of the template, and every entry of the catalogue itself, has its
    translation (plural entries: every form the language has); the catalogue keeps
    nothing the template lost."""
    catalog = read_po((TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb"))
    template = read_po((TRANSLATIONS / "messages.pot").open("rb"))
    missing = [m.id for m in template if m.id and not _translated(catalog.get(m.id))]
    assert missing == []
    stale = [m.id for m in catalog if m.id and template.get(m.id) is None]
    assert stale == [], "entries no page uses any more: run pybabel update"
    untranslated = [m.id for m in catalog if m.id and not _translated(m)]
    assert untranslated == []
    plural = [m for m in catalog if m.pluralizable]
    assert plural and all(len(m.string) == catalog.num_plurals for m in plural)
    assert [str(e) for _, errors in catalog.check() for e in errors] == []


@pytest.mark.parametrize("locale", ["ky", "ru", "en"])
def test_the_compiled_catalogues_match_their_sources(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    # (The compiler writes an untranslated plural entry as its English forms: skipped.)
    source = {
        _plain(m.id): _plain(m.string)
        for m in read_po((folder / "messages.po").open("rb"))
        if m.id and _translated(m) and _plain(m.string) != _plain(m.id)
    }
    compiled = {
        _plain(m.id): _plain(m.string)
        for m in read_mo((folder / "messages.mo").open("rb"))
        if m.id and _translated(m) and _plain(m.string) != _plain(m.id)
    }
    assert compiled == source, "run: pybabel compile -d web/translations"


def test_the_template_lists_every_message_in_the_code(tmp_path):
    """`pybabel extract` finds nothing new (so no page shows an untranslated sentence)."""
    import subprocess
    import sys

    root = TRANSLATIONS.parents[1]
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(root / "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(fresh),
            str(root / "web"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    found = {m.id for m in read_po(fresh.open("rb")) if m.id}
    known = {m.id for m in read_po((TRANSLATIONS / "messages.pot").open("rb")) if m.id}
    assert found, "the extractor found no messages"
    assert sorted(found - known, key=str) == [], "run the extraction and translate them"
