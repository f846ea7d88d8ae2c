"""The event index: one row per event of the log, so auditors can filter and count it.

What an auditor filters by is inside each event's stored bytes (who recorded it) or
only in the first event of its aggregate (the teacher of a certificate, the provider of
an enrolment), and the library's table holds neither as a column. This view keeps, per
position, the event's type, when it was recorded, the account that recorded it, the
teacher it is about and the provider it concerns, with an index per filter, so a
filtered page, a count or an export reads index ranges in position order instead of
decoding the log. The log itself (the library's table) is not changed; its events are
read by position from it.

*About a teacher*: their record, PIN entries, enrolments and certificates. *Concerning
a provider*: the provider, its programmes, accounts, enrolments in its programmes and
certificates it issued, and otherwise the provider of the registrar who recorded it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from registry.domain.events import creation_types, event_types
from registry.projections.base import View
from registry.projections.codec import id_text, time_text
from registry.projections.rows import Appended, Batch, Counters, Reader, Rows
from registry.storage.facts import Fact
from registry.storage.tables import Table

EVENT_INDEX = Table(
    "event_index",
    (
        ("position", "INTEGER"),
        ("type", "TEXT"),
        ("aggregate", "TEXT"),
        ("recorded_at", "TEXT"),
        ("account", "TEXT"),
        ("teacher_id", "TEXT"),
        ("provider", "TEXT"),
    ),
    key=("position",),
    indexes=(
        ("type", "position"),
        ("aggregate", "position"),
        ("account", "position", "WHERE account IS NOT NULL"),
        ("teacher_id", "position", "WHERE teacher_id IS NOT NULL"),
        ("provider", "position", "WHERE provider IS NOT NULL"),
    ),
    not_null=("type", "recorded_at"),
    append_only=True,
)

# How many events of each type the log holds, in all and per account and provider: the
# totals of the commonest filters (a type or an aggregate's types, an account, a
# provider, and each with a type) without counting rows. `scope` is "all" (value ""),
# "account" or "provider".
EVENT_COUNTS = Table(
    "event_counts",
    (("scope", "TEXT"), ("value", "TEXT"), ("type", "TEXT"), ("events", "INTEGER")),
    key=("scope", "value", "type"),
    counters=("events",),
)

# Per aggregate, what its first event said it is about (its later events do not repeat it).
EVENT_SUBJECTS = Table(
    "event_subjects",
    (("id", "TEXT"), ("teacher_id", "TEXT"), ("provider", "TEXT")),
    key=("id",),
)


def subject(fact: Fact) -> tuple[str | None, str | None]:
    """(teacher id, provider code) an aggregate's first event names."""
    data = fact.data
    teacher = data.get("teacher_id")
    if teacher is None and fact.type == "Teacher.Registered":
        teacher = fact.originator_id
    provider = data.get("provider_code")
    programme = data.get("programme")
    if provider is None and isinstance(programme, dict):
        provider = programme.get("provider_code")
    if provider is None and fact.type == "Provider.Registered":
        provider = data.get("code")
    return (id_text(teacher) if teacher is not None else None), provider


class EventIndexView(View):
    """Every event's type, time, account, teacher and provider, indexed for the log's filters."""

    name = "event_index"
    weight = 31.0  # µs of CPU per event of a rebuild of it alone, less the shared read
    tables = (EVENT_INDEX, EVENT_SUBJECTS, EVENT_COUNTS)
    # Every stored type: each event gets its row (the reader then decodes them all).
    handlers = dict.fromkeys(sorted(event_types()), "indexed")
    loads = dict.fromkeys(sorted(event_types() - creation_types()), ("event_subjects",))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._creations = creation_types()

    def prepare(self, read: Reader, facts: Iterable[Fact]) -> tuple[Batch, int]:
        """The rows of a batch of events, built in one loop (a rebuild indexes millions:
        the generic handler path, a dict per row and a counter update per event, cost
        more than the rows themselves)."""
        batch = Batch(read, self.tables)
        creations, handled = self._creations, self.handlers
        mine = [(f, id_text(f.originator_id)) for f in facts if f.type in handled]
        subjects: Rows = batch["event_subjects"]
        subjects.load(key for f, key in mine if f.type not in creations and f.type not in _OWN)
        index: Appended = batch["event_index"]
        counts: dict[tuple[str, str | None, str | None], int] = {}  # (type, account, provider)
        teacher: str | None
        provider: str | None
        for fact, key in mine:
            kind = fact.type
            if kind in _OWN:  # a teacher's own later events; a policy's are about no one
                teacher, provider = (key, None) if kind.startswith("Teacher.") else _NONE
            elif kind in creations:
                teacher, provider = subject(fact)
                if teacher is not None or provider is not None:
                    subjects.put({"id": key, "teacher_id": teacher, "provider": provider})
            else:
                found = subjects.get(key)
                teacher, provider = (found["teacher_id"], found["provider"]) if found else _NONE
            actor = fact.meta.get("actor") or {}
            account, provider = actor.get("name"), provider or actor.get("provider")
            index.add(
                (
                    fact.position,
                    kind,
                    _AGGREGATES[kind],
                    time_text(fact.recorded_at),
                    account,
                    teacher,
                    provider,
                )
            )
            triple = (kind, account, provider)
            counts[triple] = counts.get(triple, 0) + 1
        totals: Counters = batch["event_counts"]
        scoped: dict[tuple[str, str, str], int] = {}
        for (kind, account, provider), events in counts.items():
            for scope in (
                ("all", "", kind),
                ("account", account, kind) if account is not None else None,
                ("provider", provider, kind) if provider is not None else None,
            ):
                if scope is not None:
                    scoped[scope] = scoped.get(scope, 0) + events
        for scope, events in scoped.items():
            totals.add(scope, events=events)
        return batch, len(mine)

    def indexed(self, batch: Batch, fact: Fact) -> None:
        """Never called: `prepare` indexes every event (named for the handlers' table)."""
        raise NotImplementedError


_NONE: tuple[str | None, str | None] = (None, None)
_AGGREGATES = {kind: kind.partition(".")[0] for kind in event_types()}
# Later events whose subject needs no lookup: the teacher's own, and the policy's.
_OWN = frozenset(
    kind
    for kind in event_types() - creation_types()
    if kind.startswith(("Teacher.", "CompliancePolicy."))
)
