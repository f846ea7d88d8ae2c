"""How every command runs: who may, check-then-act, idempotency, retry, metadata.

A command is a method that loads aggregates through a `Session`, checks every rule
before it changes anything, and returns a plain result. `CommandRunner.run` wraps it:
an Idempotency-Key that was used before returns the first result and records nothing,
and one still being worked on is waited for (`registry.commands.claims`); a save that
collides with a concurrent one is retried on fresh state; the events are stamped with
who recorded them.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from registry.access import Actor
from registry.commands.claims import KeyClaims
from registry.commands.passwords import Passwords
from registry.commands.stored_ids import StoredIds
from registry.domain.errors import ConflictError, NotFoundError, RuleViolationError
from registry.domain.idempotency import IdempotentRequest
from registry.keys import Keys

if TYPE_CHECKING:
    from eventsourcing.application import Repository

    from registry.application import Registry
    from registry.domain.enrolment import Enrolment
    from registry.domain.provider import Provider
    from registry.domain.teacher import Teacher

A = TypeVar("A")
MAX_ATTEMPTS = 10


@dataclass
class CommandResult:
    """What a command returns: its result and the position of its last event."""

    data: dict[str, Any]
    position: int | None
    replayed: bool = False


class AggregateSource(Protocol):
    """What a Session reads aggregates through: the store's repository and its bulk reader."""

    @property
    def repository(self) -> Repository[Any]: ...

    def read_aggregates(
        self, aggregate_ids: Sequence[uuid.UUID], *, chunk: int = 500
    ) -> dict[int, Any]: ...


class Session:
    """An identity map over the repository, so a batch of commands shares its aggregates.

    Bulk runs may pass `known_ids`, the ids of every stored aggregate (as `UUID.int`, in
    a `StoredIds` filter): any id it does not hold is then taken as absent without a
    read (a concurrent writer's clash still fails the save). A `step()` (an import row)
    is all-or-nothing inside the session.
    """

    def __init__(self, app: AggregateSource, *, known_ids: StoredIds | None = None):
        self.app = app
        # Keyed by UUID.int: hashing an int is done in C, a UUID's __hash__ in Python.
        self.aggregates: dict[int, Any] = {}
        self.missing: set[int] = set()
        self.known_ids = known_ids
        # Aggregates handed out since the last save: only these can hold new events, so a
        # long batch does not rescan its whole identity map at every save.
        self._touched: dict[int, Any] = {}
        self._forget: list[int] = []
        self._added: list[int] = []  # new aggregates since the last save, for `known_ids`
        self._step: dict[int, int | None] | None = None

    def find(self, aggregate_id: uuid.UUID) -> Any | None:
        """The aggregate, or None if it was never recorded (the id may be given as text)."""
        try:
            key = aggregate_id.int
        except AttributeError:
            aggregate_id = uuid.UUID(str(aggregate_id))
            key = aggregate_id.int
        aggregate = self.aggregates.get(key)
        if aggregate is None:
            if key in self.missing:
                return None
            if self.known_ids is not None and key not in self.known_ids:
                return None
            try:
                aggregate = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                self.missing.add(key)
                return None
            self.aggregates[key] = aggregate
        self._touched[key] = aggregate
        if self._step is not None and key not in self._step:
            self._step[key] = len(aggregate.pending_events)
        return aggregate

    def preload(self, aggregate_ids: list[uuid.UUID]) -> None:
        """Read many aggregates in one query (bulk paths); the absent ones are noted too."""
        wanted = {
            i.int: i
            for i in aggregate_ids
            if i.int not in self.aggregates and i.int not in self.missing
        }
        if not wanted:
            return
        found = self.app.read_aggregates(list(wanted.values()))
        for key in wanted:
            if key in found:
                self.aggregates[key] = found[key]
            else:
                self.missing.add(key)

    def get(self, aggregate_id: uuid.UUID, what: str, key: str) -> Any:
        """The aggregate, or a NotFoundError naming what was looked for."""
        aggregate = self.find(aggregate_id)
        if aggregate is None:
            raise NotFoundError(f"No {what} {key}.", code=f"{what.replace(' ', '_')}_not_found")
        return aggregate

    def add(self, aggregate: Any) -> Any:
        """Track a new aggregate; a clash with a recorded one is the caller's conflict."""
        key = aggregate.id.int
        self.missing.discard(key)
        if self.known_ids is not None:
            self._added.append(key)
        self.aggregates[key] = aggregate
        self._touched[key] = aggregate
        if self._step is not None:
            self._step.setdefault(key, None)
        return aggregate

    def pending(self) -> list[Any]:
        return [a for a in self._touched.values() if a.pending_events]

    def saved(self) -> None:
        """After a save: the new aggregates' ids are now stored (the others were stored
        before: read, or preloaded), forgotten aggregates leave the map."""
        self._touched = {}
        if self.known_ids is not None:
            self.known_ids.update(self._added)
            self._added = []
        for key in self._forget:
            self.aggregates.pop(key, None)
        self._forget = []

    def forget(self, *aggregate_ids: uuid.UUID) -> None:
        """Drop finished aggregates after the next save (a later find reads them again)."""
        self._forget.extend(aggregate_id.int for aggregate_id in aggregate_ids)

    def discard_pending(self) -> None:
        """Forget state built on events that will not be saved."""
        self.aggregates = {k: a for k, a in self.aggregates.items() if not a.pending_events}
        self._touched = {}
        self._added = []

    @contextmanager
    def step(self) -> Iterator[Session]:
        """Run one unit of work: if it raises, its changes are undone, earlier ones kept."""
        outer, self._step = self._step, {}
        try:
            yield self
        except BaseException:
            self._undo(self._step)
            raise
        finally:
            inner, self._step = self._step, outer
            if outer is not None:
                for aggregate_id, kept in inner.items():
                    outer.setdefault(aggregate_id, kept)

    def _undo(self, marks: dict[int, int | None]) -> None:
        for key, kept in marks.items():
            aggregate = self.aggregates.get(key)
            if aggregate is None or (kept is not None and len(aggregate.pending_events) <= kept):
                continue
            restored = None if kept is None else self._rebuild(aggregate, kept)
            if restored is None:
                del self.aggregates[key]
                self._touched.pop(key, None)
            else:
                self.aggregates[key] = restored
                if key in self._touched:
                    self._touched[key] = restored

    def _rebuild(self, aggregate: Any, kept: int) -> Any | None:
        """The aggregate as stored plus its first `kept` pending events."""
        pending = list(aggregate.pending_events)
        stored_version = aggregate.version - len(pending)
        state = (
            self.app.repository.get(aggregate.id, version=stored_version)
            if stored_version >= 1
            else None
        )
        for pending_event in pending[:kept]:
            state = pending_event.mutate(state)
        if state is not None:
            state.pending_events.extend(pending[:kept])
        return state


