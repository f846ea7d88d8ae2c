"""Browser protections on every answer: a Content-Security-Policy without inline script,
no framing, no referrer to other sites, no content sniffing, and HSTS over TLS.

Scripts and styles come from this server only: /static, and Swagger UI's files at
/api/v1/docs/assets (it sets styles through the DOM, which the policy allows). Inline
<style> elements (the charts' SVG) carry the request's nonce; style attributes and
inline scripts are never allowed, on any page.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g

_COMMON = (
    "default-src 'self'",
    "script-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def csp_nonce() -> str:
    """This request's nonce for an inline <style> element (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def policy() -> str:
    """The Content-Security-Policy of this request's answer."""
    if "csp_nonce" in g:
        styles = f"style-src 'self' 'nonce-{g.csp_nonce}'"
    else:
        styles = "style-src 'self'"
    return "; ".join((*_COMMON, styles))


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for older browsers
    # Verification links carry a code in the query: keep it off other sites' logs.
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("TLS"):
        max_age = current_app.config["HSTS_MAX_AGE"]
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every answer; templates may ask for the nonce."""
    if app.config.get("TLS"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
