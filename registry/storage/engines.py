"""Which kind of `Database` a URL names, and what can be done to one before opening it."""

from __future__ import annotations

from collections.abc import Sequence

from registry.settings import DatabaseURL
from registry.storage.database import Database
from registry.storage.popo import PopoDatabase
from registry.storage.postgres import PostgresDatabase
from registry.storage.sqlite import MemoryDatabase, SqliteDatabase

ENGINES: dict[str, type[Database]] = {
    "sqlite": SqliteDatabase,
    "postgresql": PostgresDatabase,
    "memory": PopoDatabase,
}


def engine(url: DatabaseURL) -> type[Database]:
    """The kind of database `url` names: an SQLite file, a PostgreSQL server, or memory
    (the library's in-memory store: tests of the commands)."""
    return ENGINES[url.backend]


def open_database(url: DatabaseURL, *, pool_size: int = 4, app_name: str = "Registry") -> Database:
    """Connections to the database at `url` (`pool_size`: a server's, at most)."""
    return engine(url)(url, pool_size=pool_size, app_name=app_name)


def create_database(url: DatabaseURL) -> bool:
    """Create the database `url` names unless it exists; returns whether it is new.
    DatabaseUnavailableError when the server refuses."""
    return engine(url).create(url)


def holds_tables(url: DatabaseURL) -> bool:
    """Whether the database (or the URL's schema of it) has any table."""
    db = open_database(url, pool_size=1)
    try:
        return bool(db.table_names())
    finally:
        db.close()


def memory_database(template: Sequence[str] = (), *, app_name: str = "Registry") -> Database:
    """A private database in memory whose tables `template` creates (SQLite, whatever the
    registry's engine): for a short task of one thread, closed when done."""
    return MemoryDatabase(template, app_name=app_name)
