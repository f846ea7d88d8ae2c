"""Reading the log for views, fast: stored rows straight to facts.

`EventLog.read` goes through the library's notifications and domain-event objects,
then copies each event's state into a fact. Views read millions of events on a rebuild,
so this reader selects the rows itself and decodes each state once with the
application's own mapper parts (cipher, compressor, transcoder) and the event class's
upcasting, exactly as `Mapper.to_domain_event` does, without building the event
object. `tests/integration/test_views_exactly_once.py` checks that both readers give
the same facts.

Given the event types its views handle (`wanted`), the reader decodes only those; any
other event becomes a stub fact (position, type, originator and version, no data),
which is all a view that handles no types sees of it. About a quarter of a typical log
(PIN index entries, Enrolment.Certified, idempotency records) is then never decoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from registry.eventlog import Fact

if TYPE_CHECKING:
    from registry.application import Registry

_SKIP = ("originator_topic",)


class FactReader:
    """Facts after a position, in position order, decoded like the library's mapper."""

    def __init__(self, app: "Registry"):
        self.app = app
        self.db = app.db
        mapper = app.mapper
        self._cipher, self._compressor = mapper.cipher, mapper.compressor
        self._decode = mapper.transcoder.decode
        self._classes: dict[str, tuple[type, str, int]] = {}
        column, table = self.db.position_column, app.db.events_table
        self._sql = (f"SELECT {column}, originator_id, originator_version, topic, state "
                     f"FROM {table} WHERE {column} > ? ORDER BY {column} LIMIT ?")
        self._sql_until = (f"SELECT {column}, originator_id, originator_version, topic, state "
                           f"FROM {table} WHERE {column} > ? AND {column} <= ? "
                           f"ORDER BY {column} LIMIT ?")

    def _class(self, topic: str) -> tuple[type, str, int]:
        found = self._classes.get(topic)
        if found is None:
            cls = resolve_topic(topic)
            found = self._classes[topic] = (cls, cls.__qualname__,
                                            getattr(cls, "class_version", 1))
        return found

    def read(self, after: int = 0, limit: int = 1000, until: int | None = None,
             wanted: frozenset[str] | None = None) -> list[Fact]:
        """Up to `limit` facts after a position (and up to `until`, if given); only the
        types in `wanted` (all, if None) are decoded, the others are stubs."""
        if until is None:
            rows = self.db.query(self._sql, (after, limit))
        else:
            rows = self.db.query(self._sql_until, (after, until, limit))
        if wanted is None:
            return [self.fact(*row) for row in rows]
        return [self.fact(*row) if self._class(row[3])[1] in wanted else self.stub(*row[:4])
                for row in rows]

    def stub(self, position: int, originator_id: Any, version: int, topic: str) -> Fact:
        """A fact of a type no view decodes: where it is and what it is, without its state
        (the originator id as stored: a view that reads stubs only counts positions)."""
        return Fact(position=position, type=self._class(topic)[1], originator_id=originator_id,
                    version=version, recorded_at=None, meta={}, data={})  # type: ignore[arg-type]

    def fact(self, position: int, originator_id: Any, version: int, topic: str,
             state: bytes) -> Fact:
        """One stored row as a fact."""
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
        return Fact(position=position, type=qualname,
                    originator_id=originator_id if isinstance(originator_id, UUID)
                    else UUID(originator_id),
                    version=version, recorded_at=recorded_at, meta=meta, data=data)
