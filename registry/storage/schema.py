"""The parts of the schema only the engine can enforce, and the operational tables:
append-only guards, the idempotency claims, the background jobs.

`registry.bootstrap.initialise` (`registry init`) creates the database once, under the
INIT lock (`registry.storage.locks`); servers and followers started afterwards only
connect (`CREATE_TABLE=n`). Tables added after a database was first initialised (the
claims, the jobs, the ledger's) are created on first use, under the same lock.
"""

from __future__ import annotations

from pathlib import Path

from registry.settings import Settings
from registry.storage import locks
from registry.storage.database import Cursor, Database
from registry.storage.engines import open_database

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

# Background work of the server processes (registry.jobs): operational state, not events,
# kept here so that every worker sees a job and it survives a page reload. Times are
# ISO 8601 UTC text; at most one job per `exclusive_kind` runs at a time. `label` says
# what a job works on for the people who come back to it (an import's file name).
JOBS_TABLE = "background_jobs"
_JOBS_DDL = (
    """CREATE TABLE IF NOT EXISTS {table} (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  started_by TEXT,
  label TEXT,
  state TEXT NOT NULL,
  exclusive_kind TEXT,
  total BIGINT,
  done BIGINT NOT NULL,
  result TEXT,
  error TEXT,
  holder TEXT NOT NULL,
  started_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  finished_at TEXT
)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS {table}_one_running ON {table} (exclusive_kind) "
    "WHERE state = 'running'",
    "CREATE INDEX IF NOT EXISTS {table}_by_kind ON {table} (kind, started_at)",
    "CREATE INDEX IF NOT EXISTS {table}_by_starter ON {table} (started_by, kind, started_at)",
)
# Columns added after the table was first created: (column, statement adding it).
_JOBS_UPGRADES = (("label", "ALTER TABLE {table} ADD COLUMN label TEXT"),)

_SQLITE_EVENT_GUARDS = """
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'stored events are append-only: UPDATE is not allowed'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'stored events are append-only: DELETE is not allowed'); END;
"""

_POSTGRES_EVENT_GUARDS = """
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

# The ledger's checkpoints (registry.ledger.store) as the sealer leaves them: none is
# deleted, and only the newest may change, by growing (its earlier entries kept). An
# attacker must first drop these guards, as for the events; verification then still
# names what they changed.
_GROWS_ONLY = (
    "OLD.seq < (SELECT max(seq) FROM ledger_checkpoints) OR NEW.seq <> OLD.seq "
    "OR NEW.first_position <> OLD.first_position OR NEW.position <= OLD.position "
    "OR NEW.events <= OLD.events OR {prefix} <> OLD.entries"
)
_SQLITE_CHECKPOINT_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS ledger_checkpoints_no_delete BEFORE DELETE ON "
    "ledger_checkpoints BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only: "
    "DELETE is not allowed'); END",
    "CREATE TRIGGER IF NOT EXISTS ledger_checkpoints_grow_only BEFORE UPDATE ON "
    "ledger_checkpoints WHEN "
    + _GROWS_ONLY.format(prefix="substr(NEW.entries, 1, length(OLD.entries))")
    + " BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only: only the newest "
    "may grow'); END",
)
_POSTGRES_CHECKPOINT_GUARDS = (
    "CREATE OR REPLACE FUNCTION registry_ledger_guard() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN"
    " IF TG_OP <> 'UPDATE' THEN RAISE EXCEPTION 'ledger checkpoints are append-only: "
    "DELETE or TRUNCATE is not allowed' USING ERRCODE = 'insufficient_privilege'; END IF;"
    " IF "
    + _GROWS_ONLY.format(prefix="substring(NEW.entries from 1 for length(OLD.entries))")
    + " THEN RAISE EXCEPTION 'ledger checkpoints are append-only: only the newest may grow'"
    " USING ERRCODE = 'insufficient_privilege'; END IF;"
    " RETURN NEW; END $$",
    "CREATE OR REPLACE TRIGGER ledger_checkpoints_guard BEFORE UPDATE OR DELETE ON "
    "ledger_checkpoints FOR EACH ROW EXECUTE FUNCTION registry_ledger_guard()",
    "CREATE OR REPLACE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON "
    "ledger_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION registry_ledger_guard()",
)


def claims_ddl(db: Database) -> str:
    """The statement creating the claims table on the database's engine (idempotent)."""
    return CLAIMS_DDL.format(unlogged=db.unlogged, table=CLAIMS_TABLE)


