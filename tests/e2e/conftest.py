"""Fixtures of the page tests: a seeded registry behind the Flask test client, the same app
served on a real port, and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from registry.bootstrap import initialise
from tests import builders
from tests.conftest import make_settings

PASSWORD = "correct-horse-7"
PIN = builders.PIN  # Айгүл Асанова, Chüy, compliant
OVERDUE_PIN = builders.OTHER_PIN  # Бакыт Осмонов, Osh, overdue
DUPLICATE_PIN = "30107197700123"  # Нургүл Токтогулова, Bishkek, a lost original replaced
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Seeded:
    """What the seeded registry holds, for tests to refer to."""

    registry: Any
    certificate: dict[str, Any]
    duplicate: dict[str, Any]
    original: dict[str, Any]
    revoked: dict[str, Any]
    enrolment_id: str


def seed(registry) -> Seeded:
    """A small, realistic registry: two providers, three teachers, every role's account."""
    admin = builders.ADMIN
    registry.start_policy()
    builders.provider(registry, "KAE")
    registry.register_provider(
        admin, code="OSH-OI", name="Ош облустук институту", kind="oblast_institute", region="KG-O"
    )
    for name, role, provider, region in (
        ("admin", "admin", None, None),
        ("registrar", "registrar", "KAE", None),
        ("osh-registrar", "registrar", "OSH-OI", None),
        ("commission", "commission", None, "KG-C"),
        ("osh-commission", "commission", None, "KG-O"),
        ("auditor", "auditor", None, None),
        ("statistician", "statistician", None, None),
    ):
        registry.create_account(
            admin, name=name, role=role, provider_code=provider, region=region, password=PASSWORD
        )
    _, enrolment, certificate = builders.certified_teacher(registry)
    registry.register_teacher(
        admin,
        builders.teacher(
            pin=OVERDUE_PIN,
            full_name="Бакыт Осмонов",
            region="KG-O",
            district="Kara-Suu",
            school="School No. 12",
            subject="History",
            service_start=date(2005, 9, 1),
        ),
    )
    registry.register_teacher(
        admin,
        builders.teacher(
            pin=DUPLICATE_PIN,
            full_name="Нургүл Токтогулова",
            region="KG-GB",
            district="Leninsky",
            school="Gymnasium No. 5",
            subject="Physics",
            service_start=date(2001, 9, 1),
        ),
    )
    registry.record_legacy_certificate(
        admin,
        pin=OVERDUE_PIN,
        number="OSH-1998-77",
        provider_code="OSH-OI",
        title="Методика преподавания",
        form="seminar",
        hours=36,
        issued_on=date(2015, 5, 20),
    )
    _, _, original = builders.certified_teacher(
        registry,
        number="KAE-2023-0100",
        pin=DUPLICATE_PIN,
        issued_on=date(2023, 6, 30),
        code="PHYS-80",
        title="Modern physics teaching",
        hours=80,
        starts_on=date(2023, 6, 1),
        ends_on=date(2023, 6, 28),
    )
    duplicate = registry.issue_duplicate(
        admin, "KAE-2023-0100", number="KAE-2023-0100-D", issued_on=date(2024, 1, 15)
    ).data
    _, _, revoked = builders.certified_teacher(
        registry,
        number="KAE-2022-0007",
        pin=DUPLICATE_PIN,
        issued_on=date(2022, 4, 10),
        code="PHYS-SEM",
        title="Laboratory seminar",
        form="seminar",
        hours=24,
        assessment="test",
        starts_on=date(2022, 4, 1),
        ends_on=date(2022, 4, 8),
    )
    revoked = registry.revoke_certificate(admin, "KAE-2022-0007", reason="Issued in error").data
    return Seeded(
        registry=registry,
        certificate=certificate,
        duplicate=duplicate,
        original=original,
        revoked=revoked,
        enrolment_id=enrolment["id"],
    )


def build_site(tmp_path: Path):
    """The web app on a fresh SQLite file, seeded, with the views caught up."""
    from web import create_app

    settings = make_settings(f"sqlite:///{tmp_path / 'registry.db'}", tmp_path)
    initialise(settings)
    app = create_app(
        {"TESTING": True, "REGISTRY_SETTINGS": settings, "SECRET_KEY": "test-web-secret"}
    )
    services = app.extensions["registry"]
    seeded = seed(services.registry)
    services.queries.wait_for(services.registry.recorder.max_notification_id(), timeout=10)
    return app, seeded


class Browser:
    """A Flask test client that signs in like a person and reads forms' CSRF tokens."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, path: str, **kwargs: Any):
        return self.client.get(path, **kwargs)

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        match = CSRF.search(self.client.get(path).get_data(as_text=True))
        assert match, f"no form with a CSRF token on {path}"
        return match.group(1)

    def submit(self, path: str, data: dict[str, Any], **kwargs: Any):
        """Fill in and send the form on a page (as a browser would, token included)."""
        return self.client.post(path, data={"csrf_token": self.csrf(path), **data}, **kwargs)

    def sign_in(self, name: str, password: str = PASSWORD):
        return self.submit("/sign-in", {"name": name, "password": password})

    def text(self, path: str) -> str:
        return self.client.get(path).get_data(as_text=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The seeded app and what was seeded, shared by a module's tests (each test adds
    only records of its own, so the tests stay independent)."""
    app, seeded = build_site(tmp_path_factory.mktemp("site"))
    yield app, seeded
    app.extensions["registry"].close()


