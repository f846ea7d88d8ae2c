"""PostgreSQL: a server reached through a pool of connections.

Positions are the events table's `notification_id`. Reads survive one lost connection
(`_Reader`); many rows travel as arrays or a binary COPY; saves announce themselves by
NOTIFY on the events table's channel (`registry.storage.listening`).
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.settings import DatabaseURL
from registry.storage.database import Cursor, Database
from registry.storage.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    from registry.storage.listening import Listener
    from registry.storage.raw import RawEvent
    from registry.storage.tables import Table

_QMARK = re.compile(r"\?")
# A pooled connection is waited for up to POOL_WAIT_S; once none came in time (the
# server is down or refuses us), only UNREACHABLE_WAIT_S for UNREACHABLE_MEMORY_S
# after, so a request's later statements answer 503 at once instead of each waiting again.
# (10 s before: with the library's own wait, a request with the server gone took 22 s.)
POOL_WAIT_S, UNREACHABLE_WAIT_S, UNREACHABLE_MEMORY_S = 5.0, 0.5, 5.0
# A table (with its indexes) up to this size is emptied with DELETE, not TRUNCATE.
SMALL_TABLE_BYTES = 1 << 20

_ARRAY = {"TEXT": "text[]", "INTEGER": "bigint[]", "REAL": "double precision[]"}
_COPY_TYPE = {"TEXT": "text", "INTEGER": "int8", "REAL": "float8"}
# Fewer rows go as arrays (one INSERT … SELECT FROM unnest, ~3× faster here than
# pipelined executemany); more go by binary COPY into a staging table, which costs the
# client a tenth of building the arrays and the server half of parsing them.
COPY_FROM_ROWS = 200
# Where pg_trgm is installed (once per database, whatever schema the registry uses).
TRGM_SCHEMA = "public"


class PostgresDatabase(Database):
    """A PostgreSQL database (optionally one schema of it), through a connection pool."""

    embedded = False
    notifies = True
    position_column = "notification_id"
    column_types = {"TEXT": "TEXT", "INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}
    blob_type = "BYTEA"
    unlogged = "UNLOGGED "
    # psycopg prepares a statement at its fifth run on a connection; PostgreSQL then keeps
    # a generic plan when it costs no more than the custom ones by its estimates. For the
    # standing view's steps by date that plan walked the key in two parallel workers:
    # 9.6 ms against 4.7 for the plan of the date (100,000 teachers). Unprepared, a
    # statement is planned at each run for its parameters.
    fresh_plan_options = {"prepare": False}

    def __init__(self, url: DatabaseURL, *, pool_size: int = 4, app_name: str = "Registry"):
        super().__init__(url, app_name=app_name)
        import psycopg
        from psycopg_pool import ConnectionPool

        # One plain connection first: an unreachable server or a missing database fails
        # here at once, with the server's own reason (the pool would retry for seconds).
        psycopg.connect(self.conninfo(), autocommit=True).close()
        self._unreachable_at: float | None = None
        # No `check=`: `_pooled` pings a connection before lending it itself, because the
        # pool's own check sleeps 1, 2, 4, 8 s between the dead connections it finds.
        self._pool = ConnectionPool(
            self.conninfo(),
            min_size=1,
            max_size=pool_size,
            open=True,
            timeout=POOL_WAIT_S,
            # Every connection stays in autocommit, as `connection()` promises: transactions
            # are explicit (`transaction()`, a snapshot read), a statement alone commits,
            # a session lock (`advisory_lock`) holds no snapshot open, VACUUM can run. (A
            # read once handed its connection back out of autocommit: a later
            # advisory_lock then sat "idle in transaction" holding back every vacuum.)
            kwargs={"autocommit": True},
            configure=self._configure,
        )

    @classmethod
    def create(cls, url: DatabaseURL) -> bool:
        """CREATE DATABASE unless it exists (the role needs CREATEDB)."""
        import psycopg
        from psycopg import sql
        from psycopg.conninfo import make_conninfo

        conninfo = make_conninfo(
            host=url.host,
            port=url.port,
            user=url.user,
            dbname="postgres",
            **({"password": url.password} if url.password else {}),
        )
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (url.dbname,)
                ).fetchone()
                if exists:
                    return False
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.dbname)))
                return True
        except psycopg.Error as error:
            raise DatabaseUnavailableError(str(error).strip()) from None

    # -- connections -----------------------------------------------------------------

    def conninfo(self) -> str:
        u = self.url
        parts = [
            f"host={u.host}",
            f"port={u.port}",
            f"user={u.user}",
            f"dbname={u.dbname}",
            "connect_timeout=5",
        ]
        if u.password:
            parts.append(f"password={u.password}")
        return " ".join(parts)

    def _configure(self, conn: Any) -> None:
        if self.url.schema:
            conn.execute(f'SET search_path TO "{self.url.schema}"')

    @contextmanager
    def connection(self) -> Iterator[Any]:
        with self._pooled() as conn:
            yield conn

    @contextmanager
    def _pooled(self, ping: bool = True) -> Iterator[Any]:
        """A pooled connection that answers a ping, waited for briefly if the server was
        just found unreachable (see POOL_WAIT_S). A server restart or pg_terminate_backend
        ends every pooled connection silently: when the one lent does not answer, all the
        idle ones are checked at once and the dead dropped, and a fresh one is taken.
        Without `ping`, lent as it is: for a caller that notices a lost connection itself
        and asks again with a ping (`_Reader`), saving a round trip on every read."""
        import psycopg_pool

        since = self._unreachable_at
        recent = since is not None and time.monotonic() - since < UNREACHABLE_MEMORY_S
        timeout = UNREACHABLE_WAIT_S if recent else POOL_WAIT_S
        try:
            conn = self._pool.getconn(timeout=timeout)
            if ping and not _answers(conn):
                self._pool.putconn(conn)  # closed: the pool drops it and opens another
                self._pool.check()
                conn = self._pool.getconn(timeout=timeout)
        except psycopg_pool.PoolTimeout:
            self._unreachable_at = time.monotonic()
            raise
        self._unreachable_at = None
        try:
            with conn:  # as the pool's own connection(): a transaction left open ends
                yield conn
        finally:
            self._pool.putconn(conn)

    def sql(self, statement: str) -> str:
        return _QMARK.sub("%s", statement.replace("%", "%%"))

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield Cursor(self, cur)

    @contextmanager
    def reading(self, snapshot: bool = False) -> Iterator[Cursor]:
        reader = _Reader(self, snapshot)
        try:
            yield reader.cursor
        finally:
            reader.close()

    def analyze(self, vacuum: Collection[str] = ()) -> None:
        # Without statistics (autovacuum off, or not yet round) the planner took a
        # teacher's history for thousands of events and walked the whole log: 15-230 ms
        # instead of 0.2-0.4 ms. ANALYZE of the schema's tables only. A rebuild's settles
        # leave their queues and facts full of dead rows (standing_dirty: 13 MB of them
        # for none alive at 100,000 teachers, read whole by every statistics read's "is
        # anything waiting" until a vacuum) and the index-only reads need the visibility
        # map a vacuum sets: the tables named in `vacuum` are vacuumed too, as
        # autovacuum would, whether it runs or not.
        with self.connection() as conn:  # in autocommit: VACUUM runs outside transactions
            for table, name in conn.execute(
                "SELECT table_name, quote_ident(table_name) FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            ).fetchall():
                verb = "VACUUM (ANALYZE)" if table in vacuum else "ANALYZE"
                conn.execute(f"{verb} {name}")

    def close(self) -> None:
        self._pool.close()

    # -- the library's events table ----------------------------------------------------

    @property
    def events_table(self) -> str:
        return f"{self.app_name.lower()}_events"  # as the library's factory names it

    def id_param(self, aggregate_id: UUID) -> Any:
        return aggregate_id

    def in_condition(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(?)", [list(values)]  # one parameter, however many values

    def index_range(
        self, column: str, key: str, value: Any, op: str | None, bound: Any = None
    ) -> tuple[str, list[Any]]:
        """As a row comparison and a range, not an equality: given `column = value`, the
        planner takes the column for a constant, so walking the primary key in `key`
        order and filtering looks as good as this index, and was not (a type first seen
        251,082 events into the log: 172 ms against 0.2 ms). `(column, key) > (v, b)` is
        one scan key of the index: it also starts at the bound."""
        if op is None:
            return f"{column} >= ? AND {column} <= ?", [value, value]
        stop = "<=" if op == ">" else ">="
        return f"({column}, {key}) {op} (?, ?) AND {column} {stop} ?", [value, bound, value]

    # -- the catalogue -----------------------------------------------------------------

    def table_names(self, cur: Cursor | None = None) -> set[str]:
        statement = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        rows = cur.query(statement) if cur is not None else self.query(statement)
        return {row[0] for row in rows}

    def table_exists(self, name: str) -> bool:
        row = self.query_one(
            "SELECT count(*) FROM information_schema.tables WHERE "
            "table_name = ? AND table_schema = current_schema()",
            (name,),
        )
        return bool(row and row[0])

    def columns(self, table: str, cur: Cursor | None = None) -> set[str]:
        statement = (
            "SELECT column_name FROM information_schema.columns WHERE "
            "table_name = ? AND table_schema = current_schema()"
        )
        rows = (
            cur.query(statement, (table,)) if cur is not None else self.query(statement, (table,))
        )
        return {row[0] for row in rows}

    # -- locks ---------------------------------------------------------------------------

    @contextmanager
    def advisory_lock(self, key: int) -> Iterator[None]:
        """A session advisory lock on a pooled connection, held while the block runs."""
        with self.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def lock(self, cur: Cursor, key: int) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(?)", (key,))  # released at commit

    def listener(self) -> Listener:
        from registry.storage.listening import Listener

        # The library NOTIFYs on a channel named after the events table.
        return Listener(self.conninfo(), self.events_table)

    # -- view tables -------------------------------------------------------------------

    def upsert_sql(self, table: Table) -> str:
        """Rows as one array per column, unnested (psycopg adapts lists in C)."""
        arrays = ", ".join(f"?::{_ARRAY[kind]}" for _, kind in table.columns)
        return (
            f"INSERT INTO {table.name} ({', '.join(table.names)}) "
            f"SELECT * FROM unnest({arrays}) {table.conflict_clause()}"
        )

    def write_rows(self, cur: Cursor, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        if len(rows) >= COPY_FROM_ROWS:
            self._copy_upsert(cur, table, rows)
            return
        columns = [list(column) for column in zip(*rows)]
        for index, (_, kind) in enumerate(table.columns):
            if kind == "REAL":  # psycopg cannot dump a list mixing int and float
                columns[index] = [float(v) if isinstance(v, int) else v for v in columns[index]]
        cur.execute(self.upsert_sql(table), columns)

    def _copy_upsert(self, cur: Cursor, table: Table, rows: Sequence[Sequence[Any]]) -> None:
        """Binary COPY into this session's staging table, then one upsert."""
        staging, names = f"{table.name}_staging", ", ".join(table.names)
        # Emptied at every commit; a second write to the table in one transaction finds
        # the first one's rows still there (and a rolled-back one leaves none).
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table.name}) ON COMMIT DELETE ROWS"
        )
        if cur.staged(staging):
            cur.execute(f"TRUNCATE {staging}")
        with cur.raw.copy(f"COPY {staging} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_COPY_TYPE[kind] for _, kind in table.columns])
            for row in rows:
                copy.write_row(row)
        cur.execute(
            f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} "
            f"{table.conflict_clause()}"
        )

    def empty(self, cur: Cursor, table: str) -> None:
        """TRUNCATE a big table (a rebuild's, at once); DELETE the rows of a small one:
        TRUNCATE makes new files for the table and each of its indexes, some 20 ms a
        table, which a rebuild of a small registry (a test's, a new installation's)
        paid for each of its three dozen tables."""
        row = cur.query_one("SELECT pg_total_relation_size(?::regclass)", (table,))
        small = row is not None and row[0] <= SMALL_TABLE_BYTES
        cur.execute(f"DELETE FROM {table}" if small else f"TRUNCATE {table}")

    # -- text search ---------------------------------------------------------------------

    def search_ddl(self, table: Table, column: str) -> list[str]:
        """A GIN index of the column's trigrams (pg_trgm, a trusted extension: the owner
        role may create it), which answers LIKE '%...%'. The extension goes in `public`
        so that every schema of the database finds it by the same name. GIN's pending list
        (entries not yet merged, which every search reads) is kept to 256 kB: at the
        default 4 MB, a search read it for 10-23 ms per word after a view's rebuild
        where the merged index answered in 0.04-0.7 ms (without the list at all, the
        compliance view's rebuild took 2.5 times as long)."""
        return [
            f"CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA {TRGM_SCHEMA}",
            f"CREATE INDEX IF NOT EXISTS {table.name}_{column}_trgm ON {table.name} "
            f"USING gin ({column} {TRGM_SCHEMA}.gin_trgm_ops) WITH (gin_pending_list_limit = 256)",
        ]

    def text_match(
        self, table: Table, column: str, substrings: Sequence[str], *, any_of: bool = False
    ) -> tuple[str, list]:
        """LIKE '%...%' for each substring: the GIN trigram index answers them together."""
        joint = " OR " if any_of else " AND "
        conditions = joint.join(f"{table.name}.{column} LIKE ?" for _ in substrings)
        escaped = [
            s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for s in substrings
        ]
        return f"({conditions})" if conditions else "TRUE", [f"%{s}%" for s in escaped]

    def text_contains(self, text: str, substrings: Sequence[str]) -> tuple[str, list]:
        return " AND ".join(f"strpos({text}, ?) > 0" for _ in substrings) or "TRUE", list(
            substrings
        )

    # pg_trgm's similarity: 4-10 µs a row (SQLite's length ratio, next to nothing).
    costly_similarity = True
    # Incremental Sort (PostgreSQL 13 on): a district's due list page by place reads the
    # intervals' index in the order of schools and stops at the page's end (1.6 ms at
    # 100,000 teachers), quicker than reading it a few schools at a time.
    sorts_incrementally = True

    def similarity(self, left: str, right: str) -> str:
        return f"{TRGM_SCHEMA}.similarity({left}, {right})"

    # -- stored events as stored -------------------------------------------------------

    def raw_events_sql(self, bounded: bool) -> str:
        """Binary rows with the id as its 16 bytes, which read ~2x faster than text rows
        of UUID objects."""
        column = self.position_column
        return (
            f"SELECT {column}, uuid_send(originator_id), originator_version, topic, "
            f"state FROM {self.events_table} WHERE {column} > %s"
            + (f" AND {column} <= %s" if bounded else "")
            + f" ORDER BY {column} LIMIT %s"
        )

    @contextmanager
    def raw_cursor(self, cursor: Cursor | None) -> Iterator[Any]:
        if cursor is not None:
            with cursor.raw.connection.cursor(binary=True) as raw:
                yield raw
            return
        with self.connection() as conn, conn.cursor(binary=True) as raw:
            yield raw

    def insert_raw(self, cur: Cursor, events: Sequence[RawEvent]) -> None:
        """COPY in binary: the fastest way in (positions given explicitly)."""
        with cur.raw.copy(
            f"COPY {self.events_table} (notification_id, originator_id, "
            "originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "uuid", "int8", "text", "bytea"])
            for e in events:
                copy.write_row(
                    (
                        e.position,
                        UUID(hex=e.originator_id),
                        e.version,
                        e.topic,
                        e.state if type(e.state) is bytes else bytes(e.state),
                    )
                )

    def continue_positions(self, cur: Cursor, position: int) -> None:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)",
            (self.events_table, position),
        )


