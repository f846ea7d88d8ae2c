"""The global event log as plain facts: position, type, time, actor and data.

Two readers decode stored events, both exactly as the library's mapper does (cipher,
compressor, transcoder, upcasting): `EventLog` through the library's own objects (the
audit API, history, replay), and `FactReader`, the views' reader, which decodes each
row's state once without building the event object (a rebuild reads millions) and
only for the event types some view handles. Its copy of the mapper's decoding is
checked against the library's for every event type (tests/integration/test_storage_library.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.utils import resolve_topic

if TYPE_CHECKING:
    from registry.storage.raw import RawEvent
    from registry.storage.store import Store

_BASE_FIELDS = ("originator_id", "originator_version", "timestamp", "meta", "originator_topic")
_SKIP = ("originator_topic",)
_COLUMNS = "originator_id, originator_version, topic, state"
_CHUNK = 500  # positions per IN (...) list: well under either engine's parameter limit
# The transcoder writes the timestamp first; anything else (a cipher, a compressor, another
# layout) falls back to the library's mapper.
_TIMESTAMP = re.compile(rb'^\{"timestamp":\{"_type_":"datetime_iso","_data_":"([^"]+)"\}')


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
        return {
            "position": self.position,
            "type": self.type,
            "originator_id": str(self.originator_id),
            "version": self.version,
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor,
            "data": to_json(self.data),
        }


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
    return Fact(
        position=position,
        type=type(domain_event).__qualname__,
        originator_id=domain_event.originator_id,
        version=domain_event.originator_version,
        recorded_at=domain_event.timestamp,
        meta=state.get("meta") or {},
        data=data,
    )


def _uuid(aggregate_id: Any) -> UUID:
    """An id as any engine returns it (UUID, 16 bytes, hex text) as a UUID."""
    if isinstance(aggregate_id, UUID):
        return aggregate_id
    if isinstance(aggregate_id, bytes) and len(aggregate_id) == 16:
        return UUID(bytes=aggregate_id)
    return UUID(str(aggregate_id))


class EventLog:
    """Reads the application's log as facts, through the library's own decoding."""

    def __init__(self, app: Store):
        self.app = app
        self.db = app.db

    def decode(self, notification: Notification) -> Fact:
        return fact_from_event(self.app.mapper.to_domain_event(notification), notification.id)

    def read(self, after: int = 0, limit: int = 1000, until: int | None = None) -> list[Fact]:
        """Up to `limit` facts after a position (and up to `until`, if given)."""
        notifications = self.app.recorder.select_notifications(
            start=after, limit=limit, stop=until, inclusive_of_start=False
        )
        return [self.decode(n) for n in notifications]

    def iterate(
        self, after: int = 0, batch: int = 5000, until: int | None = None
    ) -> Iterator[list[Fact]]:
        """Every fact after a position, in batches."""
        while True:
            facts = self.read(after, batch, until)
            if not facts:
                return
            yield facts
            after = facts[-1].position

    def select(
        self,
        where: str = "",
        params: Sequence[Any] = (),
        *,
        after: int = 0,
        limit: int | None = None,
    ) -> list[Fact]:
        """The facts after a position whose stored rows meet a condition on the columns
        originator_id (compare with `db.id_param`), originator_version and topic
        (`?` parameters), in position order, at most `limit`."""
        db = self.db
        column = db.position_column
        conditions = " AND ".join([f"{column} > ?"] + ([f"({where})"] if where else []))
        rows = db.query(
            f"SELECT {column}, {_COLUMNS} FROM {db.events_table} "
            f"WHERE {conditions} ORDER BY {column}" + (" LIMIT ?" if limit is not None else ""),
            [after, *params] + ([limit] if limit is not None else []),
        )
        return [
            self.decode(
                Notification(
                    id=r[0],
                    originator_id=db.id_value(r[1]),
                    originator_version=r[2],
                    topic=r[3],
                    state=bytes(r[4]),
                )
            )
            for r in rows
        ]

    def about(self, aggregate_ids: Sequence[UUID]) -> list[Fact]:
        """Every fact about the given aggregates, oldest first, with their positions."""
        if not aggregate_ids:
            return []
        where, params = self.db.ids_condition("originator_id", list(aggregate_ids))
        return self.select(where, params)

    def recorded_at(self, event: RawEvent) -> datetime:
        """When a stored row's event was recorded (its timestamp), read from its bytes."""
        state = event.state if type(event.state) is bytes else bytes(event.state)
        match = _TIMESTAMP.match(state)
        if match:
            return datetime.fromisoformat(match.group(1).decode())
        stored = StoredEvent(
            originator_id=_uuid(event.originator_id),
            originator_version=event.version,
            topic=event.topic,
            state=state,
        )
        return self.app.mapper.to_domain_event(stored).timestamp  # type: ignore[attr-defined]  # an aggregate's event; the mapper's protocol names no timestamp


