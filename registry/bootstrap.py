"""The composition root: settings in, a ready `Registry` (and its views) out."""

from __future__ import annotations

import logging

from registry import ledger
from registry.application import Registry
from registry.projections.catalogue import build_views, create_view_tables
from registry.projections.worker import ProjectionWorker
from registry.settings import Settings
from registry.storage import locks, open_database, schema
from registry.storage.schema import is_initialised
from registry.storage.standby import verify_standby

log = logging.getLogger(__name__)


def initialise(settings: Settings, *, start_policy: bool = True) -> None:
    """Create everything the registry needs in its database (the event store, its
    append-only guards, the claims and jobs tables, the views' tables, the first policy,
    the credentials' signing key, sealed in the ledger); safe to run again, and by several
    processes at once.

    `start_policy=False` leaves the event store empty (replay copies a log into it).
    """
    db = open_database(settings.database, pool_size=2)
    try:
        schema.create_named_schema(db)
        with db.advisory_lock(locks.INIT):
            app = Registry(settings, create_table=True)
            try:
                schema.guard_events(db)
                schema.create_claims_table(db)
                schema.create_jobs_table(db)
                schema.create_outbox_table(db)
                create_view_tables(db)
                if start_policy:
                    app.start_policy()
                    app.ensure_signing_key()
                    app.seed_reference()
                    # Every writer leaves the log sealed: here, the first policy and key (nothing
                    # to do when the database was initialised and sealed before).
                    ledger.seal(app)
            finally:
                app.close()
    finally:
        db.close()


def open_registry(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    auto_init: bool | None = None,
) -> Registry:
    """Open the registry; the embedded SQLite database is created on first use.

    PostgreSQL is initialised explicitly (`registry init`) unless `auto_init` says so.
    """
    settings = settings or Settings.from_env(database_url=database_url)
    if auto_init is None:
        auto_init = settings.database.embedded
    if auto_init and not is_initialised(settings):
        # Said aloud: a mistyped path would otherwise pass for an empty registry.
        log.warning("%s held no registry: a new one was made there", settings.database.redacted())
        initialise(settings)
    return Registry(settings)


def check_read_database(settings: Settings) -> None:
    """Refuse, before a server starts its workers, a read database that is no hot standby
    of the primary (NotAStandbyError, with the reason) or cannot be reached."""
    standby = settings.read_database
    if standby is not None:
        verify_standby(standby, settings.database)


def open_worker(app: Registry, names: list[str] | None = None) -> ProjectionWorker:
    """A worker over the application's views (all, or those named)."""
    return ProjectionWorker(app, build_views(app, names))