def jobs_ddl() -> list[str]:
    """The statements creating the jobs table and its indexes (idempotent, either engine)."""
    return [statement.format(table=JOBS_TABLE) for statement in _JOBS_DDL]


def create_jobs_table(db: Database) -> None:
    """Create the jobs table, or add the columns it lacks (idempotent; `registry init`
    holds the INIT lock)."""
    with db.transaction() as cur:
        _create_jobs_table(db, cur)


def _create_jobs_table(db: Database, cur: Cursor) -> None:
    present = db.columns(JOBS_TABLE, cur)
    for column, statement in _JOBS_UPGRADES:
        if present and column not in present:
            cur.execute(statement.format(table=JOBS_TABLE))
    for statement in jobs_ddl():
        cur.execute(statement)


def jobs_table_current(db: Database) -> bool:
    """Whether the jobs table exists with every column of this version."""
    present = db.columns(JOBS_TABLE)
    return bool(present) and all(column in present for column, _ in _JOBS_UPGRADES)


def ensure_jobs_table(db: Database) -> None:
    """Create the jobs table, or add the columns it lacks, when it is not current
    (databases initialised before it or they existed)."""
    if jobs_table_current(db):
        return
    with db.transaction() as cur:
        cur.lock(locks.INIT)
        _create_jobs_table(db, cur)


def checkpoint_guards(db: Database) -> list[str]:
    """The statements making the database refuse to delete or rewrite ledger checkpoints
    (idempotent; part of the ledger view's definition)."""
    return list(_SQLITE_CHECKPOINT_GUARDS if db.embedded else _POSTGRES_CHECKPOINT_GUARDS)


def create_named_schema(db: Database) -> None:
    """Create the PostgreSQL schema the URL names, if any (search_path names it first)."""
    if db.url.schema:
        with db.connection() as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{db.url.schema}"')


def guard_events(db: Database) -> None:
    """Make the database itself reject UPDATE, DELETE (and TRUNCATE) of stored events."""
    with db.connection() as conn:
        if db.embedded:
            conn.executescript(_SQLITE_EVENT_GUARDS.format(table=db.events_table))
        else:
            conn.execute(_POSTGRES_EVENT_GUARDS.format(table=db.events_table))


def create_claims_table(db: Database) -> None:
    """Create the claims table (idempotent; `registry init` holds the INIT lock)."""
    db.execute(claims_ddl(db))


def ensure_claims_table(db: Database) -> None:
    """Create the claims table when missing (databases initialised before it existed)."""
    if db.table_exists(CLAIMS_TABLE):
        return
    with db.transaction() as cur:
        cur.lock(locks.INIT)
        cur.execute(claims_ddl(db))


def is_initialised(settings: Settings) -> bool:
    """Whether `registry init` has run against this database (a missing SQLite file is
    not created by asking)."""
    url = settings.database
    if url.embedded and not Path(url.path).exists():
        return False
    db = open_database(url, pool_size=1)  # an unreachable server is an error, not "no"
    try:
        return db.table_exists("projection_tracking")
    except Exception:  # an empty or foreign file: not initialised
        return False
    finally:
        db.close()


# The reminders' outbox (registry.reminders): one row per decided notice, its delivery
# state. Operational state like the jobs: the decision itself is a `Reminder` event.
OUTBOX_TABLE = "reminder_outbox"
# Its rows' states: waiting ('pending', 'sending'); stuck until an administrator acts
# (failed after every retry, or cut off mid-send with the outcome unknown); done.
OUTBOX_STUCK_STATES = ("failed", "unknown")
OUTBOX_DONE_STATES = ("sent", "set_aside")
_OUTBOX_DDL = (
    """CREATE TABLE IF NOT EXISTS {table} (
  id TEXT PRIMARY KEY,
  teacher_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  due_date TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body_text TEXT NOT NULL,
  body_html TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
)""",
    "CREATE INDEX IF NOT EXISTS {table}_waiting ON {table} (state, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS {table}_by_teacher ON {table} (teacher_id)",
)


def create_outbox_table(db: Database, *, lock: bool = False) -> None:
    """Create the reminders' outbox (idempotent; `registry init` holds the INIT lock)."""
    with db.transaction() as cur:
        if lock:
            cur.lock(locks.INIT)
        for statement in _OUTBOX_DDL:
            cur.execute(statement.format(table=OUTBOX_TABLE))


def ensure_outbox_table(db: Database) -> None:
    """Create the outbox when it is missing (databases initialised before it existed)."""
    if not db.table_exists(OUTBOX_TABLE):
        create_outbox_table(db, lock=True)
