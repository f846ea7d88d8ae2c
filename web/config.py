"""Web configuration; the registry's own settings come from `registry.settings`."""

from __future__ import annotations

import os
from datetime import timedelta


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() not in ("", "0", "false", "no")


class Config:
    """Defaults for every deployment."""

    SECRET_KEY = os.environ.get("REGISTRY_WEB_SECRET_KEY")  # else derived from the registry secret
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024  # imports are the largest bodies
    JSON_SORT_KEYS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Flask keeps sessions in the signed cookie and refuses one older than this, so a
    # copied cookie outlives a sign-out by at most a working day (Flask's default: 31 days).
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Served over TLS (infra/ sets REGISTRY_TLS=1 behind its TLS proxy): the session cookie
    # is sent over HTTPS only, and browsers are told to use nothing else (HSTS, for this
    # long). Off by default, so `registry serve` on plain http://localhost still signs in.
    TLS = _flag("REGISTRY_TLS")
    HSTS_MAX_AGE = 365 * 24 * 3600
    # Proxies in front of the app whose X-Forwarded-For/-Proto are believed (infra/: 1, its
    # TLS proxy). The client address that throttling counts by comes from them; 0 (direct
    # clients) ignores the headers, so no client can choose its address.
    PROXY_HOPS = int(os.environ.get("REGISTRY_PROXY_HOPS", "0"))
    # Throttling counters are named under this prefix in their store (web/throttle.py).
    RATELIMIT_KEY_PREFIX = "registry"
    API_TITLE = "Teacher qualification registry"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    # The OpenAPI paths and the docs page are configured by web.api (served offline).
    REGISTRY_SETTINGS = None  # a registry.settings.Settings; None: from the environment
    # Run the views' follower in this process; off where `registry projections run`
    # runs as its own service (infra/).
    REGISTRY_FOLLOW = os.environ.get("REGISTRY_FOLLOW", "1").lower() not in ("0", "false", "no")
    LANGUAGES = ("ky", "ru", "en")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bishkek"


class TestConfig(Config):
    """For the test suite: CSRF checks stay on; only the secret is fixed."""

    TESTING = True
    SECRET_KEY = "test-web-secret"
