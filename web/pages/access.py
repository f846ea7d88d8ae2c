"""Who is looking at a page, and which pages each role may open.

The signed-in account is the Flask session's "account_id", resolved by `web.auth` (which
also accepts an API bearer token); these helpers add what pages need: sign-in and
sign-out, and a redirect to the sign-in page instead of a 401.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from flask import abort, g, redirect, request, session, url_for

from registry.commands.base import Actor
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


def role() -> str | None:
    """The role of the signed-in actor, or None."""
    actor = current_actor()
    return actor.role if actor else None


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


def require_actor(*roles: str) -> Actor:
    """The actor, if their role is one of `roles`: else to sign-in (public) or 403."""
    actor = current_actor()
    if actor is None:
        abort(redirect(url_for("signin.form", next=request.full_path.rstrip("?"))))
    if roles and actor.role not in roles:
        abort(403)
    return actor


def roles_required(*roles: str) -> Callable:
    """Decorator: the view is for these roles only (any signed-in role if none given)."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_actor(*roles)
            return view(*args, **kwargs)
        wrapper.roles = roles  # type: ignore[attr-defined]
        return wrapper
    return decorate


# Who may open which part of the site; the navigation and the views both read this.
READ_TEACHERS = ("admin", "registrar", "commission", "auditor")
WRITE = ("admin", "registrar")
READ_WORKLOAD = ("admin", "registrar", "auditor", "statistician")
READ_STATISTICS = ("admin", "auditor", "statistician")
AUDIT = ("auditor",)
ADMIN = ("admin",)
