"""The composition root: settings in, a ready `Registry` (and its views) out."""

from __future__ import annotations

from registry.application import Registry
from registry.projections.catalogue import build_views
from registry.projections.worker import ProjectionWorker
from registry.schema import initialise, is_initialised
from registry.settings import Settings


def open_registry(settings: Settings | None = None, *, database_url: str | None = None,
                  auto_init: bool | None = None) -> Registry:
    """Open the registry; the embedded SQLite database is created on first use.

    PostgreSQL is initialised explicitly (`registry init`) unless `auto_init` says so.
    """
    settings = settings or Settings.from_env(database_url=database_url)
    if auto_init is None:
        auto_init = settings.database.backend == "sqlite"
    if auto_init and not is_initialised(settings):
        initialise(settings)
    return Registry(settings)


def open_worker(app: Registry, names: list[str] | None = None) -> ProjectionWorker:
    """A worker over the application's views (all, or those named)."""
    return ProjectionWorker(app, build_views(app, names))
