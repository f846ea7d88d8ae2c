"""How every command runs: who may, check-then-act, idempotency, retry, metadata.

A command is a method that loads aggregates through a `Session`, checks every rule
before it changes anything, and returns a plain result. `CommandRunner.run` wraps it:
an Idempotency-Key that was used before returns the first result and records nothing;
a save that collides with a concurrent one is retried on fresh state; the events are
stamped with who recorded them.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from registry.domain.errors import (ConflictError, ForbiddenError, NotFoundError,
                                    RuleViolationError)
from registry.domain.idempotency import IdempotentRequest

if TYPE_CHECKING:
    from registry.application import Registry

A = TypeVar("A")
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account with its role and scope (or the system itself)."""

    name: str
    role: str
    account_id: str | None = None
    provider_code: str | None = None
    region: str | None = None
    via: str = "api"

    @classmethod
    def system(cls, name: str = "system", via: str = "cli") -> "Actor":
        return cls(name=name, role="admin", via=via)

    def meta(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "name": self.name, "role": self.role,
                "provider": self.provider_code, "region": self.region, "via": self.via}

    def require(self, *roles: str) -> None:
        """Refuse unless the actor has one of the roles."""
        if self.role not in roles:
            raise ForbiddenError(f"The {self.role} role may not do this.", code="forbidden_role")

    def require_provider(self, provider_code: str) -> None:
        """Writes for a provider: an admin, or a registrar of that very provider."""
        self.require("admin", "registrar")
        if self.role == "registrar" and self.provider_code != provider_code:
            raise ForbiddenError(
                f"A registrar of {self.provider_code} may not record for {provider_code}.",
                code="other_provider")


@dataclass
class CommandResult:
    """What a command returns: its result and the position of its last event."""

    data: dict[str, Any]
    position: int | None
    replayed: bool = False


class Session:
    """An identity map over the repository, so a batch of commands shares its aggregates."""

    def __init__(self, app: "Registry"):
        self.app = app
        self.aggregates: dict[uuid.UUID, Any] = {}
        self.missing: set[uuid.UUID] = set()

    def find(self, aggregate_id: uuid.UUID) -> Any | None:
        """The aggregate, or None if it was never recorded."""
        if aggregate_id in self.aggregates:
            return self.aggregates[aggregate_id]
        if aggregate_id in self.missing:
            return None
        try:
            aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            self.missing.add(aggregate_id)
            return None
        self.aggregates[aggregate_id] = aggregate
        return aggregate

    def get(self, aggregate_id: uuid.UUID, what: str, key: str) -> Any:
        """The aggregate, or a NotFoundError naming what was looked for."""
        aggregate = self.find(aggregate_id)
        if aggregate is None:
            raise NotFoundError(f"No {what} {key}.", code=f"{what.replace(' ', '_')}_not_found")
        return aggregate

    def add(self, aggregate: Any) -> Any:
        """Track a new aggregate; a clash with a recorded one is the caller's conflict."""
        self.missing.discard(aggregate.id)
        self.aggregates[aggregate.id] = aggregate
        return aggregate

    def pending(self) -> list[Any]:
        return [a for a in self.aggregates.values() if a.pending_events]

    def discard_pending(self) -> None:
        """Forget state built on events that will not be saved."""
        self.aggregates = {k: a for k, a in self.aggregates.items() if not a.pending_events}


def fingerprint(command: str, args: dict[str, Any]) -> str:
    """A digest of the request, so a reused Idempotency-Key with other content is caught."""
    text = json.dumps({"command": command, "args": args}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class CommandRunner:
    """Runs commands one per transaction (or into a shared batch session)."""

    def __init__(self, app: "Registry"):
        self.app = app
        self.batch: Session | None = None
        self.batch_meta: dict[str, Any] | None = None

    def run(self, actor: Actor, command: str, args: dict[str, Any],
            body: Callable[[Session], dict[str, Any]], *, idempotency_key: str | None = None,
            idempotency_scope: str | None = None) -> CommandResult:
        """Run `body` under the rules above and return its result."""
        if idempotency_key is not None:
            scope = idempotency_scope or actor.account_id or actor.name
            request_id = IdempotentRequest.id_for(scope, idempotency_key)
            digest = fingerprint(command, args)
            earlier = self._earlier(request_id, digest)
            if earlier is not None:
                return earlier
        if self.batch is not None:
            result = body(self.batch)
            if idempotency_key is not None:
                self.batch.add(IdempotentRequest.record(request_id, idempotency_key, command, digest,
                                                        result))
            return CommandResult(result, None)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            session = Session(self.app)
            result = body(session)
            if idempotency_key is not None:
                session.add(IdempotentRequest.record(request_id, idempotency_key, command, digest,
                                                     result))
            try:
                position = self.app.save_session(session, actor_meta(actor, idempotency_key))
            except IntegrityError:
                # A concurrent write got there first: the retry sees its effect (a clean
                # duplicate error, the stored idempotent result, or fresh state to act on).
                if idempotency_key is not None:
                    earlier = self._earlier(request_id, digest)
                    if earlier is not None:
                        return earlier
                if attempt == MAX_ATTEMPTS:
                    raise ConflictError("The record changed while this was being saved; "
                                        "try again.", code="concurrent_update") from None
                time.sleep(random.uniform(0, 0.005 * attempt))  # de-synchronise the racers
                continue
            return CommandResult(result, position)
        raise AssertionError("unreachable")

    def _earlier(self, request_id: uuid.UUID, digest: str) -> CommandResult | None:
        try:
            earlier = self.app.repository.get(request_id)
        except AggregateNotFoundError:
            return None
        if earlier.fingerprint != digest:
            raise RuleViolationError(
                "This Idempotency-Key was already used for a different request.",
                code="idempotency_key_reused")
        return CommandResult(earlier.result, self.app.position_of(request_id, 1), replayed=True)


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
