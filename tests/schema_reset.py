"""A PostgreSQL test database put back to a state noted before, instead of made anew.

Making a database for a test (`CREATE DATABASE … TEMPLATE`) and dropping it after each
force a checkpoint: a suite made ~1,400 of them, 1-2 s each on a busy 2-core machine, and
initialising a registry in a new schema (some 43 tables with their indexes and guards)
takes 2.8-3.1 s. Putting back a database whose tables a test only wrote to costs one
TRUNCATE, a COPY of the noted rows per table that had any, and the sequences set where
they were (the log's positions start where a fresh registry's do): 0.05 s.

`take` notes the rows and the structure of every schema but PostgreSQL's own; `restore`
drops the schemas and tables made since, and puts the rows back only if the rest of the
structure is as noted (columns, indexes, triggers, functions, extensions, the database's
settings): a test that altered a table (dropped a trigger or a column) leaves a database
to drop, not to reuse. The session runs as a replica (`session_replication_role`), so
that the event store's append-only guards and the foreign keys, which are triggers,
stand aside for the reset; they are back for the next connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import Connection, sql

_SCHEMAS = """
SELECT nspname FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
"""

_TABLES = """
SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s) ORDER BY 1, 2
"""

_SEQUENCES = """
SELECT schemaname, sequencename, last_value FROM pg_sequences
WHERE schemaname = ANY(%s) ORDER BY 1, 2
"""

# What a test could change besides rows: relations and their columns, triggers, routines,
# constraints, extensions, the database's own settings.
_STRUCTURE = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' '
         || coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                                        || ' ' || a.attnotnull::text, ', ' ORDER BY a.attnum)
                      FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY(%(schemas)s)
  UNION ALL
  SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text
  FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || contype::text
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
  WHERE n.nspname = ANY(%(schemas)s)
  UNION ALL
  SELECT 'routine ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = ANY(%(schemas)s)
  UNION ALL
  SELECT 'schema ' || nspname || ' ' || nspowner::regrole::text || ' ' || coalesce(nspacl::text, '')
  FROM pg_namespace WHERE nspname = ANY(%(schemas)s)
  UNION ALL
  SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
  UNION ALL
  SELECT 'setting ' || array_to_string(setconfig, ' ') FROM pg_db_role_setting
  WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
) AS structure(item)
"""


_EMPTY = 21  # bytes of a binary COPY of no rows: its header (19) and trailer (2)


@dataclass(frozen=True)
class Snapshot:
    """A database's rows and structure, as `take` noted them."""

    schemas: frozenset[str]
    tables: tuple[tuple[str, str], ...]
    rows: dict[tuple[str, str], bytes]  # COPY … (FORMAT binary) of the tables that had any
    sequences: tuple[tuple[str, str, int | None], ...]  # schema, name, last value
    structure: str


def _schemas(conn: Connection) -> frozenset[str]:
    return frozenset(name for (name,) in conn.execute(_SCHEMAS))


def _structure(conn: Connection, schemas: frozenset[str]) -> str:
    row = conn.execute(_STRUCTURE, {"schemas": sorted(schemas)}).fetchone()
    assert row is not None
    return str(row[0])


def take(conn: Connection) -> Snapshot:
    """Note the database's rows and structure (no one else writing to it)."""
    schemas = _schemas(conn)
    tables = tuple((s, t) for s, t in conn.execute(_TABLES, (sorted(schemas),)))
    rows = {}
    for table in tables:
        statement = sql.SQL("COPY {} TO STDOUT (FORMAT binary)").format(sql.Identifier(*table))
        with conn.cursor().copy(statement) as copy:
            data = b"".join(bytes(block) for block in copy)
        if len(data) > _EMPTY:
            rows[table] = data
    sequences = tuple((s, n, last) for s, n, last in conn.execute(_SEQUENCES, (sorted(schemas),)))
    conn.rollback()
    return Snapshot(schemas, tables, rows, sequences, _structure(conn, schemas))


def restore(conn: Connection, snapshot: Snapshot) -> bool:
    """Put the database back as `snapshot` noted it, in one transaction, and say so; or
    change nothing and say False when a test changed its structure. No other session may
    be connected (`session_replication_role` is set on this one)."""
    conn.execute("SET session_replication_role = replica")
    if not snapshot.tables:  # an empty database: what a test made goes with the schemas
        for schema in sorted(_schemas(conn)):
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        if "public" in snapshot.schemas:  # as PostgreSQL 15 makes it
            conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
    for schema in sorted(_schemas(conn) - snapshot.schemas):
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    tables = {(s, t) for s, t in conn.execute(_TABLES, (sorted(snapshot.schemas),))}
    for table in sorted(tables - set(snapshot.tables)):
        conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(sql.Identifier(*table)))
    if _structure(conn, snapshot.schemas) != snapshot.structure:
        conn.rollback()
        return False
    for table in snapshot.tables:  # a few rows each: cheaper than TRUNCATE's new files
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(*table)))
    for table, data in snapshot.rows.items():
        statement = sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(*table))
        with conn.cursor().copy(statement) as copy:
            copy.write(data)
    for schema, name, last in snapshot.sequences:
        sequence = sql.Identifier(schema, name)
        if last is None:
            conn.execute(sql.SQL("ALTER SEQUENCE {} RESTART").format(sequence))
        else:
            conn.execute("SELECT setval(%s::regclass, %s, true)", (sequence.as_string(conn), last))
    conn.commit()
    return True
