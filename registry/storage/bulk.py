"""The bulk write path: many aggregates' events stored in one transaction, fast.

`Store.save_in_order` (generate, import) comes here. The stored rows are exactly what
the library's own `save()` would store (same topics, same JSON bytes through the
application's transcoder, same table, same PostgreSQL lock and NOTIFY), which
tests/integration/test_storage_library.py checks, but written with less per-event work:

- the JSON encoder is built once, not once per event;
- on PostgreSQL the rows go by one binary COPY (about a quarter of the server's work of
  INSERT … SELECT unnest()), under the library's table lock;
- on SQLite the rows go in one `executemany`; positions are consecutive rowids because the
  table is append-only and the write transaction is exclusive;
- only the last event's position is kept (the log's listeners and the caller need no
  more).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from json import encoder as json_encoder
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Notification, Recording
from eventsourcing.utils import get_topic

from registry.storage.sqlite import CACHE_KIB

if TYPE_CHECKING:
    from eventsourcing.persistence import ApplicationRecorder, Mapper

    from registry.storage.database import Database


class BulkWriter:
    """Stores ordered domain events of one application in one transaction."""

    def __init__(self, mapper: Mapper, recorder: ApplicationRecorder, db: Database):
        self.recorder, self.db = recorder, db
        self.transcoder = mapper.transcoder
        self.compressor = mapper.compressor
        self.cipher = mapper.cipher
        encoder = self.transcoder.encoder  # type: ignore[attr-defined]  # JSONTranscoder's JSONEncoder, for its settings (the Transcoder interface names none)
        self._encode = json_encoder.c_make_encoder(  # type: ignore[attr-defined]  # the C encoder, which typeshed leaves out
            None,
            self._default_for(encoder.default),
            json_encoder.encode_basestring_ascii
            if encoder.ensure_ascii
            else json_encoder.encode_basestring,
            None,
            encoder.key_separator,
            encoder.item_separator,
            encoder.sort_keys,
            encoder.skipkeys,
            encoder.allow_nan,
        )
        self._meta_key = encoder.item_separator + '"meta"' + encoder.key_separator

    @staticmethod
    def _default_for(default: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """The transcoder's hook, remembering dates: a history repeats the same few thousand."""
        dates: dict[date, Any] = {}

        def encode_object(obj: Any) -> Any:
            """The transcoding of one object the JSON encoder does not know."""
            if type(obj) is date:
                encoded = dates.get(obj)
                if encoded is None:
                    if len(dates) > 100_000:
                        dates.clear()
                    encoded = dates[obj] = default(obj)
                return encoded
            return default(obj)

        return encode_object

    def encode(self, state: dict[str, Any]) -> bytes:
        """The transcoder's bytes for an event's state (the library's JSON, built faster)."""
        return self._finish("".join(self._encode(state, 0)))

    def _finish(self, text: str) -> bytes:
        data = text.encode("utf8")
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return data

    def rows(self, events: Sequence[Any]) -> tuple[list, list, list, list]:
        """The stored columns of the events: ids, versions, topics, states."""
        ids, versions, topics, states = [], [], [], []
        encode, finish = self._encode, self._finish
        meta_tails: dict[int, str] = {}
        for domain_event in events:
            state = dict(domain_event.__dict__)
            ids.append(state.pop("originator_id"))
            versions.append(state.pop("originator_version"))
            topic_class = type(domain_event)
            class_version = getattr(topic_class, "class_version", 1)
            if class_version > 1:
                state["class_version"] = class_version
            topics.append(get_topic(topic_class))
            meta = state.get("meta")
            if meta is None or len(state) < 2 or next(reversed(state)) != "meta":
                states.append(finish("".join(encode(state, 0))))
                continue
            # A save stamps one `meta` on all its events, as their last key: encode it once
            # and end each event's JSON with it (the same text the whole dict would give).
            del state["meta"]
            tail = meta_tails.get(id(meta))
            if tail is None:
                tail = meta_tails[id(meta)] = self._meta_key + "".join(encode(meta, 0)) + "}"
            states.append(finish("".join(encode(state, 0))[:-1] + tail))
        return ids, versions, topics, states

    def store(self, events: Sequence[Any]) -> Recording | None:
        """Insert the events in order; the recording of the last one (for listeners)."""
        if not events:
            return None
        ids, versions, topics, states = self.rows(events)
        last = self.insert(ids, versions, topics, states)
        return Recording(
            events[-1],
            Notification(
                originator_id=ids[-1],
                originator_version=versions[-1],
                topic=topics[-1],
                state=states[-1],
                id=last,
            ),
        )

    def insert(self, ids: list, versions: list, topics: list, states: list) -> int:
        """Insert encoded rows in order, in one transaction; the last one's position."""
        if self.db.embedded:  # the library's SQLite recorder
            return self._insert_sqlite(ids, versions, topics, states)
        return self._insert_postgres(ids, versions, topics, states)

    def _insert_sqlite(self, ids: list, versions: list, topics: list, states: list) -> int:
        recorder: Any = self.recorder
        params = [(_hex(i), v, t, s) for i, v, t, s in zip(ids, versions, topics, states)]
        with recorder.datastore.transaction(commit=True) as cursor:
            # The key index takes random ids: with SQLite's default 2 MB page cache, a big
            # insert spends most of its time re-reading index pages.
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            cursor.executemany(recorder.insert_events_statement, params)
            cursor.execute("SELECT last_insert_rowid()")
            return cursor.fetchone()[0]

    def _insert_postgres(self, ids: list, versions: list, topics: list, states: list) -> int:
        from psycopg.sql import SQL, Identifier

        recorder: Any = self.recorder
        datastore = recorder.datastore
        table = SQL("{0}.{1}").format(
            Identifier(datastore.schema), Identifier(recorder.events_table_name)
        )
        if datastore.originator_id_type == "uuid":
            id_type, ids = "uuid", [_uuid(i) for i in ids]
        else:  # the library's text ids are str(UUID)
            id_type, ids = "text", [str(_uuid(i)) for i in ids]
        with datastore.transaction(commit=True) as cursor:
            # The library's own serialisation: one writer at a time, then wake subscribers.
            for statement in recorder.lock_table_statements:
                cursor.execute(statement, prepare=True)
            cursor.execute(SQL("NOTIFY {0}").format(Identifier(recorder.channel_name)))
            # Binary COPY: about a quarter of the server's work of INSERT … SELECT unnest().
            with cursor.copy(
                SQL(
                    "COPY {0} (originator_id, originator_version, topic, state) "
                    "FROM STDIN (FORMAT BINARY)"
                ).format(table)
            ) as copy:
                copy.set_types([id_type, "int8", "text", "bytea"])
                for row in zip(ids, versions, topics, states):
                    copy.write_row(row)
            # The table is locked: this session drew every id of the copy, in row order.
            qualified = ".".join(
                '"' + name.replace('"', '""') + '"'
                for name in (datastore.schema, recorder.events_table_name)
            )
            cursor.execute(
                "SELECT currval(pg_get_serial_sequence(%s, 'notification_id')) AS position",
                (qualified,),
            )
            return cursor.fetchone()["position"]


def _hex(aggregate_id: UUID | bytes | str) -> str:
    if isinstance(aggregate_id, UUID):
        return aggregate_id.hex
    return aggregate_id.hex() if isinstance(aggregate_id, bytes) else aggregate_id


def _uuid(aggregate_id: UUID | bytes | str) -> UUID:
    if isinstance(aggregate_id, UUID):
        return aggregate_id
    if isinstance(aggregate_id, bytes):
        return UUID(bytes=aggregate_id)
    return UUID(hex=aggregate_id)