@pytest.fixture
def seeded(site) -> Seeded:
    return site[1]


@pytest.fixture
def last_position(site):
    """The global position of the last recorded event (to show that nothing was recorded)."""
    return lambda: site[0].extensions["registry"].registry.recorder.max_notification_id() or 0


@pytest.fixture
def visitor(site) -> Browser:
    """Someone who has not signed in."""
    return Browser(site[0])


@pytest.fixture(scope="module")
def _sessions() -> dict[str, str]:
    return {}


@pytest.fixture
def as_role(site, _sessions):
    """A signed-in browser for an account name (see `seed`); each account signs in once
    per module (password hashing is slow on purpose) and later browsers reuse its cookie."""

    def sign_in(name: str) -> Browser:
        browser = Browser(site[0])
        if name in _sessions:
            browser.client.set_cookie("session", _sessions[name])
            return browser
        response = browser.sign_in(name)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        _sessions[name] = browser.client.get_cookie("session").value
        return browser

    return sign_in


# -- a real server and a real browser ------------------------------------------------------


@pytest.fixture(scope="module")
def live_site(tmp_path_factory) -> Iterator[tuple[str, Seeded]]:
    """The seeded app served on a free port of 127.0.0.1 from a thread."""
    from werkzeug.serving import make_server

    app, seeded = build_site(tmp_path_factory.mktemp("live"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seeded
    server.shutdown()
    thread.join(5)
    app.extensions["registry"].close()


# Debian's "old headless shell" first: the same Blink and V8 without the full browser's
# hidden window, its GPU and utility processes; the browser tests spent about half the
# CPU (38 against 71 s for the 77 of them, serially) and their pages and PDFs are the
# same. The full browser serves when the shell cannot be had.
CHROMIUM_BINARIES = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
CHROMIUM_PACKAGES = ("chromium-headless-shell", "chromium")


def _chromium() -> str | None:
    for candidate in (
        *CHROMIUM_BINARIES,
        shutil.which("chromium-headless-shell") or "",
        shutil.which("chromium") or "",
        shutil.which("chromium-browser") or "",
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
        subprocess.run(
            command,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=900,
        )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium headless shell (else its full Chromium); when there is neither,
    installed from the package archive (root only). `.ci/run` installs the shell."""
    path = _chromium()
    can_install = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")
    for package in CHROMIUM_PACKAGES:  # the shell, else the full browser
        if path is not None or not can_install:
            break
        _apt_install(package)
        path = _chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI: apt-get install chromium-headless-shell")
        pytest.skip("no Chromium (apt-get install chromium-headless-shell)")
    return path


@pytest.fixture(scope="session")
def chromium(chromium_path):
    """A headless Chromium for the whole session."""
    if os.environ.get("CI") == "true":
        from playwright.sync_api import sync_playwright
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
        sync_playwright = sync_api.sync_playwright
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium, live_site):
    """A fresh browser tab (own cookies) that speaks Russian unless told otherwise."""
    context = chromium.new_context(
        locale="ru-RU",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
        base_url=live_site[0],
    )
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, name: str) -> None:
    """Sign in through the sign-in page, as a person would."""
    page.goto("/sign-in?lang=en")
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


@pytest.fixture(scope="module")
def _session_cookies(live_site) -> dict[str, dict[str, Any]]:
    """Each account's session cookie on the module's live site, once it has signed in."""
    return {}


@pytest.fixture(scope="module")
def enter_as(chromium, live_site, _session_cookies):
    """`enter_as(page, account)`: the tab's browser holds the account's session, as if it
    had signed in (None: no session, the public). Each account signs in through the
    sign-in page once per module, in a tab of its own; later tabs get its session cookie
    (the page tests that are about signing in still sign in through the form). Only the
    session cookie is given, never the language one: the tab stays where it was."""

    def enter(page, account: str | None) -> None:
        context = page.context
        context.clear_cookies(name="session")
        if account is None:
            return
        if account not in _session_cookies:
            own = chromium.new_context(base_url=live_site[0])
            try:
                own.set_default_timeout(15000)
                sign_in(own.new_page(), account)
                (cookie,) = (c for c in own.cookies() if c["name"] == "session")
            finally:
                own.close()
            _session_cookies[account] = cookie
        context.add_cookies([_session_cookies[account]])

    return enter


@pytest.fixture
def no_script_page(chromium, live_site):
    """A tab without JavaScript, as some people's machines have it: the pages must work
    without it."""
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}, base_url=live_site[0]
    )
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()
