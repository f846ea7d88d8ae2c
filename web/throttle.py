"""Throttled guessing: failed sign-ins, failed tokens and verification lookups (Flask-Limiter).

Each limit is an application-wide limit that picks its requests by endpoint or path, so
no view knows about it. The counters live in `Settings.rate_limit_storage`: Redis in
production, shared by every gunicorn worker; in memory for `registry serve` and `demo`.
A failure is counted after its answer and every limit is checked before the request
runs, so a throttled attempt costs neither a password hash nor a lookup. Keys never
depend on whether an account exists, so a 429 says nothing about accounts either.
"""

from __future__ import annotations

import logging
import math
import re
import time
from typing import Callable

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import parse_many

from registry.settings import THROTTLING, Settings
from web.errors import error_response, wants_json

log = logging.getLogger(__name__)

SIGN_IN_ENDPOINT = "signin.form"
VERIFY_PAGE = "/verify/"
VERIFY_API = "/api/v1/verify"
# A Retry-After when the store cannot say when the window frees up.
FALLBACK_RETRY_AFTER_S = 60


def client_address() -> str:
    """The client's address; behind a proxy, as ProxyFix took it from X-Forwarded-For."""
    return request.remote_addr or "unknown"


def _account_name() -> str:
    # Names are lower-case (Account rules); an empty name still needs a key.
    return (request.form.get("name") or "").strip().lower()[:100] or "-"


def _token_account() -> str:
    # A token is "<account id hex>.<secret>"; anything else counts under what it starts with.
    _, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return re.sub(r"[^0-9a-z]", "", token.partition(".")[0].lower())[:32] or "-"


def _signing_in() -> bool:
    return request.method == "POST" and request.endpoint == SIGN_IN_ENDPOINT


def _with_token() -> bool:
    return "Authorization" in request.headers


def _verifying() -> bool:
    """A lookup of a certificate by number and code (the page or the API)."""
    path = request.path
    return "code" in request.args and (
        path.startswith(VERIFY_PAGE) or path == VERIFY_API or path.startswith(VERIFY_API + "/"))


def _refused(response: Response) -> bool:
    return response.status_code == 401


def _not_found(response: Response) -> bool:
    return response.status_code == 404


def _limit(value: str, scope: str, key: Callable[[], str], applies: Callable[[], bool],
           counts: Callable[[Response], bool] | None = None) -> ApplicationLimit:
    return ApplicationLimit(value, key_function=key, scope=scope,
                            exempt_when=lambda: not applies(), deduct_when=counts)


def _limits(settings: Settings) -> list[ApplicationLimit]:
    """Every throttle, each with its own counters (scope)."""
    per_account_address = settings.auth_failures_per_account_address
    per_address = settings.auth_failures_per_address
    return [
        # A person who mistypes is stopped only by their own failures from their own
        # address, or by the looser limit on the account as a whole.
        _limit(per_account_address, "sign-in/account-address",
               lambda: f"{_account_name()}@{client_address()}", _signing_in, _refused),
        _limit(settings.auth_failures_per_account, "sign-in/account", _account_name,
               _signing_in, _refused),
        _limit(per_address, "sign-in/address", client_address, _signing_in, _refused),
        # No limit per account alone for tokens: a 256-bit secret cannot be guessed, and
        # one would let anyone who knows an account's name lock its integration out.
        _limit(per_account_address, "token/account-address",
               lambda: f"{_token_account()}@{client_address()}", _with_token, _refused),
        _limit(per_address, "token/address", client_address, _with_token, _refused),
        _limit(settings.verify_lookups_per_address, "verify/address", client_address,
               _verifying),
        _limit(settings.verify_failures_per_address, "verify-failure/address",
               client_address, _verifying, _not_found),
    ]


def _check(settings: Settings) -> None:
    """Refuse a limit that is not in the `limits` notation when the app is built."""
    for name in THROTTLING:
        value = getattr(settings, name)
        if name == "rate_limit_storage":
            continue
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"REGISTRY_{name.upper()}={value!r} is not a rate limit such "
                             "as '5/minute;20/hour'") from None


def _storage_options(uri: str) -> dict[str, float]:
    # A store that hangs must not hang sign-ins: fail fast, then count in memory.
    return {"socket_timeout": 1.0, "socket_connect_timeout": 1.0} \
        if uri.startswith(("redis://", "rediss://", "redis+unix://")) else {}


def retry_after(limiter: Limiter) -> int:
    """Seconds until the breached window lets one more attempt through."""
    breached = limiter.current_limit
    try:
        if breached is not None:
            return max(1, math.ceil(breached.window.reset_time - time.time()))
    except Exception:  # the store went away between the check and this answer
        log.warning("could not read the throttle's window", exc_info=True)
    return FALLBACK_RETRY_AFTER_S


def too_many_requests(error: RateLimitExceeded) -> Response:
    """429 with Retry-After: JSON under /api, the error page elsewhere."""
    seconds = retry_after(current_app.extensions["registry_limiter"])
    if wants_json():
        message = f"Too many attempts; try again in {seconds} seconds."
    else:
        message = _("Too many attempts. Wait %(minutes)s min and try again.",
                    minutes=max(1, round(seconds / 60)))
    return error_response(429, "too_many_requests", message,
                          headers={"Retry-After": str(seconds)})


def init_app(app: Flask, settings: Settings) -> None:
    """Count and check before any other request hook (authentication included)."""
    _check(settings)
    limiter = Limiter(
        client_address, app=app, application_limits=_limits(settings),
        strategy="moving-window", storage_uri=settings.rate_limit_storage,
        storage_options=_storage_options(settings.rate_limit_storage),
        # Redis unreachable: each process counts in its own memory until it is back.
        in_memory_fallback_enabled=True, swallow_errors=True, headers_enabled=False)
    app.extensions["registry_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
