"""SQLite: the embedded database, one file opened by this process, one connection per thread.

Positions are the events table's implicit rowids. Never `VACUUM` the file: it may
renumber them (the ledger would then report every event as moved).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.settings import DatabaseURL
from registry.storage.database import Cursor, Database

if TYPE_CHECKING:
    from registry.storage.raw import RawEvent
    from registry.storage.tables import Table

# View tables are keyed by random ids: with the default 2 MB page cache a rebuild spends
# most of its time re-reading index pages.
CACHE_KIB = 65_536


class SqliteDatabase(Database):
    """An SQLite file, with a connection per thread (sqlite3 connections are not shared)."""

    embedded = True
    notifies = False
    position_column = "rowid"
    column_types = {"TEXT": "TEXT", "INTEGER": "INTEGER", "REAL": "REAL"}
    blob_type = "BLOB"
    unlogged = ""

    def __init__(self, url: DatabaseURL, *, pool_size: int = 4, app_name: str = "Registry"):
        super().__init__(url, app_name=app_name)  # one connection per thread, no pool
        Path(url.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[tuple[sqlite3.Connection, threading.Thread]] = []  # and their thread
        self._lock = threading.Lock()

    @classmethod
    def create(cls, url: DatabaseURL) -> bool:
        """Nothing to do: the first connection makes the file."""
        return not Path(url.path).exists()

    # -- connections -----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.url.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._local.conn = conn
            with self._lock:
                self._all.append((conn, threading.current_thread()))
        return conn

    @contextmanager
    def connection(self) -> Iterator[Any]:
        yield self._connect()

    def sql(self, statement: str) -> str:
        return statement

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One write transaction, IMMEDIATE, so writers queue instead of failing."""
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield Cursor(self, conn.cursor())
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def reading(self, snapshot: bool = False) -> Iterator[Cursor]:
        conn = self._connect()
        conn.execute("BEGIN")
        try:
            yield Cursor(self, conn.cursor())
        finally:
            conn.execute("ROLLBACK")

    def release_thread(self) -> None:
        """Close the calling thread's connection (a short-lived thread's, when it ends)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with self._lock:
                self._all = [(c, owner) for c, owner in self._all if c is not conn]
            conn.close()
            self._local.conn = None

    def close(self) -> None:
        """Close this thread's connection and those of threads that have ended. A thread
        still running keeps its own: closing a connection from here while its thread is
        inside a statement crashes the interpreter (sqlite3 cannot take that; a
        background job finishing as a server stopped did), so it is closed by that
        thread (`release_thread`), or when the last reference to it goes."""
        me = threading.current_thread()
        with self._lock:
            for conn, owner in self._all:
                if owner is me or not owner.is_alive():
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- the library's events table ----------------------------------------------------

    @property
    def events_table(self) -> str:
        return "stored_events"  # the library's one name on SQLite, whatever the application

    def id_param(self, aggregate_id: UUID) -> Any:
        return aggregate_id.hex  # the library stores ids as 32 hex characters

    # -- the catalogue -----------------------------------------------------------------

    def table_names(self, cur: Cursor | None = None) -> set[str]:
        statement = "SELECT name FROM sqlite_master WHERE type = 'table'"
        rows = cur.query(statement) if cur is not None else self.query(statement)
        return {row[0] for row in rows}

    def table_exists(self, name: str) -> bool:
        row = self.query_one(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        )
        return bool(row and row[0])

    def columns(self, table: str, cur: Cursor | None = None) -> set[str]:
        statement = f"PRAGMA table_info({table})"
        rows = cur.query(statement) if cur is not None else self.query(statement)
        return {row[1] for row in rows}

    # -- locks ---------------------------------------------------------------------------

    @contextmanager
    def advisory_lock(self, key: int) -> Iterator[None]:
        """Nothing to take: one file has one server process, and each statement that
        creates a table (IF NOT EXISTS) runs under SQLite's own write lock."""
        yield

    def lock(self, cur: Cursor, key: int) -> None:
        """Nothing to take: a write transaction here is exclusive already (IMMEDIATE)."""

    # -- view tables -------------------------------------------------------------------

    def upsert_sql(self, table: Table) -> str:
        marks = ", ".join("?" * len(table.columns))
        return (
            f"INSERT INTO {table.name} ({', '.join(table.names)}) VALUES ({marks}) "
            f"{table.conflict_clause()}"
        )

    def write_rows(self, cur: Cursor, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """One `executemany` of an ON CONFLICT upsert (one C loop, no round trips)."""
        cur.executemany(self.upsert_sql(table), rows)

    def empty(self, cur: Cursor, table: str) -> None:
        cur.execute(f"DELETE FROM {table}")

    # -- text search ---------------------------------------------------------------------

    def search_ddl(self, table: Table, column: str) -> list[str]:
        """An FTS5 table with the trigram tokenizer over the column (external content: it
        keeps only the index, and reads the text from the table itself), kept in step by
        triggers, so every write path (the views' upserts, DELETE) maintains it."""
        fts, name = _fts(table, column), table.name
        add = f"INSERT INTO {fts} (rowid, {column}) VALUES (new.rowid, new.{column})"
        remove = (
            f"INSERT INTO {fts} ({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column})"
        )
        return [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{name}', "
            "content_rowid='rowid', tokenize='trigram')",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {name} BEGIN {add}; END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {name} BEGIN {remove}; END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {column} ON {name} "
            f"WHEN old.{column} IS NOT new.{column} BEGIN {remove}; {add}; END",
        ]

    def drop_ddl(self, table: Table) -> list[str]:
        # The FTS table lives beside the table (its triggers go with the table).
        return [f"DROP TABLE IF EXISTS {_fts(table, c)}" for c in table.search] + [
            f"DROP TABLE IF EXISTS {table.name}"
        ]

    def text_match(
        self, table: Table, column: str, substrings: Sequence[str], *, any_of: bool = False
    ) -> tuple[str, list]:
        """FTS5 phrase queries (the trigram tokenizer finds a phrase anywhere, exactly,
        without reading the rows: its LIKE reads every candidate row to check it, 10-30
        times slower here); a substring of two characters, a one-letter word's start
        (" 5"), as the three-character phrases it must begin (`_fts_query`)."""
        fts = _fts(table, column)
        if not substrings:
            return "1 = 1", []
        return (
            f"{table.name}.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)",
            [_fts_query(substrings, any_of=any_of)],
        )

    def text_contains(self, text: str, substrings: Sequence[str]) -> tuple[str, list]:
        return " AND ".join(f"instr({text}, ?) > 0" for _ in substrings) or "1 = 1", list(
            substrings
        )

    def count_text_matches(
        self, cur: Cursor, table: Table, column: str, substrings: Sequence[str]
    ) -> int | None:
        """The FTS table counts its own matches (0.3 ms for 6,000 where joining the table
        took 35-70 ms under load)."""
        if not substrings:
            return None
        fts = _fts(table, column)
        row = cur.query_one(
            f"SELECT count(*) FROM {fts} WHERE {fts} MATCH ?", (_fts_query(substrings),)
        )
        return row[0] if row else 0

    def similarity(self, left: str, right: str) -> str:
        # A stand-in for pg_trgm's similarity, for rows that all contain the query: the
        # share of the key the query covers. (pg_trgm's algorithm as a Python function
        # cost 0.1-0.3 s per thousand rows found, for a similar order.)
        return f"(length({right}) * 1.0 / max(length({left}), 1))"

    # -- stored events as stored -------------------------------------------------------

    def raw_events_sql(self, bounded: bool) -> str:
        column = self.position_column
        return (
            f"SELECT {column}, originator_id, originator_version, topic, state "
            f"FROM {self.events_table} WHERE {column} > ?"
            + (f" AND {column} <= ?" if bounded else "")
            + f" ORDER BY {column} LIMIT ?"
        )

    @contextmanager
    def raw_cursor(self, cursor: Cursor | None) -> Iterator[Any]:
        if cursor is not None:
            yield cursor.raw
            return
        raw = self._connect().cursor()
        try:
            yield raw
        finally:
            raw.close()

    def insert_raw(self, cur: Cursor, events: Sequence[RawEvent]) -> None:
        """Rows as the library writes them (the id as 32 hex characters), rowids given."""
        cur.executemany(
            f"INSERT INTO {self.events_table} (rowid, originator_id, "
            "originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    e.position,
                    e.originator_id,
                    e.version,
                    e.topic,
                    e.state if type(e.state) is bytes else bytes(e.state),
                )
                for e in events
            ],
        )


