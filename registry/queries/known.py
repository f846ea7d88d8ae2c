"""A teacher as the registry knew them at a moment: their slice of the log, replayed.

"As known at K" has one meaning for every read about a teacher: the answer that a
database made by `registry replay --until K` gives. A read as known at K does not keep
every view bitemporal to get there; it takes the teacher's *slice* of the log, the events
recorded at or before K of every aggregate such a read draws on (the teacher, the index
entries of each PIN they have had, their enrolments and certificates, paper ones and
duplicates included, the providers and programmes these name, and the compliance
policy), applies them with the views' own handlers (`View.apply`) to a private database
in memory, and asks it the live queries (`TeacherQueries`, `certificate_rows`). The rows
a teacher read looks at are made by those events alone, so the answer equals the
replay's by construction; tests/property/test_known_at_replay.py checks it on random
histories.

An aggregate's events are kept as the replay copies them (`registry.replay.log_copy`):
in order, up to the first one recorded after K.

Which enrolments and certificates are the teacher's is read from the live views (by
teacher id), and from the log after the position where those views stand, so a view a
moment behind loses nothing; a view far behind (a rebuild) makes the read wait, as a
read with `min_position` does (`TimeoutError`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.domain.certificate import Certificate
from registry.domain.policy import CompliancePolicy
from registry.domain.provider import Provider
from registry.projections import deadletters
from registry.projections.base import View, ViewRecorder
from registry.projections.catalogue import view_classes
from registry.projections.codec import id_text, time_value
from registry.projections.deadletters import DEAD_LETTERS_DDL, DEAD_LETTERS_INDEX
from registry.queries.teachers import TeacherQueries
from registry.storage import Database, memory_database
from registry.storage.facts import EventLog, Fact, FactReader

if TYPE_CHECKING:
    from registry.application import Registry


def slice_views() -> list[type[View]]:
    """The views a slice is applied to: every view with handlers (the ledger's chain is
    not a view of facts). A teacher read looks at the directory's, compliance's,
    certificates' and workload's tables; the others are applied too, so that an event a
    view sets aside is set aside in the slice as in a replay (a read's `incomplete`)."""
    return [cls for cls in view_classes() if cls.handlers]


# The events that make an aggregate the teacher's: they name the teacher.
_NAMING_TEACHER = frozenset(
    {
        "Certificate.Issued",
        "Certificate.LegacyRecorded",
        "Certificate.DuplicateIssued",
        "Enrolment.Enrolled",
        "PinIndex.Created",
    }
)
# The views that say which enrolments and certificates are whose.
_FINDING_VIEWS = ("compliance", "certificates", "workload")
# How far behind those views may be before a read waits for them instead of reading
# the log after them.
MAX_TAIL = 20_000
_TAIL_BATCH = 2_000


@functools.cache
def slice_ddl() -> tuple[str, ...]:
    """The statements creating the slice's tables (the views' own, and the dead letters)."""
    probe = memory_database()
    try:
        statements = [s for cls in slice_views() for s in cls.ddl(probe)]
    finally:
        probe.close()
    return (*statements, DEAD_LETTERS_DDL, DEAD_LETTERS_INDEX)


class SliceLog:
    """The facts of a slice, read as `EventLog.about` reads the log."""

    def __init__(self, facts: Sequence[Fact]):
        self.facts = facts

    def about(self, aggregate_ids: Sequence[UUID]) -> list[Fact]:
        """The slice's facts about these aggregates, oldest first."""
        wanted = set(aggregate_ids)
        return [f for f in self.facts if f.originator_id in wanted]


def known_by(facts: Iterable[Fact], known_at: datetime) -> list[Fact]:
    """The facts a replay until `known_at` copies: in position order, each aggregate's up
    to (not including) its first one recorded later."""
    kept, cut = [], set()
    for fact in sorted(facts, key=lambda f: f.position):
        if fact.originator_id in cut:
            continue
        if fact.recorded_at > known_at:
            cut.add(fact.originator_id)
            continue
        kept.append(fact)
    return kept


class TeacherSlice:
    """One teacher's slice of the log up to a moment, applied to views in memory.

    Use as a context manager (the memory is freed on leaving); `teachers` answers as
    `TeacherQueries` does, `db` holds the views (for certificate queries)."""

    def __init__(self, app: Registry, teacher_id: UUID, known_at: datetime):
        self.known_at = known_at
        self.teacher_id = teacher_id
        self.facts = known_by(_teacher_facts(app, teacher_id), known_at)
        self.db = memory_database(slice_ddl(), app_name=app.name)
        try:
            views = [
                cls(ViewRecorder(self.db, cls.name), app.name, keys=app.keys)
                for cls in slice_views()
            ]
            _apply(self.db, views, self.facts, app.name)
        except BaseException:
            self.db.close()
            raise
        self.teachers = TeacherQueries(self.db, app.name, app.keys, SliceLog(self.facts))

    def version_of(self, aggregate_id: UUID) -> int | None:
        """The version an aggregate had at the moment (None: it did not exist yet)."""
        versions = [f.version for f in self.facts if f.originator_id == aggregate_id]
        return max(versions) if versions else None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> TeacherSlice:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def earliest_record(db: Database) -> datetime | None:
    """The earliest recorded time of anything a teacher read can show: a teacher's,
    provider's or programme's registration or a policy's adoption (certificates and
    enrolments follow their teacher). It is not the first position's: a history written
    with earlier recorded times after `registry init` (generated, imported) begins
    before that."""
    row = db.query_one(
        "SELECT MIN(t) FROM (SELECT MIN(registered_at) AS t FROM teachers UNION ALL "
        "SELECT MIN(registered_at) FROM providers UNION ALL "
        "SELECT MIN(recorded_at) FROM programmes UNION ALL "
        "SELECT MIN(recorded_at) FROM policy_versions) AS firsts"
    )
    return time_value(row[0]) if row and row[0] else None


def teacher_of_pin(app: Registry, pin: str) -> UUID | None:
    """The teacher a PIN has ever pointed to, read from its index entry in the log."""
    return _named_teacher(app, app.keys.pin_index_id(pin))


def teacher_of_certificate(app: Registry, number: str) -> UUID | None:
    """The teacher of a certificate ever recorded, read from the log."""
    return _named_teacher(app, Certificate.id_for(number))


def _named_teacher(app: Registry, aggregate_id: UUID) -> UUID | None:
    log = EventLog(app)
    where, params = app.db.ids_condition("originator_id", [aggregate_id])
    first = log.select(f"originator_version = 1 AND {where}", params, limit=1)
    if not first or first[0].data.get("teacher_id") is None:
        return None
    return UUID(id_text(first[0].data["teacher_id"]))


def _teacher_facts(app: Registry, teacher_id: UUID) -> list[Fact]:
    """Every fact, whenever recorded, of the aggregates a read about the teacher draws on."""
    log = EventLog(app)
    own = {teacher_id, CompliancePolicy.id_for(), *_records_of(app, teacher_id)}
    facts = log.about(sorted(own))
    named: set[UUID] = set()
    for fact in facts:
        data = fact.data
        changes = data.get("changes") if fact.type == "Teacher.Corrected" else data
        pin = changes.get("pin") if isinstance(changes, dict) else None
        if fact.originator_id == teacher_id and isinstance(pin, str):
            named.add(app.keys.pin_index_id(pin))
        if isinstance(data.get("provider_code"), str):
            named.add(Provider.id_for(data["provider_code"]))
        found = data.get("programme")
        programme: dict[str, Any] = found if isinstance(found, dict) else {}
        if programme.get("provider_code"):
            named.add(Provider.id_for(programme["provider_code"]))
        programme_id = data.get("programme_id") or programme.get("id")
        if programme_id:
            named.add(UUID(id_text(programme_id)))
    named -= own
    return facts + log.about(sorted(named)) if named else facts


def _records_of(app: Registry, teacher_id: UUID) -> set[UUID]:
    """The teacher's enrolments, certificates (and anything set aside about them): from
    the views (a standby's, if the registry reads there), and from the log (the
    primary's) after where the views stand."""
    views, tid = app.read_db, id_text(teacher_id)
    with views.reading(snapshot=True) as cur:
        marks = ", ".join("?" * len(_FINDING_VIEWS))
        positions = dict(
            cur.query(
                "SELECT projection, notification_id FROM projection_tracking WHERE "
                f"application_name = ? AND projection IN ({marks})",
                (app.name, *_FINDING_VIEWS),
            )
        )
        found = {
            UUID(row[0])
            for row in cur.query(
                "SELECT id FROM enrolments WHERE teacher_id = ? UNION "
                "SELECT id FROM certificate_index WHERE teacher_id = ?",
                (tid, tid),
            )
        }
        found.update(
            UUID(id_text(d.originator_id)) for d in deadletters.concerning(cur, app.name, tid)
        )
    after = min((positions.get(name) or 0) for name in _FINDING_VIEWS)
    last = app.max_position() or 0  # read after the views: the tail covers what they lack
    if last - after > MAX_TAIL:
        raise TimeoutError(
            f"the views are {last - after} events behind the log; ask again once they catch up"
        )
    reader = FactReader(app)
    while after < last:
        batch = reader.read(after, _TAIL_BATCH, until=last, wanted=_NAMING_TEACHER)
        if not batch:
            break
        for fact in batch:
            if fact.type in _NAMING_TEACHER and id_text(fact.data.get("teacher_id")) == tid:
                found.add(fact.originator_id)
        after = batch[-1].position
    return found


def _apply(db: Database, views: list[View], facts: list[Fact], app_name: str) -> None:
    """Apply the facts as the projection worker does: in one go (every view in one
    transaction), or, when that fails, view by view and then one by one, setting aside
    (`deadletters`) each event a view cannot apply."""
    try:
        with db.transaction() as cur:
            for view in views:
                view.apply(cur, facts)
        return
    except Exception:  # the worker's rule: find the event at fault, apply the rest
        pass
    for view in views:
        for fact in facts:
            if not view.wants(fact):
                continue
            try:
                with db.transaction() as cur:
                    view.apply(cur, [fact])
            except Exception as error:  # set aside, as the worker does
                with db.transaction() as cur:
                    deadletters.record(cur, view.name, app_name, fact, error)
