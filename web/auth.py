"""Who is asking: a bearer token (API) or a signed-in session (pages), as an `Actor`.

Who may do what is `registry.access`'s table, asked here before any read waits for the
views; the commands and the queries ask it again with the same actor, so a mistake here
can refuse too much but never allow what the registry forbids.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import g, has_request_context, request, session

from registry import access
from registry.access import Actor
from registry.domain.account import Account
from registry.domain.errors import NotAuthenticatedError
from web import throttle
from web.services import services

SESSION_KEY = "account_id"

# A token (or a session's account) is checked against the account's event stream;
# caching the answer for a few seconds keeps reads fast while a disabled account or a
# rotated token stops working within the TTL.
_TOKEN_TTL_S = 5.0
_token_cache: dict[str, tuple[float, Account]] = {}
_token_lock = threading.Lock()


def actor_for(account: Account, via: str) -> Actor:
    """The actor an account acts as."""
    return Actor(
        name=account.name,
        role=account.role,
        account_id=str(account.id),
        provider_code=account.provider_code,
        region=account.region,
        via=via,
    )


def _cached(key: str, load) -> Account:
    now = time.monotonic()
    with _token_lock:
        cached = _token_cache.get(key)
    if cached and now - cached[0] < _TOKEN_TTL_S:
        return cached[1]
    account = load()
    with _token_lock:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[key] = (now, account)
    return account


def _account_for_token(token: str) -> Account:
    def load() -> Account:
        # Only a token not seen valid in the last seconds is throttled and counted.
        throttle.tokens().check(token)
        try:
            return services().registry.authenticate_token(token)
        except NotAuthenticatedError:
            throttle.tokens().failed(token)
            raise

    return _cached(f"token:{token}", load)


def _from_bearer() -> Actor | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticatedError(
            "Send the token as 'Authorization: Bearer <token>'.", code="invalid_authorization"
        )
    return actor_for(_account_for_token(token.strip()), "api")


def _from_session() -> Actor | None:
    account_id = session.get(SESSION_KEY)
    if not account_id:
        return None

    def load():
        return services().queries.account(str(account_id))

    account = _cached(f"account:{account_id}", load)
    if not isinstance(account, Account) or account.disabled:
        session.pop(SESSION_KEY, None)
        return None
    return actor_for(account, "web")


def current_actor() -> Actor | None:
    """The signed-in actor of this request (token first, then session), or None."""
    if not has_request_context():
        return None
    if "registry_actor" not in g:
        g.registry_actor = _from_bearer() or _from_session()
    return g.registry_actor


def require_actor(permission: str | None = None, *, provider: str | None = None) -> Actor:
    """The actor, who must be signed in and (if named) hold the permission, for that
    provider if one is named (`registry.access.require`)."""
    actor = current_actor()
    if actor is None:
        raise NotAuthenticatedError(
            "Sign in, or send 'Authorization: Bearer <token>'.", code="not_authenticated"
        )
    return actor if permission is None else access.require(actor, permission, provider=provider)


def describe(actor: Actor) -> dict[str, Any]:
    """The actor as shown by GET /me."""
    return {
        "name": actor.name,
        "role": actor.role,
        "account_id": actor.account_id,
        "provider_code": actor.provider_code,
        "region": actor.region,
        "via": actor.via,
    }
