"""View tables declared once: their DDL and their bulk upserts on either engine.

A view names its tables here (columns, key, indexes); the SQL to create them and to
write many rows at once is generated. SQLite gets `executemany` of an ON CONFLICT
upsert (one C loop, no round trips). PostgreSQL gets, for a few rows (a follower's
batch), one `INSERT … SELECT FROM unnest(arrays)`, ~3× faster here than psycopg's
pipelined `executemany`; for many (a rebuild, a long catch-up), a binary COPY into a
temporary staging table and one `INSERT … SELECT … ON CONFLICT` from it, which costs
the client a tenth of building the arrays and the server half of parsing them
(certificate rows: 16 against 40–58 µs each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from registry.db import Cursor

_PG_ARRAY = {"TEXT": "text[]", "INTEGER": "bigint[]", "REAL": "double precision[]"}
_PG_TYPE = {"TEXT": "TEXT", "INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}
_PG_COPY_TYPE = {"TEXT": "text", "INTEGER": "int8", "REAL": "float8"}
COPY_FROM_ROWS = 200  # fewer rows go as arrays: a staging table costs a few round trips


@dataclass(frozen=True)
class Table:
    """One view table: ordered (name, type) columns, a primary key, secondary indexes.

    An index is a tuple of column names, optionally ending in a "WHERE …" condition
    (a partial index: both engines have them).

    `counters` names INTEGER columns that an upsert adds to instead of replacing, so
    per-batch increments can be written without reading the row first.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    counters: tuple[str, ...] = ()
    not_null: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(name for name, _ in self.columns)

    def ddl(self, backend: str) -> list[str]:
        """CREATE TABLE and CREATE INDEX statements (idempotent)."""
        types = _PG_TYPE if backend == "postgresql" else {t: t for t in _PG_TYPE}
        required = set(self.key) | set(self.not_null) | set(self.counters)
        cols = ", ".join(f"{name} {types[kind]}{' NOT NULL' if name in required else ''}"
                         f"{' DEFAULT 0' if name in self.counters else ''}"
                         for name, kind in self.columns)
        statements = [f"CREATE TABLE IF NOT EXISTS {self.name} ({cols}, "
                      f"PRIMARY KEY ({', '.join(self.key)}))"]
        for index in self.indexes:
            where = index[-1] if index[-1].startswith("WHERE ") else ""
            columns = index[:-1] if where else index
            statements.append(f"CREATE INDEX IF NOT EXISTS {self.name}_{'_'.join(columns)} "
                              f"ON {self.name} ({', '.join(columns)}){' ' + where if where else ''}")
        return statements

    def _conflict_clause(self) -> str:
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

    def upsert_sql(self, backend: str) -> str:
        """The statement that writes rows (tuples in column order), replacing or adding."""
        names = ", ".join(self.names)
        if backend == "postgresql":
            arrays = ", ".join(f"?::{_PG_ARRAY[kind]}" for _, kind in self.columns)
            return (f"INSERT INTO {self.name} ({names}) SELECT * FROM unnest({arrays}) "
                    f"{self._conflict_clause()}")
        marks = ", ".join("?" * len(self.columns))
        return f"INSERT INTO {self.name} ({names}) VALUES ({marks}) {self._conflict_clause()}"

    def write(self, cur: Cursor, rows: Sequence[Sequence[Any]]) -> None:
        """Upsert rows (tuples in column order; each key at most once)."""
        if not rows:
            return
        if cur.db.backend == "postgresql" and len(rows) >= COPY_FROM_ROWS:
            self._copy_upsert(cur, rows)
            return
        statement = self.upsert_sql(cur.db.backend)
        if cur.db.backend == "postgresql":
            columns = [list(column) for column in zip(*rows)]
            for index, (_, kind) in enumerate(self.columns):
                if kind == "REAL":  # psycopg cannot dump a list mixing int and float
                    columns[index] = [float(v) if isinstance(v, int) else v
                                      for v in columns[index]]
            cur.execute(statement, columns)
        else:
            cur.executemany(statement, rows)

    def _copy_upsert(self, cur: Cursor, rows: Sequence[Sequence[Any]]) -> None:
        """PostgreSQL: binary COPY into this session's staging table, then one upsert."""
        staging, names = f"{self.name}_staging", ", ".join(self.names)
        # Emptied at every commit; a second write to the table in one transaction finds
        # the first one's rows still there (and a rolled-back one leaves none).
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {self.name}) "
                    "ON COMMIT DELETE ROWS")
        if cur.staged(staging):
            cur.execute(f"TRUNCATE {staging}")
        with cur.raw.copy(f"COPY {staging} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_PG_COPY_TYPE[kind] for _, kind in self.columns])
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {self.name} ({names}) SELECT {names} FROM {staging} "
                    f"{self._conflict_clause()}")

    def select_sql(self, where: str = "") -> str:
        """A SELECT of every column, with an optional condition."""
        return f"SELECT {', '.join(self.names)} FROM {self.name}{' WHERE ' + where if where else ''}"

    def clear(self, cur: Cursor) -> None:
        """Remove every row (TRUNCATE on PostgreSQL: a rebuild empties big tables)."""
        if cur.db.backend == "postgresql":
            cur.execute(f"TRUNCATE {self.name}")
        else:
            cur.execute(f"DELETE FROM {self.name}")