def _answers(conn: Any) -> bool:
    """Whether a pooled connection answers a ping (one round trip)."""
    from psycopg_pool import ConnectionPool

    try:
        ConnectionPool.check_connection(conn)
    except Exception:  # whatever the failure, this connection is not to be lent
        return False
    return True


def _lost(conn: Any) -> bool:
    """Whether a connection is gone (the server ended it, the network broke)."""
    return conn is None or conn.closed  # a broken connection is closed too


class _Reader:
    """A read that moves once to a fresh connection when its own is lost: a pooled
    connection may be ended by the server (a restart, pg_terminate_backend) while it
    waits in the pool or during a statement. The first connection is lent without a ping
    (a lost one fails at its first statement, and the read moves, with a ping, to a
    connection that answers). A read without a snapshot runs each statement on its own
    (autocommit: no BEGIN and COMMIT round trips; each statement sees the latest
    commits, as in a READ COMMITTED transaction) and may move at any statement; a
    snapshot is a REPEATABLE READ transaction, and moves only before its first statement,
    since a new one would be a different snapshot."""

    def __init__(self, db: PostgresDatabase, snapshot: bool):
        self.db, self.snapshot = db, snapshot
        self.cursor = ReadCursor(db, self)
        self.conn: Any = None
        self.moved = False
        self.statements = 0
        self._stack: ExitStack | None = None
        self._connect(first=True)

    def _connect(self, first: bool) -> None:
        import psycopg
        import psycopg_pool

        stack = ExitStack()
        try:
            self.conn = stack.enter_context(self.db._pooled(ping=not first))
            if self.snapshot:
                # Ended by COMMIT, not ROLLBACK: the transaction is READ ONLY, so both end
                # it alike, but psycopg forgets every statement the connection prepared
                # at a ROLLBACK (and deallocates them all at the next statement), so each
                # snapshot read made the lookups beside it unprepared again.
                stack.enter_context(self.conn.transaction())
            raw = stack.enter_context(self.conn.cursor())
            if self.snapshot:
                raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            self._discard(stack, error)
            if first and _lost(self.conn) and not isinstance(error, psycopg_pool.PoolTimeout):
                self.moved = True
                return self._connect(first=False)
            raise DatabaseUnavailableError(f"the database could not be reached: {error}") from error
        except BaseException as error:
            self._discard(stack, error)
            raise
        self._stack, self.cursor.raw = stack, raw

    @staticmethod
    def _discard(stack: ExitStack, error: BaseException) -> None:
        try:
            stack.__exit__(type(error), error, error.__traceback__)
        except Exception:  # the rollback of a lost connection fails too; the pool drops it
            pass

    def run(self, action: Callable[[Any], Any]) -> Any:
        """Run one statement, moving to a fresh connection once if this one is lost."""
        import psycopg

        try:
            result = action(self.cursor.raw)
        except psycopg.Error as error:
            if not _lost(self.conn):
                raise
            stack, self._stack = self._stack, None
            if stack is not None:
                self._discard(stack, error)
            if self.moved or (self.snapshot and self.statements):
                raise DatabaseUnavailableError(f"the connection was lost: {error}") from error
            self.moved = True
            self._connect(first=False)
            try:
                result = action(self.cursor.raw)
            except psycopg.Error as again:
                if _lost(self.conn):
                    raise DatabaseUnavailableError(f"the connection was lost: {again}") from again
                raise
        self.statements += 1
        return result

    def close(self) -> None:
        stack, self._stack = self._stack, None
        if stack is None:
            return
        try:
            stack.close()
        except Exception:
            if not _lost(self.conn):
                raise  # a lost connection's rollback fails; nothing was written anyway


class ReadCursor(Cursor):
    """A read cursor whose statements survive one lost connection (`_Reader`)."""

    def __init__(self, db: PostgresDatabase, reader: _Reader):
        super().__init__(db, None)
        # Weakly: the reader holds this cursor, and a cycle between them would outlive the
        # read until the cyclic collector ran, keeping the psycopg cursor and its last
        # result (a batch of the log: tens of MB in libpq's memory) alive. A rebuild pauses
        # the collector (`collector_paused`): its memory grew by every batch it read.
        self._reader = weakref.proxy(reader)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        sql = self.db.sql(statement)
        self._reader.run(lambda raw: raw.execute(sql, tuple(params)))
        return self

    def query(
        self, statement: str, params: Sequence[Any] = (), *, fresh_plan: bool = False
    ) -> list[tuple]:
        sql = self.db.sql(statement)
        options = self.db.fresh_plan_options if fresh_plan else {}

        def fetch(raw: Any) -> list[tuple]:
            raw.execute(sql, tuple(params), **options)
            return [tuple(row) for row in raw.fetchall()]

        return self._reader.run(fetch)
