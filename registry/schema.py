"""Creating the database once: event store, append-only guards, views, idempotency claims,
the first policy.

`registry init` runs this; servers and followers started afterwards only connect
(`CREATE_TABLE=n`). On PostgreSQL an advisory lock serialises concurrent initialisers,
which otherwise fail now and then with "tuple concurrently updated".
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from registry.db import Database
from registry.settings import Settings

INIT_LOCK_KEY = 727_100_001  # an arbitrary constant shared by all registry processes

# Idempotency-Keys whose command is running (registry.commands.claims): a row per request,
# deleted when the command ends. The result itself is an event (IdempotentRequest).
# UNLOGGED on PostgreSQL: a claim need not survive a server crash (which ends its holder
# too), and without WAL its insert and delete commit without waiting for a disk flush.
CLAIMS_TABLE = "idempotency_claims"
CLAIMS_DDL = """
CREATE {unlogged}TABLE IF NOT EXISTS {table} (
  request_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  holder TEXT NOT NULL,
  claimed_at_ms BIGINT NOT NULL
)"""


def claims_ddl(backend: str) -> str:
    """The statement creating the claims table on an engine (idempotent)."""
    unlogged = "UNLOGGED " if backend == "postgresql" else ""
    return CLAIMS_DDL.format(unlogged=unlogged, table=CLAIMS_TABLE)

SQLITE_GUARDS = """
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'stored events are append-only: UPDATE is not allowed'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'stored events are append-only: DELETE is not allowed'); END;
"""

POSTGRES_GUARDS = """
CREATE OR REPLACE FUNCTION registry_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stored events are append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION registry_reject_change();
CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION registry_reject_change();
"""


@contextmanager
def _exclusive(db: Database) -> Iterator[None]:
    if db.backend != "postgresql":
        yield
        return
    with db.connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (INIT_LOCK_KEY,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (INIT_LOCK_KEY,))


def guard_events(db: Database, table: str) -> None:
    """Make the database itself reject UPDATE, DELETE (and TRUNCATE) of stored events."""
    template = SQLITE_GUARDS if db.backend == "sqlite" else POSTGRES_GUARDS
    with db.connection() as conn:
        if db.backend == "sqlite":
            conn.executescript(template.format(table=table))
        else:
            conn.execute(template.format(table=table))


def initialise(settings: Settings, *, start_policy: bool = True) -> None:
    """Create everything the registry needs in its database; safe to run again.

    `start_policy=False` leaves the event store empty (replay copies a log into it).
    """
    from registry.application import Registry
    from registry.projections.catalogue import create_view_tables

    db = Database(settings.database, pool_size=2)
    try:
        if db.backend == "postgresql" and settings.database.schema:
            with db.connection() as conn:
                # search_path names the schema before it exists; create it by name.
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.database.schema}"')
        with _exclusive(db):
            app = Registry(settings, create_table=True)
            try:
                guard_events(db, app.events_table)
                db.execute(claims_ddl(db.backend))
                create_view_tables(db)
                if start_policy:
                    app.start_policy()
            finally:
                app.close()
    finally:
        db.close()


def ensure_claims_table(db: Database) -> None:
    """Create the claims table when missing (databases initialised before it existed)."""
    if _table_exists(db, CLAIMS_TABLE):
        return
    with db.transaction() as cur:
        if db.backend == "postgresql":
            # Concurrent CREATE TABLE IF NOT EXISTS collide on PostgreSQL's catalogue.
            cur.execute("SELECT pg_advisory_xact_lock(?)", (INIT_LOCK_KEY,))
        cur.execute(claims_ddl(db.backend))


def _table_exists(db: Database, name: str) -> bool:
    if db.backend == "sqlite":
        row = db.query_one("SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                           "name = ?", (name,))
    else:
        row = db.query_one("SELECT count(*) FROM information_schema.tables WHERE "
                           "table_name = ? AND table_schema = current_schema()", (name,))
    return bool(row and row[0])


def is_initialised(settings: Settings) -> bool:
    """Whether `initialise` has run against this database."""
    db = Database(settings.database, pool_size=1)
    try:
        if db.backend == "sqlite":
            row = db.query_one("SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                               "name='projection_tracking'")
        else:
            row = db.query_one("SELECT count(*) FROM information_schema.tables WHERE "
                               "table_name='projection_tracking' AND table_schema = "
                               "current_schema()")
        return bool(row and row[0])
    except Exception:  # no database file / server yet: not initialised
        return False
    finally:
        db.close()
