"""What a database error means to the registry: unreachable, the data's fault, or ours."""

from __future__ import annotations

import sqlite3


class DatabaseUnavailableError(ConnectionError):
    """The database could not be reached, even on a fresh connection (a read is retried
    once; the web layer answers 503 database_unavailable)."""


def unreachable(error: BaseException) -> bool:
    """Whether an error says the database cannot be reached or answer now (a lost
    connection, no connection within the pool's timeout, a server shutting down)."""
    import psycopg
    import psycopg_pool
    from eventsourcing.persistence import InterfaceError, OperationalError

    return isinstance(
        error,
        (
            DatabaseUnavailableError,
            psycopg.OperationalError,
            psycopg.InterfaceError,
            psycopg_pool.PoolTimeout,
            OperationalError,
            InterfaceError,
        ),
    )


def blames_the_data(error: BaseException) -> bool:
    """Whether an error lies in the values being written or handled (a NUL PostgreSQL's
    text refuses, a constraint, a handler's KeyError on an unexpected event shape), not
    in the database's state (a lost connection, a lock, a missing table, our own SQL):
    only the former may set an event aside; the latter is retried."""
    import psycopg
    import psycopg_pool

    if isinstance(
        error,
        (psycopg.DataError, psycopg.IntegrityError, sqlite3.DataError, sqlite3.IntegrityError),
    ):
        return True
    if isinstance(
        error,
        (
            psycopg.Error,
            sqlite3.Error,
            psycopg_pool.PoolTimeout,
            OSError,
            MemoryError,
            RecursionError,
        ),
    ):
        return False
    return isinstance(error, Exception)
