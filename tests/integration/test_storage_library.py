"""The copies of the library's code kept in registry/storage for speed still do what the
library does: the bulk writer stores the very rows `save()` stores, the views' reader
decodes every event type (an upcast one included) as the library's mapper does, and the
library still calls the hooks the registry's store relies on."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import uuid
from datetime import date

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from registry import reminders
from registry.application import Registry
from registry.bootstrap import initialise, open_worker
from registry.commands.base import Actor, Session
from registry.domain.account import Account
from registry.domain.base import RegistryAggregate
from registry.domain.enrolment import Enrolment
from registry.domain.teacher import Teacher
from registry.ledger.chain import canonical_id
from registry.storage.facts import EventLog, FactReader, fact_from_event
from tests.builders import ADMIN, OTHER_PIN, PIN, certified_teacher, programme, teacher

META = {
    "actor": {
        "account_id": "a-1",
        "name": "Айгүл",
        "role": "admin",
        "provider": None,
        "region": None,
        "via": "test",
    }
}


def stored_event_types() -> set[str]:
    """Every event type an aggregate of the domain can store: its own event classes, less
    the library's generic `Event` and, where the aggregate names its creation otherwise
    (Teacher.Registered), the generic `Created`."""
    import importlib
    import pkgutil

    import registry.domain

    types = set()
    for module in pkgutil.iter_modules(registry.domain.__path__):
        found = vars(importlib.import_module(f"registry.domain.{module.name}")).values()
        for cls in found:
            if (
                not (inspect.isclass(cls) and issubclass(cls, RegistryAggregate))
                or cls is RegistryAggregate
            ):
                continue
            kinds = {
                name: kind
                for name, kind in vars(cls).items()
                if inspect.isclass(kind)
                and issubclass(kind, RegistryAggregate.Event)
                and name != "Event"
            }
            if any(
                issubclass(kind, Aggregate.Created)
                for name, kind in kinds.items()
                if name != "Created"
            ):
                kinds.pop("Created", None)
            types.update(kind.__qualname__ for kind in kinds.values())
    return types


def every_kind_of_event(registry) -> None:
    """A history holding each stored event type at least once, and a version-1
    Teacher.Corrected as stored before the class was upcast (effective_on was added)."""
    _, _enrolment, certificate = certified_teacher(registry)
    registry.issue_duplicate(
        ADMIN, certificate["number"], number="KAE-DUP-1", issued_on=date(2024, 4, 2)
    )
    registry.revoke_certificate(ADMIN, "KAE-DUP-1", reason="found again")
    registry.revoke_certificate(ADMIN, certificate["number"], reason="issued in error")
    registry.register_teacher(
        ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Усонов"), idempotency_key="register-bakyt"
    )
    registry.record_legacy_certificate(
        ADMIN,
        pin=OTHER_PIN,
        number="OLD-7",
        provider_code="KAE",
        title="Семинар «Методы»",
        form="seminar",
        hours=36,
        issued_on=date(2021, 5, 5),
    )
    course = registry.register_programme(ADMIN, programme(code="PHYS-80", hours=80)).data
    enrolled = registry.enrol(ADMIN, course["id"], OTHER_PIN).data
    registry.change_programme(ADMIN, course["id"], {"capacity": 30})
    registry.record_need(
        ADMIN,
        {
            "region": "KG-C",
            "district": "Sokuluk",
            "school": None,
            "subject": "Physics",
            "topic": "Laboratory work",
            "teachers": 8,
            "period_from": "2027-01",
            "period_to": "2027-03",
        },
    )
    need = registry.record_need(
        ADMIN,
        {
            "region": "KG-C",
            "district": "Sokuluk",
            "subject": "History",
            "topic": "Typed twice",
            "teachers": 3,
            "period_from": "2027-01",
            "period_to": "2027-02",
        },
    ).data
    registry.withdraw_need(ADMIN, need["id"], reason="recorded twice")
    registry.withdraw(ADMIN, enrolled["id"], effective_on=date(2024, 3, 5), reason="moved")
    registry.transfer_teacher(
        ADMIN,
        PIN,
        region="KG-GB",
        district="Leninsky",
        school="Lyceum 61",
        effective_on=date(2024, 9, 1),
    )
    registry.correct_teacher(ADMIN, PIN, {"full_name": "Айгүл Бекова"}, reason="marriage")
    registry.correct_teacher(ADMIN, PIN, {"email": "aigul@mektep.kg", "phone": "+996555123456"})
    for email in ("head@school3.kg", "director@school3.kg"):  # Set, then Changed
        reminders.set_recipient(
            registry, ADMIN, "school_head", "Sokuluk", "Lyceum 61", "Head", email
        )
    open_worker(registry).catch_up()
    reminders.decide(registry, date(2029, 3, 1))  # a Reminder.Sent (the certificate is due)
    registry.record_departure(ADMIN, OTHER_PIN, effective_on=date(2024, 10, 1), reason="retired")
    registry.suspend_provider(ADMIN, "KAE", reason="audit")
    registry.reinstate_provider(ADMIN, "KAE", reason="audit passed")
    registry.translate_provider(ADMIN, "KAE", name_ky="Кыргыз билим берүү академиясы", name_ru=None)
    registry.retire_reference_entry(ADMIN, "subjects", "fine_arts", reason="merged into art")
    registry.rename_reference_entry(ADMIN, "subjects", "music", names={"name_ky": "Музыка сабагы"})
    registry.map_spellings(ADMIN, "districts", {"Сокулукский район": "kemin"})  # Mapped
    registry.map_spellings(ADMIN, "districts", {"Сокулукский район": "sokuluk"})  # Remapped
    registry.adopt_policy(
        ADMIN, effective_from=date(2026, 1, 1), window_years=5, required_hours=144
    )
    _result, _ = registry.create_account(ADMIN, name="clerk", role="auditor")
    registry.rotate_signing_key(Actor.system())
    session = Session(registry)
    account = session.find(Account.id_for("clerk"))
    account.disable()
    registry.save(account, meta=META)
    teacher_id = registry.teacher_id_for_pin(PIN)
    version = session.find(teacher_id).version
    v1_state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2020-01-01T00:00:00+00:00"},
        "changes": {"full_name": "Айгүл Асан кызы"},
        "reason": "passport",
    }
    registry.recorder.insert_events(
        [
            StoredEvent(
                originator_id=teacher_id,
                originator_version=version + 1,
                topic="registry.domain.teacher:Teacher.Corrected",
                state=json.dumps(v1_state).encode(),
            )
        ]
    )


def test_the_views_reader_decodes_every_event_type_as_the_librarys_mapper_does(registry):
    every_kind_of_event(registry)
    head = registry.max_position()
    library = [
        fact_from_event(registry.mapper.to_domain_event(n), n.id)
        for n in registry.recorder.select_notifications(start=1, limit=head)
    ]
    assert {fact.type for fact in library} >= stored_event_types()
    assert FactReader(registry).read(0, head) == library
    assert EventLog(registry).read(0, head) == library
    upcast = [
        f
        for f in library
        if f.type == "Teacher.Corrected"
        and "effective_on" in f.data
        and f.data["effective_on"] is None
    ]
    assert upcast and upcast[-1].data["reason"] == "passport"
    wanted = frozenset({"Teacher.Registered"})
    stubs = FactReader(registry).read(0, head, wanted=wanted)
    assert [f for f in stubs if f.type in wanted] == [f for f in library if f.type in wanted]
    assert [(f.position, f.type, f.data) for f in stubs if f.type not in wanted] == [
        (f.position, f.type, {}) for f in library if f.type not in wanted
    ]


def test_the_recorded_time_read_from_stored_bytes_is_the_librarys(registry):
    every_kind_of_event(registry)
    log = EventLog(registry)
    facts = {fact.position: fact for fact in log.read(0, registry.max_position())}
    raw = [event for batch in registry.db.read_raw() for event in batch]
    assert raw and [log.recorded_at(event) for event in raw] == [
        facts[event.position].recorded_at for event in raw
    ]


@pytest.fixture
def twin(registry, tmp_path):
    """A second, empty registry on the same engine (PostgreSQL: another schema)."""
    url = registry.settings.database_url
    url = f"sqlite:///{tmp_path / 'twin.db'}" if registry.db.embedded else f"{url}?schema=twin"
    settings = dataclasses.replace(registry.settings, database_url=url)
    initialise(settings)
    app = Registry(settings)
    yield app
    app.close()


def aggregates_with_history() -> list:
    """Aggregates of two kinds, with Cyrillic text, dates, scores and ids."""
    found = []
    for n in range(20):
        enrolment = Enrolment.enrol(
            uuid.uuid4(),
            uuid.uuid4(),
            date(2019, 2, 25),
            {**programme(), "title": f"Математика {n}: «методы»", "starts_on": date(2019, 3, 1)},
        )
        enrolment.assess(True, 88.5, date(2019, 3, 20))
        found.append(enrolment)
        found.append(Teacher.register(uuid.uuid4(), **teacher(pin=f"2150519850{n:04d}")))
    return found


def rows_after(app, position: int) -> list[tuple]:
    """The stored rows after a position, with positions counted from there."""
    return [
        (e.position - position, canonical_id(e.originator_id), e.version, e.topic, bytes(e.state))
        for batch in app.db.read_raw(after=position)
        for e in batch
    ]


def test_the_bulk_writer_stores_the_very_rows_the_librarys_save_stores(registry, twin):
    aggregates = aggregates_with_history()
    copies = copy.deepcopy(aggregates)
    library_head, bulk_head = registry.max_position(), twin.max_position()
    for aggregate in aggregates:
        registry.save(aggregate, meta=META)
    events = [e for aggregate in copies for e in aggregate.collect_events()]
    for domain_event in events:
        domain_event.__dict__["meta"] = META
    recording = twin.bulk_writer.store(events)
    stored = rows_after(registry, library_head)
    assert len(stored) == len(events) == 60
    assert rows_after(twin, bulk_head) == stored
    assert recording.notification.id == twin.max_position() == bulk_head + len(events)


def test_a_save_stamps_who_recorded_its_events_and_tells_this_processs_listeners(registry):
    heard: list[int] = []
    registry.add_listener(heard.append)
    aggregate = Teacher.register(uuid.uuid4(), **teacher())
    registry.save(aggregate, meta=META)
    ordered = aggregates_with_history()[:4]
    registry.save_in_order(ordered, META)
    facts = EventLog(registry).about([aggregate.id] + [a.id for a in ordered])
    assert facts and all(fact.meta == META for fact in facts)
    assert heard == [registry.position_of(aggregate.id, 1), registry.max_position()]


def test_a_programme_registered_before_places_existed_is_read_with_none(registry):
    """Programme.Registered events stored before `subject` and `capacity` were added
    still replay: the aggregate and the directory view read them as not known."""
    from registry.domain.errors import RuleViolationError
    from registry.domain.programme import Programme
    from registry.queries import Queries

    registry.register_provider(ADMIN, code="KAE", name="KAE", kind="academy", region="KG-GB")
    made = registry.register_programme(ADMIN, programme(code="NEW-1", capacity=12)).data
    stored = registry.recorder.select_events(Programme.id_for("KAE", "NEW-1"))[0]
    state = json.loads(stored.state)
    assert state["capacity"] == 12
    for name in ("subject", "capacity"):
        del state[name]
    old_id = Programme.id_for("KAE", "OLD-1")
    state["code"] = "OLD-1"
    registry.recorder.insert_events(
        [StoredEvent(old_id, 1, stored.topic, json.dumps(state).encode())]
    )
    old = registry.repository.get(old_id)
    assert (old.code, old.subject, old.capacity) == ("OLD-1", None, None)
    assert registry.change_programme(ADMIN, old_id, {"capacity": 5}).data["capacity"] == 5
    open_worker(registry).catch_up()
    queries = Queries(registry)
    assert queries.programme(str(old_id))["capacity"] == 5
    assert queries.programme(made["id"])["capacity"] == 12
    with pytest.raises(RuleViolationError) as caught:
        registry.change_programme(ADMIN, old_id, {"capacity": 0})
    assert caught.value.code == "invalid_capacity"
