"""The web application's Flask class: Flask less two costs every request paid for nothing.

- Flask asks `inspect` whether each hook and view layer it calls is a coroutine (25 times
  for a compliance read); a function's answer never changes, so each is asked once.
- Flask's cookie sessions make a signer for every request before looking for the cookie;
  a request without one (every API call with a token) gets its empty session without it.

Measured in one process on PostgreSQL (benchmarks/bench_http.py's compliance read): the
two were a tenth of the Python time of a read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

_KNOWN_LIMIT = 10_000  # functions remembered (per-request callbacks must not grow it forever)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with no signer made for a request without a cookie."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # what Flask answers then, after making a signer
        return super().open_session(app, request)


class RegistryFlask(Flask):
    """Flask, remembering which functions are plain (not coroutines)."""

    session_interface = CookieSessions()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: set[Any] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        target = getattr(func, "__func__", func)  # a bound method: its function
        try:
            if target in self._plain:
                return func
        except TypeError:  # unhashable: asked every time
            return super().ensure_sync(func)
        found = super().ensure_sync(func)
        if found is func:
            if len(self._plain) >= _KNOWN_LIMIT:
                self._plain.clear()
            self._plain.add(target)
        return found
