"""View tables declared once: their DDL and their bulk upserts on either engine.

A view names its tables here (columns, key, indexes); the engine generates the SQL to
create them and to write many rows at once (`Database.table_ddl`, `Cursor.write_rows`):
SQLite an `executemany` of an ON CONFLICT upsert (one C loop, no round trips);
PostgreSQL, for a few rows (a follower's batch), one `INSERT … SELECT FROM
unnest(arrays)`, and for many (a rebuild, a long catch-up) a binary COPY into a
temporary staging table and one `INSERT … SELECT … ON CONFLICT` from it (certificate
rows: 16 against 40–58 µs each).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    """One view table: ordered (name, kind) columns, a primary key, secondary indexes.

    Column kinds are TEXT, INTEGER and REAL (each engine has its own type for each).
    An index is a tuple of column names, optionally ending in a "WHERE …" condition
    (a partial index: both engines have them).

    `counters` names INTEGER columns that an upsert adds to instead of replacing, so
    per-batch increments can be written without reading the row first. `append_only`
    says rows are only ever added (never read back or changed by a handler): a batch
    keeps them as plain tuples.

    `search` names TEXT columns found by substring (`Database.text_match`): each gets the
    engine's trigram index (pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite).
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    counters: tuple[str, ...] = ()
    not_null: tuple[str, ...] = field(default=())
    search: tuple[str, ...] = ()
    append_only: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(name for name, _ in self.columns)

    def conflict_clause(self) -> str:
        """The ON CONFLICT clause of an upsert: replace, or add to the counters."""
        updates = []
        for name in self.names:
            if name in self.key:
                continue
            if name in self.counters:
                updates.append(f"{name} = {self.name}.{name} + excluded.{name}")
            else:
                updates.append(f"{name} = excluded.{name}")
        action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
        return f"ON CONFLICT ({', '.join(self.key)}) {action}"

    def select_sql(self, where: str = "") -> str:
        """A SELECT of every column, with an optional condition."""
        condition = f" WHERE {where}" if where else ""
        return f"SELECT {', '.join(self.names)} FROM {self.name}{condition}"
