"""Serving the web app with gunicorn from inside the `registry` command (serve, demo).

One process tree: a gunicorn master that never opens the registry, and workers that
open it after the fork, as each starts (`web.services`). On SQLite there is one worker with
threads (one writer at a time is what SQLite allows anyway) and the embedded follower;
on PostgreSQL several workers, whose followers elect one leader through an advisory lock.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from registry.bootstrap import check_read_database, initialise
from registry.settings import Settings
from registry.storage.schema import is_initialised
from web.services import open_in_worker


class EmbeddedServer(BaseApplication):
    """gunicorn, configured from a dict rather than a command line."""

    def __init__(self, make_app: Callable[[], Any], options: dict[str, Any]):
        self.make_app = make_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options dict to gunicorn's settings."""
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        """The WSGI app, built in the worker."""
        return self.make_app()


def _worker_exit(server, worker) -> None:
    """Stop the follower and close connections when a worker ends."""
    app = getattr(worker, "wsgi", None)
    services = getattr(app, "extensions", {}).get("registry") if app else None
    if services is not None:
        services.close()


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    threads: int = 8,
    follow: bool = True,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Initialise the database if needed, then serve until interrupted."""
    if not is_initialised(settings):
        initialise(settings)
    check_read_database(settings)  # a wrong standby: no server at all, and the reason
    sqlite = settings.database.embedded
    if workers is None:
        workers = 1 if sqlite else max(2, min(4, (os.cpu_count() or 2)))

    def make_app():
        from web import create_app

        return create_app({"REGISTRY_SETTINGS": settings, "REGISTRY_FOLLOW": follow})

    def when_ready(server) -> None:
        if on_ready is not None:
            on_ready()

    options = {
        "bind": f"{host}:{port}",
        "workers": 1 if sqlite else workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "worker_exit": _worker_exit,
        "when_ready": when_ready,
        "post_worker_init": open_in_worker,  # the views catch up before the first request
        "proc_name": "registry-web",
        "preload_app": False,
    }
    EmbeddedServer(make_app, options).run()
