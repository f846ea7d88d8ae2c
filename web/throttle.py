"""Throttled guessing: failed sign-ins, failed tokens and verification lookups (Flask-Limiter).

Sign-ins and verification lookups are limited by application-wide limits that pick their
requests by endpoint or path, so no view knows about them; every other request is let
through at once. Tokens are counted by `web.auth` as it checks one it has not cached,
so a valid token costs nothing here. The counters live in `Settings.rate_limit_storage`:
Redis in production, shared by every gunicorn worker; memory for `registry serve` and
`demo`. A failure is counted after its answer and the limits are checked before the next
attempt runs, so a throttled attempt costs neither a password hash nor a lookup. Keys
never depend on whether an account exists, so a 429 says nothing about accounts.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from registry.settings import THROTTLING, Settings
from web.errors import error_response, wants_json

log = logging.getLogger(__name__)

SIGN_IN_ENDPOINT = "signin.form"
VERIFY_PAGE = "/verify/"
VERIFY_API = "/api/v1/verify"
# Checking a whole credential (public, a signature each): counted as lookups are.
CREDENTIAL_CHECKS = ("/api/v1/credentials/verification", "/verify/credential")
# A Retry-After when the store cannot say when the window frees up.
FALLBACK_RETRY_AFTER_S = 60
# How long tokens are counted in memory after the store failed, before trying it again.
STORE_RETRY_S = 30


class ThrottledError(Exception):
    """Too many failures: refused before any work, to be retried after `retry_after` s."""

    def __init__(self, retry_after: int):
        super().__init__(f"throttled for {retry_after} s")
        self.retry_after = retry_after


def client_address() -> str:
    """The client's address; behind a proxy, as ProxyFix took it from X-Forwarded-For."""
    return request.remote_addr or "unknown"


def _account_name() -> str:
    # Names are lower-case (Account rules); an empty name still needs a key.
    return (request.form.get("name") or "").strip().lower()[:100] or "-"


def _signing_in() -> bool:
    return request.method == "POST" and request.endpoint == SIGN_IN_ENDPOINT


def _verifying() -> bool:
    """A lookup of a certificate by number and code (the page or the API), or a check of
    a submitted credential."""
    path = request.path
    if request.method == "POST" and path in CREDENTIAL_CHECKS:
        return True
    return "code" in request.args and (
        path == VERIFY_API or path.startswith((VERIFY_PAGE, VERIFY_API + "/"))
    )


def _refused(response: Response) -> bool:
    return response.status_code == 401


def _not_found(response: Response) -> bool:
    return response.status_code == 404


def _limit(
    value: str,
    scope: str,
    key: Callable[[], str],
    applies: Callable[[], bool],
    counts: Callable[[Response], bool] | None = None,
) -> ApplicationLimit:
    return ApplicationLimit(
        value, key_function=key, scope=scope, exempt_when=lambda: not applies(), deduct_when=counts
    )


def _limits(settings: Settings) -> list[str | Callable[[], str] | ApplicationLimit]:
    """The limits on sign-ins and verification lookups, each with its own counters."""
    return [
        # A person who mistypes is stopped only by their own failures from their own
        # address, or by the looser limit on the account as a whole.
        _limit(
            settings.auth_failures_per_account_address,
            "sign-in/account-address",
            lambda: f"{_account_name()}@{client_address()}",
            _signing_in,
            _refused,
        ),
        _limit(
            settings.auth_failures_per_account,
            "sign-in/account",
            _account_name,
            _signing_in,
            _refused,
        ),
        _limit(
            settings.auth_failures_per_address,
            "sign-in/address",
            client_address,
            _signing_in,
            _refused,
        ),
        _limit(settings.verify_lookups_per_address, "verify/address", client_address, _verifying),
        _limit(
            settings.verify_failures_per_address,
            "verify-failure/address",
            client_address,
            _verifying,
            _not_found,
        ),
    ]


