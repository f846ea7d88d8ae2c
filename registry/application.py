"""The registry application: the event store and one command method per write."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from registry.commands.accounts import AccountCommands
from registry.commands.base import Actor, CommandRunner, Session, actor_meta
from registry.commands.certificates import CertificateCommands
from registry.commands.needs import NeedCommands
from registry.commands.passwords import Passwords
from registry.commands.programmes import ProgrammeCommands
from registry.commands.providers import ProviderCommands
from registry.commands.reference import ReferenceCommands
from registry.commands.signing import SigningKeyCommands
from registry.commands.stored_ids import StoredIds
from registry.commands.teachers import TeacherCommands
from registry.keys import Keys
from registry.settings import Settings
from registry.storage.store import Store


class Registry(
    TeacherCommands,
    ProviderCommands,
    ReferenceCommands,
    ProgrammeCommands,
    CertificateCommands,
    AccountCommands,
    SigningKeyCommands,
    NeedCommands,
    Store,
):
    """The national registry: every write is a command here, every fact an event."""

    name = "Registry"

    def __init__(self, settings: Settings, *, create_table: bool = False):
        self.keys = Keys(settings.secret_key)
        self.passwords = Passwords(settings)
        self.commands = CommandRunner(self)
        super().__init__(settings, create_table=create_table)

    def close(self) -> None:
        self.commands.claims.close()  # its renewals use the connections closed next
        super().close()

    def save_session(
        self, session: Session, meta: dict[str, Any], *, chronological: bool = False
    ) -> int | None:
        """Save every changed aggregate of a session atomically; returns the last position.

        `chronological` stores the events in the order they happened across aggregates
        (bulk runs), so recorded times never decrease along the log.
        """
        pending = session.pending()
        if not pending:
            return self.max_position()
        if chronological and len(pending) > 1:
            recordings = self.save_in_order(pending, meta)
        else:
            recordings = self.save(*pending, meta=meta)
        session.saved()
        return recordings[-1].notification.id if recordings else None

    # -- batches -----------------------------------------------------------------------

    @contextmanager
    def batch(
        self,
        actor: Actor,
        *,
        size: int = 500,
        preload_ids: bool = False,
        sink: Callable[[list[Any]], None] | None = None,
    ) -> Iterator[Batch]:
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


class Batch:
    """A run of commands saved together (bulk paths: generate, import)."""

    def __init__(
        self,
        app: Registry,
        actor: Actor,
        size: int,
        *,
        preload_ids: bool = False,
        sink: Callable[[list[Any]], None] | None = None,
    ):
        self.app = app
        self.actor = actor
        self.size = size
        self.sink = sink
        self.count = 0
        self.events = 0
        self.last_position: int | None = None
        self.meta = actor_meta(actor)
        self.known_ids = StoredIds(i.int for i in app.stored_ids()) if preload_ids else None
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
                self.session.saved()
                self.events += len(ordered)
            else:
                events = sum(len(a.pending_events) for a in pending)
                self.last_position = self.app.save_session(
                    self.session, self.meta, chronological=True
                )
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