class FactReader:
    """Facts after a position, in position order, decoded like the library's mapper.

    Given the event types its views handle (`wanted`), the reader decodes only those;
    any other event becomes a stub fact (position, type, originator and version, no
    data), which is all a view that handles no types sees of it. About a quarter of a
    typical log (PIN index entries, Enrolment.Certified, idempotency records) is then
    never decoded.
    """

    def __init__(self, app: Store):
        self.app = app
        self.db = db = app.db
        mapper = app.mapper
        self._cipher, self._compressor = mapper.cipher, mapper.compressor
        self._decode = mapper.transcoder.decode
        self._classes: dict[str, tuple[type, str, int]] = {}
        column, table = db.position_column, db.events_table
        self._sql = (
            f"SELECT {column}, {_COLUMNS} FROM {table} WHERE {column} > ? ORDER BY {column} LIMIT ?"
        )
        self._sql_until = (
            f"SELECT {column}, {_COLUMNS} FROM {table} WHERE {column} > ? "
            f"AND {column} <= ? ORDER BY {column} LIMIT ?"
        )

    def _class(self, topic: str) -> tuple[type, str, int]:
        found = self._classes.get(topic)
        if found is None:
            cls = resolve_topic(topic)
            found = self._classes[topic] = (cls, cls.__qualname__, getattr(cls, "class_version", 1))
        return found

    def read(
        self,
        after: int = 0,
        limit: int = 1000,
        until: int | None = None,
        wanted: frozenset[str] | None = None,
    ) -> list[Fact]:
        """Up to `limit` facts after a position (and up to `until`, if given); only the
        types in `wanted` (all, if None) are decoded, the others are stubs."""
        if until is None:
            rows = self.db.query(self._sql, (after, limit))
        else:
            rows = self.db.query(self._sql_until, (after, until, limit))
        if wanted is None:
            return [self.fact(*row) for row in rows]
        return [
            self.fact(*row) if self._class(row[3])[1] in wanted else self.stub(*row[:4])
            for row in rows
        ]

    def at(self, positions: Sequence[int]) -> list[Fact]:
        """The facts at these positions (those that exist), every type decoded, in
        position order (the event log's pages and exports: cheaper than `EventLog`'s
        event objects, decoded the same way)."""
        column, table = self.db.position_column, self.db.events_table
        found: list[Fact] = []
        for start in range(0, len(positions), _CHUNK):
            chunk = list(positions[start : start + _CHUNK])
            marks = ", ".join("?" * len(chunk))
            found += [
                self.fact(*row)
                for row in self.db.query(
                    f"SELECT {column}, {_COLUMNS} FROM {table} WHERE {column} IN ({marks})",
                    chunk,
                )
            ]
        found.sort(key=lambda f: f.position)
        return found

    def stub(self, position: int, originator_id: Any, version: int, topic: str) -> Fact:
        """A fact of a type no view decodes: where it is and what it is, without its state
        (the originator id as stored: a view that reads stubs only counts positions)."""
        return Fact(
            position=position,
            type=self._class(topic)[1],
            originator_id=originator_id,
            version=version,
            recorded_at=None,  # type: ignore[arg-type]  # a stub carries no decoded time; views that read stubs count positions only
            meta={},
            data={},
        )

    def fact(
        self, position: int, originator_id: Any, version: int, topic: str, state: bytes
    ) -> Fact:
        """One stored row as a fact (the library's `Mapper.to_domain_event`, without the
        event object: decrypt, decompress, decode, upcast)."""
        cls, qualname, class_version = self._class(topic)
        state = bytes(state)
        if self._cipher:
            state = self._cipher.decrypt(state)
        if self._compressor:
            state = self._compressor.decompress(state)
        data: dict[str, Any] = self._decode(state)
        from_version = data.pop("class_version", 1)
        if from_version < class_version:
            # Upcasting methods expect the full state, as the mapper hands it to them.
            data["originator_id"], data["originator_version"] = originator_id, version
            while from_version < class_version:
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(data)
                from_version += 1
            data.pop("originator_id", None)
            data.pop("originator_version", None)
        recorded_at = data.pop("timestamp")
        meta = data.pop("meta", None) or {}
        for name in _SKIP:
            data.pop(name, None)
        return Fact(
            position=position,
            type=qualname,
            originator_id=originator_id if isinstance(originator_id, UUID) else UUID(originator_id),
            version=version,
            recorded_at=recorded_at,
            meta=meta,
            data=data,
        )
