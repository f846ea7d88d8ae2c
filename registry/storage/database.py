"""Our own SQL (views, event log reads, ledger) on either engine, written once.

Statements use `?` placeholders and portable SQL (ON CONFLICT upserts, TEXT/INTEGER
columns, ISO dates as text). A `Database` adapts the placeholders and connections and
answers whatever differs between the engines (ids, the catalogue, locks, bulk writes);
`SqliteDatabase` and `PostgresDatabase` are its two kinds (and `PopoDatabase`, the
commands' fast test engine), and `registry.storage.engines.open_database` picks one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from registry.settings import DatabaseURL
from registry.storage.raw import READ_BATCH, RawEvent

if TYPE_CHECKING:
    from registry.storage.listening import Listener
    from registry.storage.tables import Table


class Database:
    """Connections to the registry's database for everything the library does not own."""

    # A file this process opens itself (SQLite): created on first use, one server
    # process; not a server reached over the network.
    embedded: ClassVar[bool]
    # Saves announce themselves to listeners on other connections (LISTEN/NOTIFY).
    notifies: ClassVar[bool]
    # The library's events are rows of `events_table` here, which our SQL may read; not
    # so on the in-memory engine, whose events the library's own recorder keeps.
    holds_events: ClassVar[bool] = True
    # The column holding an event's global position in the library's events table.
    position_column: ClassVar[str]
    # The engine's types for the portable column kinds of view tables, and for bytes.
    column_types: ClassVar[dict[str, str]]
    blob_type: ClassVar[str]
    # How a table that need not survive a crash skips the write-ahead log ("" if it can't).
    unlogged: ClassVar[str]
    # `similarity` costs enough per row (pg_trgm compares trigram sets) that a ranking
    # works it out only for the rows that can be on the page (registry.queries.search).
    costly_similarity: ClassVar[bool] = False
    # A LIMIT ordered by an index's columns and then others reads the index in its order
    # and sorts each group of equal keys (PostgreSQL's Incremental Sort), stopping at the
    # limit; without it a statement sorts every row found (registry.queries.statistics:
    # a due list's page by place is then read a few schools at a time).
    sorts_incrementally: ClassVar[bool] = False
    # What a cursor's execute takes to plan a statement for its own parameters, every
    # time, instead of a plan made once for any (`Cursor.query`'s `fresh_plan`).
    fresh_plan_options: ClassVar[dict[str, Any]] = {}

    def __init__(self, url: DatabaseURL, *, pool_size: int = 4, app_name: str = "Registry"):
        self.url = url
        self.app_name = app_name

    @classmethod
    def create(cls, url: DatabaseURL) -> bool:
        """Create the database `url` names unless it exists; returns whether it is new."""
        raise NotImplementedError

    # -- connections -----------------------------------------------------------------

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A raw connection (sqlite3 or psycopg) in autocommit mode."""
        raise NotImplementedError
        yield

    def sql(self, statement: str) -> str:
        """Adapt a `?`-placeholder statement to the engine."""
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One write transaction (writers queue for each other instead of failing)."""
        raise NotImplementedError
        yield

    @contextmanager
    def reading(self, snapshot: bool = False) -> Iterator[Cursor]:
        """A read-only cursor. Its statements see one snapshot of the database on SQLite
        (a read transaction); on PostgreSQL each sees the latest commits, or with
        `snapshot` they all see the database as of the first one (REPEATABLE READ)."""
        raise NotImplementedError
        yield

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.reading() as cur:
            return cur.query(statement, params)

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> tuple | None:
        rows = self.query(statement, params)
        return rows[0] if rows else None

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        with self.transaction() as cur:
            cur.execute(statement, params)

    def analyze(self, vacuum: Collection[str] = ()) -> None:
        """Give the planner statistics of the tables just filled in bulk; the tables
        named in `vacuum` are also cleared of what they left dead (after a rebuild).

        SQLite's planner does without (its plans here are chosen without sqlite_stat1),
        and its file is never vacuumed (positions are rowids), so it does nothing there;
        PostgreSQL's does not (see its engine).
        """

    def release_thread(self) -> None:
        """Let go of the calling thread's own connection, if it has one (a short-lived
        thread's, when it ends)."""

    def close(self) -> None:
        raise NotImplementedError

    # -- the library's events table ----------------------------------------------------

    @property
    def events_table(self) -> str:
        """The table the library stores events in (named as the library names it)."""
        raise NotImplementedError

    def id_param(self, aggregate_id: UUID) -> Any:
        """An aggregate id as the events table's `originator_id` column compares it."""
        raise NotImplementedError

    @staticmethod
    def id_value(stored: Any) -> UUID:
        """An `originator_id` as a row returns it, as a UUID."""
        return stored if isinstance(stored, UUID) else UUID(str(stored))

    def ids_condition(self, column: str, ids: Sequence[UUID]) -> tuple[str, list[Any]]:
        """A condition that `column` (aggregate ids) is one of `ids`, and its parameters."""
        return self.in_condition(column, [self.id_param(i) for i in ids])

    def in_condition(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """A condition that `column` is one of `values` (of one type), and its parameters."""
        return f"{column} IN ({','.join('?' * len(values))})", list(values)

    def index_range(
        self, column: str, key: str, value: Any, op: str | None, bound: Any = None
    ) -> tuple[str, list[Any]]:
        """A condition that reads an index on (`column`, `key`) in `key` order: the rows
        whose `column` is `value` and, if `op` (">" or "<") is given, whose `key` lies
        beyond `bound` that way; with ORDER BY `column`, `key` each engine reads the
        index from there. SQLite seeks it by an equality and the key's bound."""
        if op is None:
            return f"{column} = ?", [value]
        return f"{column} = ? AND {key} {op} ?", [value, bound]

    # -- the catalogue -----------------------------------------------------------------

    def table_names(self, cur: Cursor | None = None) -> set[str]:
        """The tables of the registry's schema."""
        raise NotImplementedError

    def table_exists(self, name: str) -> bool:
        """Whether a table exists (databases initialised by earlier versions lack some)."""
        raise NotImplementedError

    def columns(self, table: str, cur: Cursor | None = None) -> set[str]:
        """The names of a table's columns (none if there is no such table)."""
        raise NotImplementedError

    # -- locks (names in registry.storage.locks) ----------------------------------------

    @contextmanager
    def advisory_lock(self, key: int) -> Iterator[None]:
        """Hold a lock shared by every registry process while the block runs."""
        raise NotImplementedError
        yield

    def lock(self, cur: Cursor, key: int) -> None:
        """Take a lock shared by every registry process until `cur`'s transaction ends."""
        raise NotImplementedError

    def listener(self) -> Listener:
        """A connection of its own that hears of saves (an engine that `notifies`)."""
        raise NotImplementedError(f"{type(self).__name__} does not announce saves")

    # -- view tables (registry.storage.tables) -----------------------------------------

    def table_ddl(self, table: Table) -> list[str]:
        """CREATE TABLE and CREATE INDEX statements of a view table (idempotent)."""
        types = self.column_types
        required = set(table.key) | set(table.not_null) | set(table.counters)
        cols = ", ".join(
            f"{name} {types[kind]}{' NOT NULL' if name in required else ''}"
            f"{' DEFAULT 0' if name in table.counters else ''}"
            for name, kind in table.columns
        )
        statements = [
            f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}, "
            f"PRIMARY KEY ({', '.join(table.key)}))"
        ]
        for index in table.indexes:
            where = index[-1] if index[-1].startswith("WHERE ") else ""
            columns = index[:-1] if where else index
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(columns)} "
                f"ON {table.name} ({', '.join(columns)})"
                f"{' ' + where if where else ''}"
            )
        for column in table.search:
            statements.extend(self.search_ddl(table, column))
        return statements

    def drop_ddl(self, table: Table) -> list[str]:
        """Statements removing a view table and whatever the engine keeps beside it."""
        return [f"DROP TABLE IF EXISTS {table.name}"]

    # -- text search (a Table's `search` columns) --------------------------------------

    def search_ddl(self, table: Table, column: str) -> list[str]:
        """The engine's trigram index of a searchable column (idempotent)."""
        raise NotImplementedError

    def text_match(
        self, table: Table, column: str, substrings: Sequence[str], *, any_of: bool = False
    ) -> tuple[str, list]:
        """A condition that `column` of `table` contains every substring (any of them, with
        `any_of`), answered by its trigram index, and its parameters."""
        raise NotImplementedError

    def text_contains(self, text: str, substrings: Sequence[str]) -> tuple[str, list]:
        """A condition that the SQL text expression `text` contains every substring,
        checked on each row read (no index: for rows read by another index, in its
        order), and its parameters."""
        raise NotImplementedError

    def count_text_matches(
        self, cur: Cursor, table: Table, column: str, substrings: Sequence[str]
    ) -> int | None:
        """How many rows contain every substring, from the index alone where the engine
        can (None: count through `text_match`)."""
        return None

    def similarity(self, left: str, right: str) -> str:
        """An SQL expression of how alike a key (`left`) and a query (`right`) are, 0 to 1,
        for ranking rows that all contain the query: pg_trgm's trigram `similarity` on
        PostgreSQL, the share of the key the query covers on SQLite."""
        raise NotImplementedError

    def upsert_sql(self, table: Table) -> str:
        """The statement that writes rows of a view table, replacing or adding."""
        raise NotImplementedError

    def write_rows(self, cur: Cursor, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """Upsert rows (tuples in column order; each key at most once), fast."""
        raise NotImplementedError

    def empty(self, cur: Cursor, table: str) -> None:
        """Remove every row of a table."""
        raise NotImplementedError

    # -- stored events as stored (registry.storage.raw) --------------------------------

    def raw_events_sql(self, bounded: bool) -> str:
        """The driver's statement selecting stored rows after a position (and up to one,
        if `bounded`), in position order, with a LIMIT."""
        raise NotImplementedError

    @contextmanager
    def raw_cursor(self, cursor: Cursor | None) -> Iterator[Any]:
        """A driver cursor for `raw_events_sql`: on `cursor`'s transaction if given."""
        raise NotImplementedError
        yield

    def read_raw(
        self,
        *,
        after: int = 0,
        until: int | None = None,
        batch: int = READ_BATCH,
        cursor: Cursor | None = None,
        plain: bool = False,
    ) -> Iterator[list[RawEvent]]:
        """Stored events after a position (up to `until`), in position order, in batches.

        Pass a cursor to read inside its transaction (the ledger view seals what its
        transaction sees). `plain` yields the driver's tuples in RawEvent's field order
        (the verifier's hot loop saves building ~200k named tuples a second).
        """
        statement = self.raw_events_sql(bounded=until is not None)
        with self.raw_cursor(cursor) as raw:
            while True:
                raw.execute(
                    statement, (after, until, batch) if until is not None else (after, batch)
                )
                rows = raw.fetchall()
                if not rows:
                    return
                yield rows if plain else [RawEvent(*row) for row in rows]
                if len(rows) < batch:
                    return
                after = rows[-1][0]

    def insert_raw(self, cur: Cursor, events: Sequence[RawEvent]) -> None:
        """Store rows exactly as given (positions included; ids as 32 hex characters)."""
        raise NotImplementedError

    def continue_positions(self, cur: Cursor, position: int) -> None:
        """Make the next stored event's position follow `position` (after `insert_raw`)."""


class Cursor:
    """A cursor that speaks `?` placeholders on both engines."""

    def __init__(self, db: Database, raw: Any):
        self.db = db
        self.raw = raw
        self._staged: set[str] = set()

    def staged(self, table: str) -> bool:
        """Note that this transaction filled a staging table; True if it had before."""
        seen = table in self._staged
        self._staged.add(table)
        return seen

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        self.raw.execute(self.db.sql(statement), tuple(params))
        return self

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.raw.executemany(self.db.sql(statement), rows)

    def query(
        self, statement: str, params: Sequence[Any] = (), *, fresh_plan: bool = False
    ) -> list[tuple]:
        """The rows of a statement. `fresh_plan`: plan it for these parameters each time,
        for a statement whose best plan depends on them (a date, a range of dates): a
        statement run often on one connection is otherwise prepared once and may keep a
        plan made for any parameters (PostgreSQL's generic plan)."""
        options = self.db.fresh_plan_options if fresh_plan else {}
        self.raw.execute(self.db.sql(statement), tuple(params), **options)
        return [tuple(row) for row in self.raw.fetchall()]

    def query_one(
        self, statement: str, params: Sequence[Any] = (), *, fresh_plan: bool = False
    ) -> tuple | None:
        rows = self.query(statement, params, fresh_plan=fresh_plan)
        return rows[0] if rows else None

    def lock(self, key: int) -> None:
        """Take a registry-wide lock until this transaction ends (`Database.lock`)."""
        self.db.lock(self, key)

    def write_rows(self, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """Upsert rows of a view table (tuples in column order; each key at most once)."""
        if rows:
            self.db.write_rows(self, table, rows)

    def empty(self, table: Table) -> None:
        """Remove every row of a view table (TRUNCATE where the engine has it)."""
        self.db.empty(self, table.name)

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount
