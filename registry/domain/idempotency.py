"""Remembers the first result of a write sent with an Idempotency-Key."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id


class IdempotentRequest(RegistryAggregate):
    """Saved with the write it guards, so a retry finds it and records nothing twice."""

    @staticmethod
    def id_for(account_id: UUID | str, key: str) -> UUID:
        return natural_id("idempotency", f"{account_id}/{key}")

    @event("Recorded")
    def __init__(self, key: str, command: str, fingerprint: str, result: dict[str, Any]):
        self.key = key
        self.command = command
        self.fingerprint = fingerprint
        self.result = result

    @classmethod
    def record(
        cls, request_id: UUID, key: str, command: str, fingerprint: str, result: dict[str, Any]
    ) -> IdempotentRequest:
        return cls._create(
            cls.Recorded,  # type: ignore[attr-defined]  # @event("Recorded") makes this class at runtime
            id=request_id,
            key=key,
            command=command,
            fingerprint=fingerprint,
            result=result,
        )
