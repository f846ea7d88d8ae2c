"""Reads from a PostgreSQL hot standby: opened only when it is one of the primary's, and
how far behind it is.

A standby is a copy of the whole primary cluster kept by streaming replication, so its
view tables and their tracking rows (`projection_tracking`) arrive together, in commit
order: where the tracking rows say a view stands, its rows stand too, and a wait for a
position on the standby (`registry.storage.waiting`) is read-your-writes. Nothing may be
written there (PostgreSQL refuses), which suits the read side, which writes nothing.

A URL that names anything else would answer wrongly without a word (another cluster's
data, a promoted former standby going its own way, another database of the same
cluster), so `open_standby` refuses it at once with the reason: the server must be in
recovery, its `system_identifier` (pg_control_system(), the same on every copy of one
cluster) the primary's, and its database and schema the primary's.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.domain.errors import RegistryError
from registry.settings import DatabaseURL
from registry.storage.database import Database
from registry.storage.engines import open_database
from registry.storage.errors import DatabaseUnavailableError, unreachable


class NotAStandbyError(RegistryError):
    """The read database is not a hot standby of the primary (a deployment's mistake:
    reads from it would be wrong, so nothing starts on it)."""

    code = "read_database_not_a_standby"


@dataclass(frozen=True)
class ServerIdentity:
    """What tells one PostgreSQL server's copy of the data from another's."""

    system_identifier: int
    in_recovery: bool
    database: str
    schema: str


@dataclass(frozen=True)
class StandbyLag:
    """How far the standby trails the primary: its replay in seconds (0 once it has
    replayed everything the primary had written when asked; None if it has replayed no
    transaction since it started) and the registry's events it does not have yet."""

    seconds: float | None
    events: int
    in_recovery: bool


def identity(db: Database) -> ServerIdentity:
    """The server's cluster, whether it is in recovery, and the database and schema read."""
    row = db.query_one(
        "SELECT (SELECT system_identifier FROM pg_control_system()), pg_is_in_recovery(), "
        "current_database(), current_schema()"
    )
    assert row is not None  # a SELECT without FROM answers one row
    return ServerIdentity(int(row[0]), bool(row[1]), row[2], row[3] or "")


def check_standby(primary: Database, standby: Database) -> None:
    """NotAStandbyError unless `standby` is a hot standby of `primary`'s cluster reading
    the same database and schema."""
    if primary.embedded or standby.embedded:
        raise _not_postgres()
    ours, theirs = identity(primary), identity(standby)
    where = standby.url.redacted()
    if not theirs.in_recovery:
        raise NotAStandbyError(
            f"The read database {where} is not a hot standby: it is not in recovery (a "
            "primary of its own, or a promoted standby), so its data may differ from the "
            f"primary's ({primary.url.redacted()}).",
            field="read_database_url",
        )
    if theirs.system_identifier != ours.system_identifier:
        raise NotAStandbyError(
            f"The read database {where} is a standby of another cluster: its system "
            f"identifier is {theirs.system_identifier}, the primary's "
            f"({primary.url.redacted()}) {ours.system_identifier}.",
            field="read_database_url",
        )
    if (theirs.database, theirs.schema) != (ours.database, ours.schema):
        raise NotAStandbyError(
            f"The read database {where} reads database {theirs.database!r}, schema "
            f"{theirs.schema!r}; the primary's are {ours.database!r}, {ours.schema!r}.",
            field="read_database_url",
        )


def _not_postgres() -> NotAStandbyError:
    return NotAStandbyError(
        "Reads from a standby need PostgreSQL for both the primary and the standby.",
        field="read_database_url",
    )


def open_standby(
    url: DatabaseURL, primary: Database, *, pool_size: int = 4, app_name: str = "Registry"
) -> Database:
    """Connections to the hot standby at `url` of `primary`'s cluster, for reads only.
    NotAStandbyError if it is not one; DatabaseUnavailableError (or the driver's
    connection error) if it cannot be reached."""
    if url.embedded or primary.embedded:
        raise _not_postgres()
    try:
        standby = open_database(url, pool_size=pool_size, app_name=app_name)
    except Exception as error:
        if not unreachable(error):
            raise
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise DatabaseUnavailableError(
            f"the read database {url.redacted()} cannot be reached: {reason}"
        ) from error
    try:
        check_standby(primary, standby)
    except BaseException:
        standby.close()
        raise
    return standby


def verify_standby(url: DatabaseURL, primary_url: DatabaseURL) -> None:
    """Check, with connections opened for it alone, that `url` is a hot standby of the
    primary at `primary_url` (a server's start, before it forks its workers)."""
    primary = open_database(primary_url, pool_size=1)
    try:
        open_standby(url, primary, pool_size=1).close()
    finally:
        primary.close()


def standby_lag(primary: Database, standby: Database) -> StandbyLag:
    """How far `standby` trails `primary` now (the primary is asked first, so the standby
    is never found ahead of it)."""
    column, table = primary.position_column, primary.events_table
    lsn, head = primary.query_one(
        f"SELECT pg_current_wal_lsn()::text, (SELECT MAX({column}) FROM {table})"
    ) or (None, None)
    row = standby.query_one(
        "SELECT pg_is_in_recovery(), "
        "COALESCE(pg_last_wal_replay_lsn() >= ?::pg_lsn, false), "
        "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), "
        f"(SELECT MAX({column}) FROM {table})",
        (lsn,),
    )
    assert row is not None  # a SELECT without FROM answers one row
    in_recovery, caught_up, age, standby_head = row
    seconds = 0.0 if caught_up else (max(0.0, float(age)) if age is not None else None)
    return StandbyLag(
        seconds=seconds,
        events=max(0, (head or 0) - (standby_head or 0)),
        in_recovery=bool(in_recovery),
    )
