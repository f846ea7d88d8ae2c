"""The bulk write path (generate, import) stores exactly what the library's save would."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from eventsourcing.persistence import IntegrityError

from registry.commands.base import Session
from registry.domain.clock import frozen_at
from registry.domain.enrolment import Enrolment
from registry.domain.provider import Provider
from registry.domain.teacher import Teacher
from registry.storage.facts import EventLog
from tests.builders import ADMIN, OTHER_PIN, PIN, programme, provider, teacher

META = {
    "actor": {
        "account_id": None,
        "name": "generator",
        "role": "admin",
        "provider": None,
        "region": None,
        "via": "generate",
    }
}


def test_the_bulk_writer_encodes_events_byte_for_byte_like_the_library(registry):
    events = []
    for i in range(50):
        enrolment = Enrolment.enrol(
            uuid.uuid4(),
            uuid.uuid4(),
            date(2019, 2, 25),
            {**programme(), "title": f"Математика {i}: «методы»", "starts_on": date(2019, 3, 1)},
        )
        enrolment.assess(True, 88.5, date(2019, 3, 20))
        events += enrolment.collect_events()
        events += Teacher.register(uuid.uuid4(), **teacher()).collect_events()
    for domain_event in events[::2]:
        domain_event.__dict__["meta"] = META
    _, _, topics, states = registry.bulk_writer.rows(events)
    stored = [registry.mapper.to_stored_event(e) for e in events]
    assert states == [s.state for s in stored]
    assert topics == [s.topic for s in stored]


def test_a_batch_stores_events_in_the_order_they_happened_across_aggregates(registry):
    provider(registry, "KAE")
    start = datetime(2024, 1, 10, 9, tzinfo=UTC)
    with registry.batch(ADMIN, size=100) as batch:
        for minutes, pin in ((0, PIN), (5, OTHER_PIN)):
            with frozen_at(start + timedelta(minutes=minutes)):
                registry.register_teacher(ADMIN, teacher(pin=pin))
            batch.step()
        with frozen_at(start + timedelta(minutes=10)):
            registry.correct_teacher(ADMIN, PIN, {"full_name": "Айгүл Бекова"}, reason="marriage")
        batch.step()
    facts = EventLog(registry).read(after=batch.last_position - 5)
    assert [f.type for f in facts] == [
        "Teacher.Registered",
        "PinIndex.Created",
        "Teacher.Registered",
        "PinIndex.Created",
        "Teacher.Corrected",
    ]
    assert [f.recorded_at for f in facts] == sorted(f.recorded_at for f in facts)
    assert facts[-1].position == batch.last_position == registry.max_position()
    stored = Session(registry).find(registry.teacher_id_for_pin(PIN))
    assert (stored.full_name, stored.version) == ("Айгүл Бекова", 2)


def test_a_failed_step_of_a_batch_undoes_only_its_own_changes(registry):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())
    course = registry.register_programme(ADMIN, programme()).data
    with registry.batch(ADMIN) as batch:
        registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
        try:
            with batch.session.step():
                registry.enrol(ADMIN, course["id"], PIN)
                registry.transfer_teacher(
                    ADMIN,
                    PIN,
                    region="KG-C",
                    district="Sokuluk",
                    school="School No. 9",
                    effective_on=date(2024, 1, 9),
                )
                registry.enrol(ADMIN, course["id"], PIN)  # already enrolled: the step fails
        except Exception as error:
            assert getattr(error, "code", None) == "already_enrolled"
    session = Session(registry)
    assert registry.teacher_id_for_pin(OTHER_PIN) is not None
    moved = session.find(registry.teacher_id_for_pin(PIN))
    assert (moved.school, moved.version) == ("School No. 3", 1)
    assert (
        session.find(Enrolment.id_for(uuid.UUID(course["id"]), registry.teacher_id_for_pin(PIN)))
        is None
    )


def test_a_batch_that_collides_with_a_stored_aggregate_stores_none_of_its_events(registry):
    provider(registry, "KAE")
    head = registry.max_position()
    with pytest.raises(IntegrityError), registry.batch(ADMIN) as batch:
        batch.session.add(Provider.register("RIPK", "Institute", "republican_institute", "KG-GB"))
        batch.session.add(Provider.register("KAE", "Again", "academy", "KG-GB"))
    assert registry.max_position() == head
    assert Session(registry).find(Provider.id_for("RIPK")) is None


def test_a_session_reads_the_store_when_the_stored_ids_wrongly_hold_an_id(registry):
    from registry.commands.stored_ids import StoredIds

    provider(registry, "KAE")
    stored_id = Provider.id_for("KAE")
    known = StoredIds([stored_id.int], capacity=1)
    # Its first layers, made for one id and a few, are full: most other ids seem present.
    known.update(uuid.uuid4().int for _ in range(100))
    wrong = next(i for i in iter(uuid.uuid4, None) if i.int in known)
    session = Session(registry, known_ids=known)
    assert session.find(wrong) is None  # read, not found: absent after all
    assert wrong.int in session.missing
    assert session.find(stored_id).code == "KAE"
    never = next(i for i in iter(uuid.uuid4, None) if i.int not in known)
    assert session.find(never) is None and never.int not in session.missing  # no read
