"""The base aggregate: events take their recorded time from the registry clock.

Every event also carries, once saved, a `meta` mapping (who recorded it, through
which request) that the application stamps on; `@event` bodies never read it.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from registry.domain import clock

# Namespace for ids derived from public natural keys (codes, certificate numbers).
NAMESPACE = uuid5(NAMESPACE_URL, "https://edu.gov.kg/teacher-registry")


@lru_cache(maxsize=1 << 16)  # bulk writes ask for the same few ids many times
def natural_id(kind: str, key: str) -> UUID:
    """A stable id for a public natural key, so that a duplicate key collides on save."""
    return uuid5(NAMESPACE, f"{kind}:{key}")


class RegistryAggregate(Aggregate):
    """Base of the registry's aggregates."""

    class Event(Aggregate.Event):
        """An event of the registry, stamped with the registry clock."""

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        """The first event of a registry aggregate."""


def event_meta(domain_event: Any) -> dict[str, Any]:
    """The metadata stamped on a stored event (empty for events saved without it)."""
    return getattr(domain_event, "__dict__", {}).get("meta") or {}
