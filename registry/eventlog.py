"""The global event log as plain facts: position, type, time, actor and data.

Views, the audit API and replay read stored events through here; the decoding (and
any upcasting) is the library's mapper, so every reader sees the same events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterator, Sequence
from uuid import UUID

from eventsourcing.persistence import Notification

if TYPE_CHECKING:
    from registry.application import Registry

_BASE_FIELDS = ("originator_id", "originator_version", "timestamp", "meta", "originator_topic")


@dataclass(frozen=True)
class Fact:
    """One stored event, decoded."""

    position: int
    type: str  # e.g. "Teacher.Registered"
    originator_id: UUID
    version: int
    recorded_at: datetime
    meta: dict[str, Any]
    data: dict[str, Any]

    @property
    def actor(self) -> dict[str, Any]:
        return self.meta.get("actor") or {}

    def as_json(self) -> dict[str, Any]:
        """The fact with JSON-ready values."""
        return {"position": self.position, "type": self.type,
                "originator_id": str(self.originator_id), "version": self.version,
                "recorded_at": self.recorded_at.isoformat(), "actor": self.actor,
                "data": to_json(self.data)}


def to_json(value: Any) -> Any:
    """Dates, times and ids as ISO text, recursively."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def event_type(topic: str) -> str:
    """The short type of a topic: "registry.domain.teacher:Teacher.Registered" -> "Teacher.Registered"."""
    return topic.rpartition(":")[2]


def fact_from_event(domain_event: Any, position: int) -> Fact:
    """A decoded domain event at a position, as a fact."""
    state = domain_event.__dict__
    data = {k: v for k, v in state.items() if k not in _BASE_FIELDS}
    return Fact(position=position, type=type(domain_event).__qualname__,
                originator_id=domain_event.originator_id,
                version=domain_event.originator_version, recorded_at=domain_event.timestamp,
                meta=state.get("meta") or {}, data=data)


class EventLog:
    """Reads the application's notification log as facts."""

    def __init__(self, app: "Registry"):
        self.app = app

    def decode(self, notification: Notification) -> Fact:
        return fact_from_event(self.app.mapper.to_domain_event(notification), notification.id)

    def read(self, after: int = 0, limit: int = 1000, until: int | None = None) -> list[Fact]:
        """Up to `limit` facts after a position (and up to `until`, if given)."""
        notifications = self.app.recorder.select_notifications(
            start=after, limit=limit, stop=until, inclusive_of_start=False)
        return [self.decode(n) for n in notifications]

    def iterate(self, after: int = 0, batch: int = 5000, until: int | None = None
                ) -> Iterator[list[Fact]]:
        """Every fact after a position, in batches."""
        while True:
            facts = self.read(after, batch, until)
            if not facts:
                return
            yield facts
            after = facts[-1].position

    def about(self, aggregate_ids: Sequence[UUID]) -> list[Fact]:
        """Every fact about the given aggregates, oldest first, with their positions."""
        if not aggregate_ids:
            return []
        db = self.app.db
        where, params = db.ids_condition("originator_id", list(aggregate_ids))
        rows = db.query(
            f"SELECT {db.position_column}, originator_id, originator_version, topic, state "
            f"FROM {db.events_table} WHERE {where} ORDER BY {db.position_column}", params)
        return [self.decode(Notification(id=r[0], originator_id=db.id_value(r[1]),
                                         originator_version=r[2], topic=r[3],
                                         state=bytes(r[4]))) for r in rows]