class CommandBase:
    """What the command mixins use of one another and of the Registry, declared once.

    Each mixin subclasses this, so mypy checks every use against these declarations;
    the Registry provides them: `keys`, `passwords` and `commands` from its constructor,
    the store's repository (for sessions) and the lookups of the mixins named below. The
    declarations exist only for the type checker, so the mixins' own definitions are what
    runs.
    """

    keys: Keys
    passwords: Passwords
    commands: CommandRunner

    if TYPE_CHECKING:

        @property
        def repository(self) -> Repository[Any]: ...

        def read_aggregates(
            self, aggregate_ids: Sequence[uuid.UUID], *, chunk: int = 500
        ) -> dict[int, Any]: ...

        # TeacherCommands
        def find_teacher(self, session: Session, pin: str) -> Teacher: ...

        # ProviderCommands
        def active_provider(self, session: Session, code: str) -> Provider: ...

        # ReferenceCommands
        def resolve_reference(
            self,
            session: Session,
            list_name: str,
            value: object,
            field: str,
            *,
            region: object = None,
        ) -> object: ...

        # ProgrammeCommands
        def find_enrolment(self, session: Session, enrolment_id: str | uuid.UUID) -> Enrolment: ...

        def open_enrolment(
            self, session: Session, actor: Actor, enrolment_id: str | uuid.UUID
        ) -> Enrolment: ...


