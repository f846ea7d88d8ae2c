"""The one place that knows the database engine and the eventsourcing library's internals.

Everything else asks a `Database` (opened by `open_database`): its tables, columns, ids,
locks, the events table and its position column, and the engine's ways of writing many
rows. Only this package imports sqlite3, psycopg or psycopg_pool, and only it reaches
into the library's recorders and mapper (the bulk writer, the fact reader, the
application base `Store`); each copy of library code kept here for speed has a test that
fails when the library's behaviour differs.
"""

from registry.storage.database import Cursor, Database
from registry.storage.engines import memory_database, open_database
from registry.storage.errors import DatabaseUnavailableError
from registry.storage.standby import NotAStandbyError

__all__ = [
    "Cursor",
    "Database",
    "DatabaseUnavailableError",
    "NotAStandbyError",
    "memory_database",
    "open_database",
]
