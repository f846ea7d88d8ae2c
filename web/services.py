"""The registry, its queries and the views' follower, one set per web process.

Built lazily on first use, i.e. after a pre-forking server has forked its workers
(each `Application` on PostgreSQL opens its own connections).
"""

from __future__ import annotations

import hashlib
import hmac
import threading

from flask import Flask, current_app

from registry.application import Registry
from registry.bootstrap import open_registry, open_worker
from registry.projections.follower import Follower
from registry.queries import Queries
from registry.settings import Settings


class Services:
    """What a request handler needs from the registry."""

    def __init__(self, app: Flask, settings: Settings):
        self.flask_app = app
        self.settings = settings
        self._lock = threading.Lock()
        self._registry: Registry | None = None
        self._queries: Queries | None = None
        self.follower: Follower | None = None

    def _open(self) -> None:
        registry = open_registry(self.settings)
        if self.flask_app.config.get("REGISTRY_FOLLOW", True):
            # Several workers on PostgreSQL: one leads the catch-up, the others stand by.
            self.follower = Follower(registry, open_worker(registry),
                                     lead=registry.db.backend == "postgresql").start()
        self._queries = Queries(registry)
        self._registry = registry

    @property
    def registry(self) -> Registry:
        """The registry application (opened on first use in this process)."""
        if self._registry is None:
            with self._lock:
                if self._registry is None:
                    self._open()
        return self._registry  # type: ignore[return-value]

    @property
    def queries(self) -> Queries:
        """The read side over this process's registry."""
        self.registry  # noqa: B018  (opens everything)
        return self._queries  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the follower and close the connections (tests, shutdown)."""
        with self._lock:
            if self.follower is not None:
                self.follower.stop()
                self.follower = None
            if self._registry is not None:
                self._registry.close()
                self._registry = None
                self._queries = None


def init_app(app: Flask) -> None:
    """Attach the (lazy) services; derive the session key from the installation secret."""
    settings: Settings = app.config.get("REGISTRY_SETTINGS") or Settings.from_env()
    app.extensions["registry"] = Services(app, settings)
    if not app.config.get("SECRET_KEY"):
        # One secret per installation: sessions survive restarts and agree across workers.
        app.config["SECRET_KEY"] = hmac.new(settings.secret_key, b"web-session",
                                            hashlib.sha256).hexdigest()


def services() -> Services:
    """The current web process's services."""
    return current_app.extensions["registry"]