def fingerprint(command: str, args: dict[str, Any]) -> str:
    """A digest of the request, so a reused Idempotency-Key with other content is caught."""
    text = json.dumps({"command": command, "args": args}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class KeyedRequest:
    """A write sent with an Idempotency-Key: where its first answer is kept, and its digest."""

    request_id: uuid.UUID
    key: str
    command: str
    digest: str

    def record(self, result: dict[str, Any]) -> IdempotentRequest:
        """The first answer, to be saved with the command's events."""
        return IdempotentRequest.record(
            self.request_id, self.key, self.command, self.digest, result
        )


class CommandRunner:
    """Runs commands one per transaction (or into a shared batch session)."""

    def __init__(self, app: Registry):
        self.app = app
        # A batch belongs to the thread running it: a web server's other threads must
        # keep saving their own commands while an import runs.
        self._local = threading.local()
        self.batch_meta: dict[str, Any] | None = None
        self.claims = KeyClaims(lambda: app.db)

    @property
    def batch(self) -> Session | None:
        """The session of the batch this thread is running, if any."""
        return getattr(self._local, "batch", None)

    @batch.setter
    def batch(self, session: Session | None) -> None:
        self._local.batch = session

    def run(
        self,
        actor: Actor,
        command: str,
        args: dict[str, Any],
        body: Callable[[Session], dict[str, Any]],
        *,
        idempotency_key: str | None = None,
        idempotency_scope: str | None = None,
    ) -> CommandResult:
        """Run `body` under the rules above and return its result."""
        keyed = None
        if idempotency_key is not None:
            scope = idempotency_scope or actor.account_id or actor.name
            keyed = KeyedRequest(
                IdempotentRequest.id_for(scope, idempotency_key),
                idempotency_key,
                command,
                fingerprint(command, args),
            )
            earlier = self._earlier(keyed)
            if earlier is not None:
                return earlier
        if self.batch is not None:
            result = body(self.batch)
            if keyed is not None:
                self.batch.add(keyed.record(result))
            return CommandResult(result, None)
        if keyed is None:
            return self._attempt(actor, body)
        # A concurrent request with this key may be running: wait for its answer, or hold
        # the key while this one runs (a batch saves later, so it takes no claim).
        token, earlier = self.claims.acquire(
            keyed.request_id, keyed.digest, lambda: self._earlier(keyed)
        )
        if earlier is not None:
            return earlier
        assert token is not None
        try:
            return self._attempt(actor, body, keyed)
        finally:
            self.claims.release(keyed.request_id, token)

    def _attempt(
        self,
        actor: Actor,
        body: Callable[[Session], dict[str, Any]],
        keyed: KeyedRequest | None = None,
    ) -> CommandResult:
        """Run and save `body`, again on fresh state if a concurrent save got there first."""
        meta = actor_meta(actor, keyed.key if keyed is not None else None)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            session = Session(self.app)
            result = body(session)
            if keyed is not None:
                session.add(keyed.record(result))
            try:
                position = self.app.save_session(session, meta)
            except IntegrityError:
                # A concurrent write got there first: the retry sees its effect (a clean
                # duplicate error, the stored idempotent result, or fresh state to act on).
                if keyed is not None:
                    earlier = self._earlier(keyed)
                    if earlier is not None:
                        return earlier
                if attempt == MAX_ATTEMPTS:
                    raise ConflictError(
                        "The record changed while this was being saved; try again.",
                        code="concurrent_update",
                    ) from None
                time.sleep(random.uniform(0, 0.005 * attempt))  # de-synchronise the racers
                continue
            return CommandResult(result, position)
        raise AssertionError("unreachable")

    def _earlier(self, keyed: KeyedRequest) -> CommandResult | None:
        """The stored first answer to this key, if there is one."""
        try:
            earlier: IdempotentRequest = self.app.repository.get(keyed.request_id)
        except AggregateNotFoundError:
            return None
        if earlier.fingerprint != keyed.digest:
            raise RuleViolationError(
                "This Idempotency-Key was already used for a different request.",
                code="idempotency_key_reused",
            )
        return CommandResult(
            earlier.result, self.app.position_of(keyed.request_id, 1), replayed=True
        )


def actor_meta(actor: Actor, idempotency_key: str | None = None) -> dict[str, Any]:
    """The metadata stamped on each event of a command."""
    meta: dict[str, Any] = {"actor": actor.meta()}
    if idempotency_key is not None:
        meta["idempotency_key"] = idempotency_key
    return meta


@dataclass
class BatchReport:
    """Counts of a batch run (generate, import)."""

    commands: int = 0
    events: int = 0
    errors: list[tuple[Any, str]] = field(default_factory=list)