def _fts(table: Table, column: str) -> str:
    """The FTS5 table indexing a searchable column."""
    return f"{table.name}_{column}_fts"


class MemoryDatabase(SqliteDatabase):
    """A private SQLite database in this process's memory, for one short task (a teacher's
    part of the log replayed for an "as known at" read): one connection, usable from the
    thread that uses it, gone when closed.

    Its tables are made from `template` (statements run once per process and copied as
    bytes after that: `serialize`/`deserialize`), so a new one costs microseconds."""

    _templates: dict[tuple[str, ...], bytes] = {}
    _templates_lock = threading.Lock()

    def __init__(self, template: Sequence[str] = (), *, app_name: str = "Registry"):
        Database.__init__(self, DatabaseURL(backend="sqlite", path=":memory:"), app_name=app_name)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._in_transaction = False
        key = tuple(template)
        image = self._templates.get(key)
        if image is None and key:
            for statement in key:
                self._conn.execute(statement)
            with self._templates_lock:
                self._templates[key] = self._conn.serialize()
        elif image is not None:
            self._conn.deserialize(image)

    def _connect(self) -> sqlite3.Connection:
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One write transaction (nobody else writes here: it only makes a batch atomic)."""
        self._conn.execute("BEGIN")
        self._in_transaction = True
        try:
            yield Cursor(self, self._conn.cursor())
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False
        self._conn.execute("COMMIT")

    @contextmanager
    def reading(self, snapshot: bool = False) -> Iterator[Cursor]:
        """A cursor; inside a transaction of this database, that transaction's (a view's
        handler may ask the catalogue while its batch is being written)."""
        if self._in_transaction:
            yield Cursor(self, self._conn.cursor())
            return
        with super().reading(snapshot) as cur:
            yield cur

    def release_thread(self) -> None:
        """Nothing to release: the one connection lives until `close`."""

    def close(self) -> None:
        self._conn.close()


def _phrase(text: str) -> str:
    """A substring as an FTS5 phrase (a double quote doubled, the only escape)."""
    return text.replace('"', '""')


# What may follow a word's first character in a search key (`registry.domain.search`):
# another letter or digit, or the space that ends the word.
_KEY_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789 "


def _fts_query(substrings: Sequence[str], *, any_of: bool = False) -> str:
    """An FTS5 query for keys containing every substring. The trigram tokenizer finds
    phrases of three characters or more; a shorter substring of a search key (" 5", the
    start of a one-letter word) is one of the three-character phrases it begins, since a
    key's word is always followed by a letter, a digit or a space."""
    parts = []
    for substring in substrings:
        if len(substring) >= 3:
            parts.append(f'"{_phrase(substring)}"')
        else:
            ends = " OR ".join(f'"{_phrase(substring + c)}"' for c in _KEY_CHARACTERS)
            parts.append(f"({ends})")
    return (" OR " if any_of else " AND ").join(parts)
