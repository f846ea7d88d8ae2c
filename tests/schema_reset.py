"""A PostgreSQL schema put back to the state it was saved in, for tests that start many
times from the same initialised registry (the property tests' examples).

Initialising a registry in a new schema creates some 43 tables with their indexes and
guards: 2.8-3.1 s on a busy 2-core machine, most of a PostgreSQL example's time. Putting
an initialised schema back costs a DELETE and an INSERT … SELECT per table (they hold a
few rows), the sequences set to where they were (the log's positions start where a fresh
registry's do) and the tables made since dropped. The session runs as a replica
(`session_replication_role`) so that the event store's append-only guards and the
foreign keys, which are triggers, stand aside for the reset; they are back for the test.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class SavedSchema:
    """`schema`'s tables copied into `copy`, and its sequences' positions."""

    url: str  # the database, without the schema parameter
    schema: str
    copy: str
    tables: tuple[str, ...]
    sequences: tuple[tuple[str, int | None, bool], ...]  # name, last value, is_called


def save(url: str, schema: str) -> SavedSchema:
    """Copy every table of `schema` (its rows) into a schema of its own, and note where
    its sequences stand."""
    copy = f"{schema}_saved"
    with psycopg.connect(url, autocommit=True) as conn:
        tables = tuple(
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
                (schema,),
            )
        )
        sequences = tuple(
            (name, last, last is not None)
            for name, last in conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s",
                (schema,),
            )
        )
        with conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(copy)))
            for table in tables:
                conn.execute(
                    sql.SQL("CREATE TABLE {} AS TABLE {}").format(
                        sql.Identifier(copy, table), sql.Identifier(schema, table)
                    )
                )
    return SavedSchema(url, schema, copy, tables, sequences)


def restore(saved: SavedSchema) -> None:
    """Put the schema back as it was saved, in one transaction."""
    with psycopg.connect(saved.url) as conn:
        conn.execute("SET session_replication_role = replica")
        now = {
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                (saved.schema,),
            )
        }
        for table in sorted(now - set(saved.tables)):
            conn.execute(
                sql.SQL("DROP TABLE {} CASCADE").format(sql.Identifier(saved.schema, table))
            )
        for table in saved.tables:
            target, source = sql.Identifier(saved.schema, table), sql.Identifier(saved.copy, table)
            conn.execute(sql.SQL("DELETE FROM {}").format(target))
            conn.execute(
                sql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM {}").format(
                    target, source
                )
            )
        for name, last, called in saved.sequences:
            sequence = sql.Identifier(saved.schema, name)
            if called:
                conn.execute(
                    "SELECT setval(%s::regclass, %s, true)", (sequence.as_string(conn), last)
                )
            else:
                conn.execute(sql.SQL("ALTER SEQUENCE {} RESTART").format(sequence))
