"""Who is looking at a page, and whether they may open it.

The signed-in account is the Flask session's "account_id", resolved by `web.auth` (which
also accepts an API bearer token); what each role may open is `registry.access`'s table,
the same one the API asks. These helpers add what pages need: sign-in and sign-out, and a
redirect to the sign-in page instead of a 401.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, g, redirect, request, session, url_for

from registry import access
from registry.access import Actor
from registry.domain.account import Account
from registry.domain.errors import RegistryError
from web import auth

SESSION_KEY = auth.SESSION_KEY


def current_actor() -> Actor | None:
    """The signed-in actor of this request, or None for the public."""
    try:
        return auth.current_actor()
    except RegistryError:  # a bad bearer token on a page: treat the visitor as the public
        g.registry_actor = None
        return None


def sign_in(account: Account) -> None:
    """Start a fresh session for the account (a new session, against fixation)."""
    session.clear()
    session[SESSION_KEY] = str(account.id)
    session.permanent = True
    g.pop("registry_actor", None)


def sign_out() -> None:
    """End the session."""
    session.clear()
    g.pop("registry_actor", None)


bound_provider = access.bound_provider  # the provider a registrar records and reads for
bound_region = access.bound_region  # the region a bound commission member reads


def may(permission: str, provider: str | None = None) -> bool:
    """Whether the visitor holds the permission (for that provider, if one is named)."""
    return access.may(current_actor(), permission, provider=provider)


def require_actor(permission: str | None = None, provider: str | None = None) -> Actor:
    """The signed-in actor, holding the permission if one is named (for that provider, if
    one is named): else to sign-in (the public) or 403."""
    actor = current_actor()
    if actor is None:
        abort(redirect(url_for("signin.form", next=request.full_path.rstrip("?"))))
    if permission is not None and not access.may(actor, permission, provider=provider):
        abort(403)
    return actor


def permission_required(permission: str | None = None) -> Callable:
    """Decorator: the view needs this permission (any signed-in visitor if None)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_actor(permission)
            return view(*args, **kwargs)

        return wrapper

    return decorate
