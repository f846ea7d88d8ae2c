"""The registry application: the event store and one command method per write."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import JSONTranscoder, Recording
from eventsourcing.utils import Environment, EnvType

from registry.bulkwrite import BulkWriter
from registry.commands.accounts import AccountCommands
from registry.commands.base import Actor, CommandRunner, Session, actor_meta
from registry.commands.certificates import CertificateCommands
from registry.commands.programmes import ProgrammeCommands
from registry.commands.providers import ProviderCommands
from registry.commands.teachers import TeacherCommands
from registry.keys import Keys
from registry.settings import Settings
from registry.storage import Database, open_database
from registry.transcodings import DateAsISO


class Registry(TeacherCommands, ProviderCommands, ProgrammeCommands, CertificateCommands,
               AccountCommands, Application):
    """The national registry: every write is a command here, every fact an event."""

    name = "Registry"

    def __init__(self, settings: Settings, *, create_table: bool = False):
        self.settings = settings
        self.keys = Keys(settings.secret_key)
        self.commands = CommandRunner(self)
        self._listeners: list[Callable[[int], None]] = []
        self._listeners_lock = threading.Lock()
        self._db: Database | None = None
        self._bulk: BulkWriter | None = None
        if not settings.database.embedded:
            self.db  # noqa: B018  (fails at once, with the server's reason, if unreachable)
        super().__init__(env=settings.eventsourcing_env(create_table=create_table))

    # -- configuration -----------------------------------------------------------------

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
            self._db = open_database(self.settings.database, pool_size=self.settings.pool_size,
                                     app_name=self.name)
        return self._db

    def close(self) -> None:
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

    def save_session(self, session: Session, meta: dict[str, Any], *,
                     chronological: bool = False) -> int | None:
        """Save every changed aggregate of a session atomically; returns the last position.

        `chronological` stores the events in the order they happened across aggregates
        (bulk runs), so recorded times never decrease along the log.
        """
        pending = session.pending()
        if not pending:
            return self.max_position()
        if chronological and len(pending) > 1:
            recordings = self._save_in_order(pending, meta)
        else:
            recordings = self.save(*pending, meta=meta)
        session.saved(pending)
        return recordings[-1].notification.id if recordings else None

    def _save_in_order(self, aggregates: list[Any], meta: dict[str, Any]) -> list[Recording]:
        """`save()` with the events in the order they happened, stored by the bulk path."""
        ordered = self.events_in_order(aggregates, meta)
        if self.snapshots and self.snapshotting_intervals:  # not used; keep the library's path
            processing = ProcessingEvent()
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
            self._bulk = BulkWriter(self)
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

    def max_position(self) -> int | None:
        return self.recorder.max_notification_id()

    def position_of(self, aggregate_id: UUID, version: int) -> int | None:
        """The global position of one stored event."""
        row = self.db.query_one(
            f"SELECT {self.db.position_column} FROM {self.db.events_table} "
            "WHERE originator_id = ? AND originator_version = ?",
            (self.db.id_param(aggregate_id), version))
        return row[0] if row else None

    # -- batches -----------------------------------------------------------------------

    def stored_ids(self) -> set[UUID]:
        """The id of every stored aggregate (a bulk run checks new ids here, not one by one)."""
        rows = self.db.query(f"SELECT DISTINCT originator_id FROM {self.db.events_table}")
        return {self.db.id_value(row[0]) for row in rows}

    @contextmanager
    def batch(self, actor: Actor, *, size: int = 500, preload_ids: bool = False,
              sink: Callable[[list[Any]], None] | None = None) -> Iterator["Batch"]:
        """Run many commands into shared sessions saved `size` commands at a time.

        `preload_ids` reads the stored ids once, so that new ids (generated history) are
        known to be free without a read per command. A `sink` receives each save's events
        in order instead of the store (generate merges regional runs before storing).
        """
        previous = self.commands.batch  # before the batch makes itself the current one
        batch = Batch(self, actor, size, preload_ids=preload_ids, sink=sink)
        try:
            yield batch
            batch.flush()
        finally:
            self.commands.batch = previous


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


class Batch:
    """A run of commands saved together (bulk paths: generate, import)."""

    def __init__(self, app: Registry, actor: Actor, size: int, *, preload_ids: bool = False,
                 sink: Callable[[list[Any]], None] | None = None):
        self.app = app
        self.actor = actor
        self.size = size
        self.sink = sink
        self.count = 0
        self.events = 0
        self.last_position: int | None = None
        self.meta = actor_meta(actor)
        self.known_ids = {i.int for i in app.stored_ids()} if preload_ids else None
        self._new_session()

    def _new_session(self) -> None:
        self.session = Session(self.app, known_ids=self.known_ids)
        self.activate()

    def activate(self) -> None:
        """Make the following commands run into this batch (several may take turns)."""
        self.app.commands.batch = self.session

    def step(self) -> None:
        """Count one command; save when the batch is full."""
        self.count += 1
        if self.count % self.size == 0:
            self.flush()

    def flush(self) -> None:
        """Save what the commands so far changed, in the order it happened."""
        pending = self.session.pending()
        if pending:
            if self.sink is not None:
                ordered = self.app.events_in_order(pending, self.meta)
                self.sink(ordered)
                self.session.saved(pending)
                self.events += len(ordered)
            else:
                events = sum(len(a.pending_events) for a in pending)
                self.last_position = self.app.save_session(self.session, self.meta,
                                                           chronological=True)
                self.events += events
        # Keep loaded aggregates: later commands of the run still need them.
        self.activate()

    def forget(self, *aggregate_ids: UUID) -> None:
        """Let finished aggregates leave memory after the next save.

        Only for aggregates the run will not touch again: with a `sink`, a later read
        would go to the database, which may not hold them yet.
        """
        self.session.forget(*aggregate_ids)

    def discard(self) -> None:
        """Drop every unsaved change and loaded aggregate (after a failed save)."""
        self._new_session()
