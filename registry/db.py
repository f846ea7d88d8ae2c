"""Our own SQL (views, event log reads, ledger) on either engine, written once.

Statements use `?` placeholders and portable SQL (ON CONFLICT upserts, TEXT/INTEGER
columns, ISO dates as text); `Database` adapts the placeholders and connections.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

from registry.settings import DatabaseURL

_QMARK = re.compile(r"\?")
# A pooled PostgreSQL connection is waited for up to POOL_WAIT_S; once none came in time
# (the server is down or refuses us), only UNREACHABLE_WAIT_S for UNREACHABLE_MEMORY_S
# after, so a request's later statements answer 503 at once instead of each waiting again.
POOL_WAIT_S, UNREACHABLE_WAIT_S, UNREACHABLE_MEMORY_S = 10.0, 0.5, 5.0


class Database:
    """Connections to the registry's database for everything the library does not own."""

    def __init__(self, url: DatabaseURL, *, pool_size: int = 4):
        self.url = url
        self.backend = url.backend
        self.events_table = "stored_events"
        self.position_column = "rowid" if self.backend == "sqlite" else "notification_id"
        if self.backend == "sqlite":
            Path(url.path).parent.mkdir(parents=True, exist_ok=True)
            self._local = threading.local()
            self._all: list[sqlite3.Connection] = []
            self._lock = threading.Lock()
        else:
            from psycopg_pool import ConnectionPool

            # `check` pings a pooled connection before lending it, so a server restart
            # or a dropped connection costs a reconnect instead of a failed request.
            import psycopg

            # One plain connection first: an unreachable server or a missing database fails
            # here at once, with the server's own reason (the pool would retry for seconds).
            psycopg.connect(self.conninfo(), autocommit=True).close()
            self._unreachable_at: float | None = None
            self._pool = ConnectionPool(self.conninfo(), min_size=1, max_size=pool_size,
                                        open=True, timeout=POOL_WAIT_S,
                                        kwargs={"autocommit": True},
                                        configure=self._configure_pg,
                                        check=ConnectionPool.check_connection)

    # -- connections -----------------------------------------------------------------

    def conninfo(self) -> str:
        u = self.url
        parts = [f"host={u.host}", f"port={u.port}", f"user={u.user}", f"dbname={u.dbname}",
                 "connect_timeout=5"]
        if u.password:
            parts.append(f"password={u.password}")
        return " ".join(parts)

    def _configure_pg(self, conn: Any) -> None:
        if self.url.schema:
            conn.execute(f'SET search_path TO "{self.url.schema}"')

    def _sqlite(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.url.path, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # View tables are keyed by random ids: with the default 2 MB page cache a
            # rebuild spends most of its time re-reading index pages.
            conn.execute("PRAGMA cache_size=-65536")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A raw connection (sqlite3 or psycopg) in autocommit mode."""
        if self.backend == "sqlite":
            yield self._sqlite()
        else:
            with self._pooled() as conn:
                yield conn

    @contextmanager
    def _pooled(self) -> Iterator[Any]:
        """A pooled PostgreSQL connection, waited for briefly if the server was just found
        unreachable (see POOL_WAIT_S)."""
        import psycopg_pool

        since = self._unreachable_at
        recent = since is not None and time.monotonic() - since < UNREACHABLE_MEMORY_S
        with ExitStack() as stack:
            try:
                conn = stack.enter_context(self._pool.connection(
                    timeout=UNREACHABLE_WAIT_S if recent else POOL_WAIT_S))
            except psycopg_pool.PoolTimeout:
                self._unreachable_at = time.monotonic()
                raise
            self._unreachable_at = None
            yield conn

    def sql(self, statement: str) -> str:
        """Adapt a `?`-placeholder statement to the engine."""
        if self.backend == "sqlite":
            return statement
        return _QMARK.sub("%s", statement.replace("%", "%%"))

    @contextmanager
    def transaction(self) -> Iterator["Cursor"]:
        """One write transaction (IMMEDIATE on SQLite, so writers queue instead of failing)."""
        with self.connection() as conn:
            if self.backend == "sqlite":
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Cursor(self, conn.cursor())
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                with conn.transaction():
                    with conn.cursor() as cur:
                        yield Cursor(self, cur)

    @contextmanager
    def reading(self, snapshot: bool = False) -> Iterator["Cursor"]:
        """A read-only cursor. Its statements see one snapshot of the database on SQLite
        (a read transaction); on PostgreSQL each sees the latest commits, or with
        `snapshot` they all see the database as of the first one (REPEATABLE READ)."""
        if self.backend != "sqlite":
            reader = _Reader(self, snapshot)
            try:
                yield reader.cursor
            finally:
                reader.close()
            return
        with self.connection() as conn:
            conn.execute("BEGIN")
            try:
                yield Cursor(self, conn.cursor())
            finally:
                conn.execute("ROLLBACK")

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.reading() as cur:
            return cur.query(statement, params)

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> tuple | None:
        rows = self.query(statement, params)
        return rows[0] if rows else None

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        with self.transaction() as cur:
            cur.execute(statement, params)

    def release_thread(self) -> None:
        """Close the calling thread's SQLite connection (a short-lived thread's, when it
        ends); PostgreSQL connections go back to the pool by themselves."""
        conn = getattr(self._local, "conn", None) if self.backend == "sqlite" else None
        if conn is not None:
            with self._lock:
                if conn in self._all:
                    self._all.remove(conn)
            conn.close()
            self._local.conn = None

    def close(self) -> None:
        if self.backend == "sqlite":
            with self._lock:
                for conn in self._all:
                    conn.close()
                self._all.clear()
            self._local = threading.local()
        else:
            self._pool.close()


class DatabaseUnavailableError(ConnectionError):
    """The database could not be reached, even on a fresh connection (a read is retried
    once; the web layer answers 503 database_unavailable)."""


def _lost(conn: Any) -> bool:
    """Whether a PostgreSQL connection is gone (the server ended it, the network broke)."""
    return conn is None or conn.closed  # a broken connection is closed too


class _Reader:
    """A PostgreSQL read transaction that moves once to a fresh connection when its own is
    lost: a pooled connection may be ended by the server (a restart, pg_terminate_backend)
    between the pool's check and its use, or during a statement. A read without a
    snapshot may move at any statement (each sees the latest commits anyway); a snapshot
    only before its first statement, since a new one would be a different snapshot."""

    def __init__(self, db: Database, snapshot: bool):
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
            self.conn = stack.enter_context(self.db._pooled())
            stack.enter_context(self.conn.transaction(force_rollback=True))
            raw = stack.enter_context(self.conn.cursor())
            if self.snapshot:
                raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        except (psycopg.Error, psycopg_pool.PoolTimeout) as error:
            self._discard(stack, error)
            if first and _lost(self.conn) and not isinstance(error, psycopg_pool.PoolTimeout):
                self.moved = True
                return self._connect(first=False)
            raise DatabaseUnavailableError(f"the database could not be reached: {error}") \
                from error
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
                raise DatabaseUnavailableError(f"the connection was lost: {error}") \
                    from error
            self.moved = True
            self._connect(first=False)
            try:
                result = action(self.cursor.raw)
            except psycopg.Error as again:
                if _lost(self.conn):
                    raise DatabaseUnavailableError(f"the connection was lost: {again}") \
                        from again
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

    def execute(self, statement: str, params: Sequence[Any] = ()) -> "Cursor":
        self.raw.execute(self.db.sql(statement), tuple(params))
        return self

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.raw.executemany(self.db.sql(statement), rows)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        self.raw.execute(self.db.sql(statement), tuple(params))
        return [tuple(row) for row in self.raw.fetchall()]

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> tuple | None:
        rows = self.query(statement, params)
        return rows[0] if rows else None

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount


class ReadCursor(Cursor):
    """A PostgreSQL read cursor whose statements survive one lost connection (`_Reader`)."""

    def __init__(self, db: Database, reader: _Reader):
        super().__init__(db, None)
        self._reader = reader

    def execute(self, statement: str, params: Sequence[Any] = ()) -> "Cursor":
        sql = self.db.sql(statement)
        self._reader.run(lambda raw: raw.execute(sql, tuple(params)))
        return self

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        sql = self.db.sql(statement)

        def fetch(raw: Any) -> list[tuple]:
            raw.execute(sql, tuple(params))
            return [tuple(row) for row in raw.fetchall()]

        return self._reader.run(fetch)


def blames_the_data(error: BaseException) -> bool:
    """Whether an error lies in the values being written or handled (a NUL PostgreSQL's
    text refuses, a constraint, a handler's KeyError on an unexpected event shape), not
    in the database's state (a lost connection, a lock, a missing table, our own SQL):
    only the former may set an event aside; the latter is retried."""
    import psycopg
    import psycopg_pool

    if isinstance(error, (psycopg.DataError, psycopg.IntegrityError, sqlite3.DataError,
                          sqlite3.IntegrityError)):
        return True
    if isinstance(error, (psycopg.Error, sqlite3.Error, psycopg_pool.PoolTimeout, OSError,
                          MemoryError, RecursionError)):
        return False
    return isinstance(error, Exception)