class TokenThrottle:
    """Failed tokens per (account, address) and per address, on the limiter's store.

    No limit per account alone: a 256-bit secret cannot be guessed, and one would let
    anyone who knows an account's name lock its API client out.
    """

    def __init__(self, limiter: Limiter, settings: Settings, prefix: str):
        self.limiter = limiter
        self.prefix = prefix
        # While the store cannot be reached, count in this process's memory instead.
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self.store_down_until = 0.0
        self.limits = [
            (item, "token/account-address", True)
            for item in parse_many(settings.auth_failures_per_account_address)
        ]
        self.limits += [
            (item, "token/address", False)
            for item in parse_many(settings.auth_failures_per_address)
        ]

    def _keys(self, token: str) -> list[tuple[RateLimitItem, list[str]]]:
        address = client_address()
        # "<account id hex>.<secret>"; anything else counts under what it starts with.
        account = re.sub(r"[^0-9a-z]", "", token.partition(".")[0].lower())[:32] or "-"
        return [
            (item, [self.prefix, f"{account}@{address}" if per_account else address, scope])
            for item, scope, per_account in self.limits
        ]

    def _run(self, step: Callable[[RateLimiter], None]) -> None:
        if not self.limiter.enabled:  # RATELIMIT_ENABLED=False
            return
        if time.monotonic() >= self.store_down_until:
            try:
                return step(self.limiter.limiter)
            except ThrottledError:
                raise
            except Exception:
                log.warning(
                    "the throttle's store failed; counting tokens in memory for %s s",
                    STORE_RETRY_S,
                    exc_info=True,
                )
                self.store_down_until = time.monotonic() + STORE_RETRY_S
        step(self.fallback)

    def check(self, token: str) -> None:
        """Refuse (ThrottledError) before the lookup when the failures are over a limit."""

        def step(strategy: RateLimiter) -> None:
            for item, keys in self._keys(token):
                if not strategy.test(item, *keys):
                    reset = strategy.get_window_stats(item, *keys).reset_time
                    raise ThrottledError(max(1, math.ceil(reset - time.time())))

        self._run(step)

    def failed(self, token: str) -> None:
        """Count a token that was refused."""

        def step(strategy: RateLimiter) -> None:
            for item, keys in self._keys(token):
                strategy.hit(item, *keys)

        self._run(step)


def tokens() -> TokenThrottle:
    """This app's throttle of failed tokens."""
    return current_app.extensions["registry_token_throttle"]


def _check(settings: Settings) -> None:
    """Refuse a limit that is not in the `limits` notation when the app is built."""
    for name in THROTTLING:
        value = getattr(settings, name)
        if name == "rate_limit_storage":
            continue
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"REGISTRY_{name.upper()}={value!r} is not a rate limit such as '5/minute;20/hour'"
            ) from None


def _storage_options(uri: str) -> dict[str, str | int]:
    # A store that hangs must not hang sign-ins: fail fast (1 s), then count in memory.
    return (
        {"socket_timeout": 1, "socket_connect_timeout": 1}
        if uri.startswith(("redis://", "rediss://", "redis+unix://"))
        else {}
    )


def _retry_after(limiter: Limiter) -> int:
    """Seconds until the breached window lets one more attempt through."""
    try:
        breached = limiter.current_limit
        if breached is not None and breached.breached:
            return max(1, math.ceil(breached.window.reset_time - time.time()))
    except Exception:  # the store went away between the check and this answer
        log.warning("could not read the throttle's window", exc_info=True)
    return FALLBACK_RETRY_AFTER_S


def too_many_requests(error: RateLimitExceeded | ThrottledError) -> Response:
    """429 with Retry-After: JSON under /api, the error page elsewhere."""
    seconds = (
        error.retry_after
        if isinstance(error, ThrottledError)
        else _retry_after(current_app.extensions["registry_limiter"])
    )
    if wants_json():
        message = f"Too many attempts; try again in {seconds} seconds."
    else:
        message = _(
            "Too many attempts. Wait %(minutes)s min and try again.",
            minutes=max(1, round(seconds / 60)),
        )
    return error_response(429, "too_many_requests", message, headers={"Retry-After": str(seconds)})


def init_app(app: Flask, settings: Settings) -> None:
    """Check before any other request hook (authentication included)."""
    _check(settings)
    limiter = Limiter(
        client_address,
        app=app,
        application_limits=_limits(settings),
        strategy="moving-window",
        storage_uri=settings.rate_limit_storage,
        storage_options=_storage_options(settings.rate_limit_storage),
        # Redis unreachable: each process counts in its own memory until it is back.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=False,
    )
    # Every other request skips the library's work at once (~250 us when it resolves
    # each limit on each request).
    limiter.request_filter(lambda: not (_signing_in() or _verifying()))
    # ... and before it looks up the view's name and its limits (~0.1 ms a request, asked
    # before the filter): its hook runs only for the requests that the limits pick.
    hooks = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit
    if check in hooks:
        hooks[hooks.index(check)] = lambda: check() if _signing_in() or _verifying() else None
    app.extensions["registry_limiter"] = limiter
    app.extensions["registry_token_throttle"] = TokenThrottle(
        limiter, settings, app.config.get("RATELIMIT_KEY_PREFIX") or "registry"
    )
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.register_error_handler(ThrottledError, too_many_requests)
