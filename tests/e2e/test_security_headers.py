"""Browser protections: a Content-Security-Policy without inline script on every answer,
no framing, no referrer to other sites, no sniffing; over TLS a Secure session cookie and
HSTS. A real Chromium shows that the pages, their charts and Swagger UI work under it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PASSWORD, PIN, sign_in

PAGES = {
    "/": None,
    "/sign-in": None,
    "/verify": None,
    "/open-data": None,
    "/statistics": "statistician",
    "/statistics/activity": "statistician",
    "/providers/KAE": "registrar",
    f"/teachers/{PIN}": "commission",
    f"/teachers/{PIN}/statement": "commission",
}
CHARTS = ("/statistics", "/statistics/activity", "/providers/KAE")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def fetch(site, as_role, path: str, role: str | None):
    browser = as_role(role) if role else site[0].test_client()
    return browser.get(path)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_served_under_a_policy_it_keeps(site, as_role, path):
    response = fetch(site, as_role, path, PAGES[path])
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    page = response.get_data(as_text=True)
    assert INLINE_SCRIPT.findall(page) == []
    assert HANDLER.findall(page) == []
    assert STYLE_ATTRIBUTE.findall(page) == []
    styles = re.findall(r"<style[^>]*>", page)
    if path in CHARTS:  # pygal's SVG styles: allowed by this answer's nonce only
        nonce = re.search(r"'nonce-([^']+)'", policy["style-src"]).group(1)
        assert styles and all(f'nonce="{nonce}"' in tag for tag in styles)
    else:
        assert styles == [] and policy["style-src"] == "style-src 'self'"


def test_a_chart_page_gets_a_fresh_nonce_for_its_styles_on_each_request(as_role):
    statistician = as_role("statistician")
    first, second = statistician.get("/statistics"), statistician.get("/statistics")
    nonces = [
        re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
        for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    assert f'<style nonce="{nonces[1]}"' in second.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/", "/api/v1/open-data/compliance", "/api/v1/nowhere", "/static/site.css"]
)
def test_pages_api_answers_errors_and_files_carry_the_same_protections(visitor, path):
    response = visitor.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert directives(response)["frame-ancestors"] == "frame-ancestors 'none'"


def test_the_api_docs_run_swagger_ui_from_this_server_without_inline_script(visitor):
    response = visitor.get("/api/v1/docs")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert INLINE_SCRIPT.findall(page) == [] and HANDLER.findall(page) == []
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    assert sources and all(s.startswith(("/api/v1/docs/assets/", "/static/")) for s in sources)
    assert 'data-spec-url="/api/v1/openapi.json"' in page
    policy = directives(response)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"  # no looser policy for the docs
    assert visitor.get("/static/swagger-init.js").status_code == 200


def sign_in_cookie(app) -> str:
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in", data={"csrf_token": token, "name": "auditor", "password": PASSWORD}
    )
    assert response.status_code == 302
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_over_tls_the_session_cookie_is_secure_and_browsers_are_told_to_keep_to_https(site):
    app = site[0]
    app.config.update(TLS=True, SESSION_COOKIE_SECURE=True)  # what REGISTRY_TLS=1 sets
    try:
        cookie = sign_in_cookie(app)
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
        hsts = app.test_client().get("/").headers["Strict-Transport-Security"]
        assert hsts == "max-age=31536000; includeSubDomains"
    finally:
        app.config.update(TLS=False, SESSION_COOKIE_SECURE=False)


def test_without_tls_the_cookie_works_over_plain_http_and_no_hsts_is_sent(site):
    assert "; Secure" not in sign_in_cookie(site[0])
    assert "Strict-Transport-Security" not in site[0].test_client().get("/").headers


def test_registry_tls_turns_both_on_when_the_app_is_built(monkeypatch, settings):
    import importlib

    from web import config, create_app

    monkeypatch.setenv("REGISTRY_TLS", "1")
    try:
        importlib.reload(config)
        app = create_app({"TESTING": True, "REGISTRY_SETTINGS": settings})
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert "Strict-Transport-Security" in app.test_client().get("/sign-in").headers
        app.extensions["registry"].close()
    finally:
        monkeypatch.delenv("REGISTRY_TLS")
        importlib.reload(config)


# -- in a real browser ------------------------------------------------------------------

REPORT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


def watched(page) -> list[str]:
    """Collect the policy's complaints in the console and as DOM events."""
    complaints: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(REPORT_VIOLATIONS)
    return complaints


@pytest.mark.browser
def test_the_charts_keep_their_colours_under_the_policy(page):
    complaints = watched(page)
    sign_in(page, "statistician")
    page.goto("/statistics?lang=en")
    line = page.locator(".trend-chart svg g.series path.line").first
    line.wait_for(state="attached")  # a flat trend is a line with no height
    stroke = line.evaluate("e => getComputedStyle(e).stroke")
    assert stroke == "rgb(27, 127, 59)"  # the nonce'd chart style applied: the palette's green
    assert page.evaluate("window.__violations") == [] and complaints == []


@pytest.mark.browser
def test_the_statements_print_button_works_from_a_static_script(page):
    complaints = watched(page)
    page.add_init_script("window.print = () => { window.__printed = true; };")
    sign_in(page, "commission")
    page.goto(f"/teachers/{PIN}/statement?lang=en")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed") is True
    assert page.evaluate("window.__violations") == [] and complaints == []


@pytest.mark.browser
def test_swagger_ui_draws_the_api_and_tries_a_request_under_the_policy(page):
    complaints = watched(page)
    page.goto("/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    public_read = page.locator(".opblock-summary").filter(has_text="/open-data/compliance")
    public_read.first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.locator(".live-responses-table tr.response .response-col_status").first.wait_for()
    assert (
        page.locator(".live-responses-table tr.response .response-col_status")
        .first.inner_text()
        .strip()
        == "200"
    )
    assert page.evaluate("window.__violations") == [] and complaints == []
