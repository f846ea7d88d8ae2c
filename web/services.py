"""The registry, its queries and the views' follower, one set per web process.

Built lazily on first use, i.e. after a pre-forking server has forked its workers
(each `Application` on PostgreSQL opens its own connections).
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from registry.application import Registry
from registry.bootstrap import open_registry, open_worker
from registry.projections.follower import Follower
from registry.queries import Queries
from registry.settings import Settings


class Services:
    """What a request handler needs from the registry."""

    def __init__(self, app: Flask):
        self.flask_app = app
        self._lock = threading.Lock()
        self._registry: Registry | None = None
        self._queries: Queries | None = None
        self.follower: Follower | None = None

    def _open(self) -> None:
        settings: Settings = self.flask_app.config.get("REGISTRY_SETTINGS") or Settings.from_env()
        registry = open_registry(settings)
        if self.flask_app.config.get("REGISTRY_FOLLOW", True):
            self.follower = Follower(registry, open_worker(registry)).start()
        self._queries = Queries(registry)
        self._registry = registry

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            with self._lock:
                if self._registry is None:
                    self._open()
        return self._registry  # type: ignore[return-value]

    @property
    def queries(self) -> Queries:
        self.registry  # noqa: B018  (opens everything)
        return self._queries  # type: ignore[return-value]

    def close(self) -> None:
        if self.follower is not None:
            self.follower.stop()
        if self._registry is not None:
            self._registry.close()


def init_app(app: Flask) -> None:
    app.extensions["registry"] = Services(app)


def services() -> Services:
    """The current web process's services."""
    return current_app.extensions["registry"]
