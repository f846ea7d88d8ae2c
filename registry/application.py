"""The registry application: the event store and one command method per write."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import JSONTranscoder, Recording
from eventsourcing.utils import Environment, EnvType

from registry.commands.accounts import AccountCommands
from registry.commands.base import Actor, CommandRunner, Session, actor_meta
from registry.commands.certificates import CertificateCommands
from registry.commands.programmes import ProgrammeCommands
from registry.commands.providers import ProviderCommands
from registry.commands.teachers import TeacherCommands
from registry.db import Database
from registry.keys import Keys
from registry.settings import Settings
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
            self._db = Database(self.settings.database, pool_size=self.settings.pool_size)
        return self._db

    @property
    def events_table(self) -> str:
        return getattr(self.recorder, "events_table_name", "stored_events")

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

    def save_session(self, session: Session, meta: dict[str, Any]) -> int | None:
        """Save every changed aggregate of a session atomically; returns the last position."""
        pending = session.pending()
        if not pending:
            return self.max_position()
        recordings = self.save(*pending, meta=meta)
        return recordings[-1].notification.id if recordings else None

    def _notify(self, recordings: list[Recording]) -> None:
        if recordings:
            position = recordings[-1].notification.id
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
            f"SELECT {self.db.position_column} FROM {self.events_table} "
            "WHERE originator_id = ? AND originator_version = ?",
            (aggregate_id.hex if self.db.backend == "sqlite" else aggregate_id, version))
        return row[0] if row else None

    # -- batches -----------------------------------------------------------------------

    @contextmanager
    def batch(self, actor: Actor, *, size: int = 500) -> Iterator["Batch"]:
        """Run many commands into shared sessions saved `size` commands at a time."""
        batch = Batch(self, actor, size)
        previous = self.commands.batch
        try:
            yield batch
            batch.flush()
        finally:
            self.commands.batch = previous


class Batch:
    """A run of commands saved together (bulk paths: generate, import)."""

    def __init__(self, app: Registry, actor: Actor, size: int):
        self.app = app
        self.actor = actor
        self.size = size
        self.count = 0
        self.events = 0
        self.last_position: int | None = None
        self._new_session()

    def _new_session(self) -> None:
        self.session = Session(self.app)
        self.app.commands.batch = self.session

    def step(self) -> None:
        """Count one command; save when the batch is full."""
        self.count += 1
        if self.count % self.size == 0:
            self.flush()

    def flush(self) -> None:
        pending = self.session.pending()
        if pending:
            self.events += sum(len(a.pending_events) for a in pending)
            self.last_position = self.app.save_session(self.session, actor_meta(self.actor))
        # Keep loaded aggregates: later commands of the run still need them.
        self.app.commands.batch = self.session
