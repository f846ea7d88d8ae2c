"""Werkzeug's URL builders, compiled once per test process instead of once per app.

For every route of every app, werkzeug writes two small functions (`Rule._compile_builder`)
and compiles them with `ast` and `compile`: 266 per app here, a third of what building an
app costs. The suite builds an app for nearly every HTTP test (over a thousand), with the
same routes each time. A builder of a route without defaults is made from the parsed rule
alone (the route calls its own converters through the `.self` argument), so the same
parsed rule gets the same function; routes with defaults are compiled as before.

Only the tests do this: a served app is built once per process.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing.rules import Rule

_compile = Rule._compile_builder
_built: dict[tuple[Any, ...], Any] = {}


def _memoised(self: Rule, append_unknown: bool = True):
    if self.defaults:
        return _compile(self, append_unknown)
    key = (self.rule, tuple(self._trace), append_unknown)
    builder = _built.get(key)
    if builder is None:
        builder = _built[key] = _compile(self, append_unknown)
    return builder


def install() -> None:
    """Memoise werkzeug's builders in this process (idempotent)."""
    Rule._compile_builder = _memoised  # type: ignore[method-assign]
