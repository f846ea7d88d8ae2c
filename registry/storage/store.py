"""The eventsourcing Application as the registry stores its events through it.

`registry.application.Registry` is this plus the commands. Everything here touches the
library's own machinery: its configuration (the settings only, never the process
environment), the date transcoding, who recorded each event (stamped in `_record`, the
library's hook between collecting a save's events and storing them), saves of many
aggregates in the order their events happened (through the bulk writer), aggregates
read many at a time, and positions in the log. The tests in
tests/integration/test_storage_library.py fail when the library stops calling these
hooks, or stores differently from the copies kept here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import (
    ApplicationRecorder,
    JSONTranscoder,
    Notification,
    Recording,
    StoredEvent,
)
from eventsourcing.persistence import OperationalError as LibraryOperationalError
from eventsourcing.utils import Environment, EnvType

from registry.settings import Settings
from registry.storage.bulk import BulkWriter
from registry.storage.database import Database
from registry.storage.engines import open_database
from registry.storage.standby import StandbyLag, open_standby, standby_lag
from registry.storage.transcodings import DateAsISO

POOL_WAIT_S = 1
"""Seconds a statement waits for a connection of the library's pool before it gives up;
the library tries a statement 10 times (0.2 s apart), so ~12 s in all with the server
gone (its default of 30 s made that 5 minutes)."""
RECORDER_WAIT_S = 10.0
"""Seconds a store's start tries to get the library's first connection (see above)."""


def library_env(settings: Settings, *, create_table: bool = False) -> dict[str, str]:
    """The library's configuration, complete, so no stray process variable leaks in."""
    db = settings.database
    env = {"CREATE_TABLE": "y" if create_table else "n"}
    if db.backend == "memory":
        env.update(PERSISTENCE_MODULE="eventsourcing.popo")
    elif db.embedded:
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=db.path,
            SQLITE_LOCK_TIMEOUT=str(settings.lock_timeout_s),
        )
    else:
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=db.dbname,
            POSTGRES_HOST=db.host,
            POSTGRES_PORT=str(db.port),
            POSTGRES_USER=db.user,
            POSTGRES_PASSWORD=db.password,
            POSTGRES_SCHEMA=db.schema,
            # One connection at first, more as requests need them (up to the setting
            # and 5 beyond, as before): a process that writes little (a test, a CLI
            # command, a reader) does not open five connections it never uses.
            POSTGRES_POOL_SIZE="1",
            POSTGRES_MAX_OVERFLOW=str(settings.pool_size + 4),
            POSTGRES_LOCK_TIMEOUT=str(settings.lock_timeout_s),
            POSTGRES_CONN_MAX_AGE="3600",
            # No pre-ping: a ping per lent connection, and after a dropped connection the
            # pool's check backoff (1, 2, 4, 8 s) stalled requests ~15 s; the library retries
            # a statement that fails on a broken connection on a fresh one itself.
            POSTGRES_PRE_PING="n",
            # How long to wait for a pooled connection (whole seconds): see POOL_WAIT_S.
            POSTGRES_CONNECT_TIMEOUT=str(POOL_WAIT_S),
        )
    return env


