"""The registry, its queries and the views' follower, one set per web process.

Built after a pre-forking server has forked its workers (each `Application` on
PostgreSQL opens its own connections): by the server as each worker starts
(`open`, from gunicorn's post_worker_init), so the follower catches up on events
written while the server was down before any request arrives; otherwise on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sys
import threading

from flask import Flask, current_app

from registry.application import Registry
from registry.bootstrap import open_registry, open_worker
from registry.jobs import Jobs
from registry.projections.follower import Follower
from registry.queries import Queries
from registry.settings import Settings
from registry.storage import NotAStandbyError

log = logging.getLogger(__name__)
WORKER_BOOT_ERROR = 3  # gunicorn's Arbiter.WORKER_BOOT_ERROR: the master halts


class Services:
    """What a request handler needs from the registry."""

    def __init__(self, app: Flask, settings: Settings):
        self.flask_app = app
        self.settings = settings
        self._lock = threading.Lock()
        self._registry: Registry | None = None
        self._queries: Queries | None = None
        self._jobs: Jobs | None = None
        self.follower: Follower | None = None
        # Waits for min_position allowed at once (None: the setting); a server gives
        # at most half its threads (`open_in_worker`), the others stay for plain reads.
        self.max_waits: int | None = None

    def _open(self) -> None:
        registry = open_registry(self.settings)
        if self.flask_app.config.get("REGISTRY_FOLLOW", True):
            # Several workers on PostgreSQL: one leads the catch-up, the others stand by.
            self.follower = Follower(
                registry, open_worker(registry), lead=not registry.db.embedded
            ).start()
        self._queries = Queries(registry, max_waits=self.max_waits)
        self._jobs = Jobs(registry.db)
        self._registry = registry

    def open(self) -> Services:
        """Open the registry now and start the follower (a worker's start)."""
        self.registry  # noqa: B018  (opens everything)
        return self

    @property
    def registry(self) -> Registry:
        """The registry application (opened on first use in this process)."""
        if self._registry is None:
            with self._lock:
                if self._registry is None:
                    self._open()
        return self._registry  # type: ignore[return-value]  # set by _open() above

    @property
    def queries(self) -> Queries:
        """The read side over this process's registry."""
        self.registry  # noqa: B018  (opens everything)
        return self._queries  # type: ignore[return-value]  # set with the registry just above

    @property
    def jobs(self) -> Jobs:
        """Background work in this process's threads, seen by every process (registry.jobs)."""
        self.registry  # noqa: B018  (opens everything)
        return self._jobs  # type: ignore[return-value]  # set with the registry just above

    def close(self) -> None:
        """Stop the background jobs and the follower, close the connections (tests, shutdown)."""
        with self._lock:
            if self._jobs is not None:
                self._jobs.stop()
                self._jobs = None
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
        app.config["SECRET_KEY"] = hmac.new(
            settings.secret_key, b"web-session", hashlib.sha256
        ).hexdigest()


def open_in_worker(worker) -> None:
    """gunicorn's post_worker_init: open the worker's registry and start its follower now,
    so the views catch up at start rather than on the first request, and compute the
    public tables once they have (`Queries.warm`, in the background). A failure (the database not answering yet) is
    logged; the first request tries again."""
    app = getattr(worker, "wsgi", None)
    found = getattr(app, "extensions", {}).get("registry") if app is not None else None
    if found is None:
        return
    threads = int(getattr(getattr(worker, "cfg", None), "threads", 0) or 0)
    if threads:
        found.max_waits = min(found.settings.max_waiting_reads, max(1, threads // 2))
    try:
        found.open()
    except NotAStandbyError as error:
        # Reads from it would be wrong: no answers at all. gunicorn stops the whole server
        # when a worker exits with WORKER_BOOT_ERROR (its master checked at start too).
        log.critical("the worker will not serve: %s [%s]", error.message, error.code)
        sys.exit(WORKER_BOOT_ERROR)
    except Exception:
        log.exception(
            "could not open the registry as the worker started; the first request will try again"
        )
        return
    threading.Thread(target=_warm, args=(found,), name="warm-answers", daemon=True).start()


def _warm(found: Services) -> None:
    """Compute the public tables once the views have caught up (in the background: the
    worker serves meanwhile, and a reader who comes first computes them instead)."""
    try:
        found.queries.warm()
    except Exception:
        log.warning("could not compute the public tables as the worker started", exc_info=True)


def services() -> Services:
    """The current web process's services."""
    return current_app.extensions["registry"]