class Store(Application):
    """An event store configured by the settings, with our own connections beside it."""

    def __init__(self, settings: Settings, *, create_table: bool = False):
        self.settings = settings
        self._listeners: list[Callable[[int], None]] = []
        self._listeners_lock = threading.Lock()
        self._db: Database | None = None
        self._read_db: Database | None = None
        self._bulk: BulkWriter | None = None
        if not settings.database.embedded:
            self.db  # noqa: B018  (fails at once, with the server's reason, if unreachable)
        standby = settings.read_database
        if standby is not None and not create_table:
            # At once, so a URL that is no standby of this primary stops every command
            # and server before it answers anything (initialising reads nothing: a
            # database just created may not have reached the standby yet).
            self._read_db = open_standby(
                standby, self.db, pool_size=settings.pool_size, app_name=self.name
            )
        super().__init__(env=library_env(settings, create_table=create_table))

    # -- configuration -----------------------------------------------------------------

    def construct_recorder(self) -> ApplicationRecorder:
        """The library's recorder, tried again for up to RECORDER_WAIT_S: building it
        takes a connection of the library's pool, which waits only POOL_WAIT_S for one,
        and a busy server can take longer to start the pool's first backend (the library
        retries its statements, not this). An unreachable server failed before, at once
        (`self.db`)."""
        deadline = time.monotonic() + RECORDER_WAIT_S
        while True:
            try:
                return super().construct_recorder()
            except LibraryOperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)  # a failure that came at once is not tried again at once

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the settings configure the store: stray process variables must not."""
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def db(self) -> Database:
        """Our own connections (event log reads, views); opened on first use."""
        if self._db is None:
            self._db = open_database(
                self.settings.database, pool_size=self.settings.pool_size, app_name=self.name
            )
        return self._db

    @property
    def read_db(self) -> Database:
        """Where the read side reads the views: the hot standby of the setting
        `read_database_url` if there is one, else `db`. Nothing is written through it."""
        return self._read_db if self._read_db is not None else self.db

    def standby_lag(self) -> StandbyLag | None:
        """How far the standby the reads go to trails the primary (None: no standby)."""
        if self._read_db is None:
            return None
        return standby_lag(self.db, self._read_db)

    def close(self) -> None:
        if self._read_db is not None:
            self._read_db.close()
        if self._db is not None:
            self._db.close()
        super().close()

    # -- saving ------------------------------------------------------------------------

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        """Stamp each event with who recorded it before it is stored."""
        meta = processing_event.saved_kwargs.pop("meta", None)
        if meta is not None:
            for domain_event in processing_event.events:
                domain_event.__dict__["meta"] = meta
        return super()._record(processing_event)

    def save_in_order(self, aggregates: list[Any], meta: dict[str, Any]) -> list[Recording]:
        """`save()` with the events in the order they happened, stored by the bulk path."""
        ordered = self.events_in_order(aggregates, meta)
        # The library's own path: with snapshots (not used), or events not in a table.
        if (self.snapshots and self.snapshotting_intervals) or not self.db.holds_events:
            processing: ProcessingEvent[UUID] = ProcessingEvent()
            processing.collect_events(*ordered)
            processing.aggregates = {aggregate.id: aggregate for aggregate in aggregates}
            recordings = self._record(processing)
            self._take_snapshots(processing)
            self._notify(recordings)
            return recordings
        last = self.bulk_writer.store(ordered)
        if self.repository.cache and not self.repository.fastforward:
            for aggregate in aggregates:
                self.repository.cache.put(aggregate.id, aggregate)
        recordings = [last] if last is not None else []
        self._notify(recordings)
        return recordings

    @staticmethod
    def events_in_order(aggregates: list[Any], meta: dict[str, Any]) -> list[Any]:
        """Collect the aggregates' pending events, sorted by time and stamped with `meta`.

        The sort is stable, so one command's events keep their order; if a clock stepped
        back, each aggregate's own order wins.
        """
        events = [e for aggregate in aggregates for e in aggregate.collect_events()]
        ordered = sorted(events, key=_timestamp)
        if not _versions_follow(ordered):
            ordered = events
        for domain_event in ordered:
            domain_event.__dict__["meta"] = meta
        return ordered

    @property
    def bulk_writer(self) -> BulkWriter:
        """The fast writer of many events in one transaction (generate, import)."""
        if self._bulk is None:
            self._bulk = BulkWriter(self.mapper, self.recorder, self.db)
        return self._bulk

    def _notify(self, recordings: list[Recording]) -> None:
        if recordings:
            self.notify_position(recordings[-1].notification.id)

    def notify_position(self, position: int) -> None:
        """Tell this process's listeners that the log now reaches `position`."""
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(position)

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call `listener(position)` after each save in this process (embedded followers)."""
        with self._listeners_lock:
            self._listeners.append(listener)

    # -- reading -------------------------------------------------------------------------

    def max_position(self) -> int | None:
        return self.recorder.max_notification_id()

    def position_of(self, aggregate_id: UUID, version: int) -> int | None:
        """The global position of one stored event."""
        db = self.db
        if not db.holds_events:
            return next(
                (
                    n.id
                    for n in self._notifications()
                    if n.originator_id == aggregate_id and n.originator_version == version
                ),
                None,
            )
        row = db.query_one(
            f"SELECT {db.position_column} FROM {db.events_table} "
            "WHERE originator_id = ? AND originator_version = ?",
            (db.id_param(aggregate_id), version),
        )
        return row[0] if row else None

    def stored_ids(self) -> set[UUID]:
        """The id of every stored aggregate (a bulk run checks new ids here, not one by one)."""
        db = self.db
        if not db.holds_events:
            return {db.id_value(n.originator_id) for n in self._notifications()}
        return {
            db.id_value(row[0])
            for row in db.query(f"SELECT DISTINCT originator_id FROM {db.events_table}")
        }

    def read_aggregates(self, aggregate_ids: Sequence[UUID], *, chunk: int = 500) -> dict[int, Any]:
        """Many aggregates in a few queries, by `UUID.int` (the absent ones are left out).

        The events are decoded by the application's mapper and applied in version order,
        as the repository does for one aggregate.
        """
        db, mapper = self.db, self.mapper
        found: dict[int, Any] = {}
        if not db.holds_events:
            for aggregate_id in aggregate_ids:
                try:
                    found[aggregate_id.int] = self.repository.get(aggregate_id)
                except AggregateNotFoundError:
                    pass
            return found
        for start in range(0, len(aggregate_ids), chunk):
            where, params = db.ids_condition("originator_id", aggregate_ids[start : start + chunk])
            rows = db.query(
                f"SELECT originator_id, originator_version, topic, state FROM "
                f"{db.events_table} WHERE {where} "
                "ORDER BY originator_id, originator_version",
                params,
            )
            for originator_id, version, topic, state in rows:
                aggregate_id = db.id_value(originator_id)
                domain_event = mapper.to_domain_event(
                    StoredEvent(
                        originator_id=aggregate_id,
                        originator_version=version,
                        topic=topic,
                        state=bytes(state),
                    )
                )
                key = aggregate_id.int
                found[key] = domain_event.mutate(found.get(key))  # type: ignore[attr-defined]  # an aggregate's event; the mapper's protocol names no mutate
        return found

    def _notifications(self, page: int = 1000) -> Iterator[Notification]:
        """Every stored event through the library's recorder (memory: no table to query)."""
        after = 0
        while notifications := self.recorder.select_notifications(
            start=after, limit=page, inclusive_of_start=False
        ):
            yield from notifications
            after = notifications[-1].id


def _timestamp(domain_event: Any) -> Any:
    return domain_event.timestamp


def _versions_follow(events: list[Any]) -> bool:
    """Whether each aggregate's events come in version order."""
    last: dict[Any, int] = {}
    for domain_event in events:
        previous = last.get(domain_event.originator_id)
        if previous is not None and domain_event.originator_version != previous + 1:
            return False
        last[domain_event.originator_id] = domain_event.originator_version
    return True
