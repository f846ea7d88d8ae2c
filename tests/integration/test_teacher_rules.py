"""Teachers: registration, the PIN index, transfers, departures, corrections."""

from datetime import date, timedelta

import pytest

from registry.domain import clock
from registry.domain.errors import ConflictError, ForbiddenError, NotFoundError, RuleViolationError
from tests.builders import ADMIN, OTHER_PIN, PIN, teacher


def unchanged(registry, before):
    return registry.max_position() == before


def test_a_registered_teacher_is_found_by_pin_under_an_internal_id(registry):
    result = registry.register_teacher(ADMIN, teacher())
    assert result.position is not None
    teacher_id = registry.teacher_id_for_pin(PIN)
    assert str(teacher_id) == result.data["id"]
    assert PIN not in str(teacher_id).replace("-", "")


def test_the_pin_index_id_does_not_reveal_the_pin_without_the_secret(registry):
    from uuid import NAMESPACE_URL, uuid5

    from registry.keys import Keys

    index_id = registry.keys.pin_index_id(PIN)
    assert index_id != uuid5(NAMESPACE_URL, PIN)
    assert index_id != Keys(b"another-secret").pin_index_id(PIN)


def test_registering_the_same_pin_twice_is_a_conflict_and_stores_nothing(registry):
    registry.register_teacher(ADMIN, teacher())
    before = registry.max_position()
    with pytest.raises(ConflictError) as caught:
        registry.register_teacher(ADMIN, teacher(full_name="Someone Else"))
    assert caught.value.code == "duplicate_pin"
    assert unchanged(registry, before)


@pytest.mark.parametrize(
    "override, code",
    [
        ({"pin": "123"}, "invalid_pin"),
        ({"pin": "23002198512345"}, "invalid_pin"),
        ({"region": "KG-X"}, "invalid_region"),
        ({"district": "Batken"}, "district_not_in_region"),
        ({"full_name": "  "}, "required"),
        ({"service_start": date(1980, 1, 1)}, "service_before_birth"),
        ({"service_start": clock.today() + timedelta(days=1)}, "date_in_future"),
    ],
)
def test_bad_teacher_details_name_the_rule_and_store_nothing(registry, override, code):
    before = registry.max_position()
    with pytest.raises(RuleViolationError) as caught:
        registry.register_teacher(ADMIN, teacher(**override))
    assert caught.value.code == code
    assert unchanged(registry, before)


def test_only_admins_and_registrars_register_teachers(registry):
    from registry.commands.base import Actor

    for role in ("commission", "auditor", "statistician"):
        with pytest.raises(ForbiddenError):
            registry.register_teacher(Actor(name=role, role=role), teacher())


def test_a_pin_correction_repoints_the_index_and_the_old_pin_still_finds_the_teacher(registry):
    registry.register_teacher(ADMIN, teacher())
    new_pin = "21505198500001"
    result = registry.correct_teacher(ADMIN, PIN, {"pin": new_pin}, reason="civil registry")
    assert result.data["pin"] == new_pin
    assert result.data["previous_pins"] == [PIN]
    assert registry.teacher_id_for_pin(new_pin) == registry.teacher_id_for_pin(PIN)


def test_a_pin_correction_to_another_teachers_pin_is_a_conflict(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, full_name="B"))
    before = registry.max_position()
    with pytest.raises(ConflictError):
        registry.correct_teacher(ADMIN, PIN, {"pin": OTHER_PIN})
    assert unchanged(registry, before)


def test_a_correction_that_changes_nothing_is_refused(registry):
    registry.register_teacher(ADMIN, teacher())
    with pytest.raises(RuleViolationError) as caught:
        registry.correct_teacher(ADMIN, PIN, {"full_name": teacher()["full_name"]})
    assert caught.value.code == "no_change"


def test_a_transfer_moves_the_teacher_from_its_effective_date(registry):
    registry.register_teacher(ADMIN, teacher())
    result = registry.transfer_teacher(
        ADMIN,
        PIN,
        region="KG-GB",
        district="Leninsky",
        school="Gymnasium No. 5",
        effective_on=date(2020, 9, 1),
    )
    assert (result.data["region"], result.data["school"]) == ("KG-GB", "Gymnasium No. 5")


def test_a_departed_teacher_cannot_be_transferred_or_depart_again(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.record_departure(ADMIN, PIN, effective_on=date(2023, 6, 30), reason="retired")
    with pytest.raises(ConflictError):
        registry.transfer_teacher(
            ADMIN,
            PIN,
            region="KG-GB",
            district="Leninsky",
            school="X",
            effective_on=date(2024, 1, 1),
        )
    with pytest.raises(ConflictError):
        registry.record_departure(ADMIN, PIN, effective_on=date(2024, 1, 1), reason="again")


def test_an_unknown_pin_is_not_found(registry):
    with pytest.raises(NotFoundError):
        registry.record_departure(ADMIN, OTHER_PIN, effective_on=date(2023, 1, 1), reason="x")


def test_a_correction_may_carry_the_date_it_was_decided_but_not_a_future_one(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.correct_teacher(
        ADMIN,
        PIN,
        {"full_name": "Айгүл Асан кызы"},
        reason="passport",
        effective_on=date(2024, 2, 1),
    )
    with pytest.raises(RuleViolationError) as caught:
        registry.correct_teacher(
            ADMIN, PIN, {"school": "School No. 9"}, effective_on=clock.today() + timedelta(days=1)
        )
    assert caught.value.code == "date_in_future"


def test_a_correction_stored_before_effective_on_existed_is_upcast_on_reading(registry):
    """Version 1 of Teacher.Corrected had no effective_on: such stored events still load."""
    import json

    from eventsourcing.persistence import StoredEvent

    from registry.commands.base import Session
    from registry.domain.teacher import Teacher
    from registry.storage.facts import EventLog

    registry.register_teacher(ADMIN, teacher())
    teacher_id = registry.teacher_id_for_pin(PIN)
    current = Session(registry).find(teacher_id)
    v1_state = {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2020-01-01T00:00:00+00:00"},
        "changes": {"full_name": "Айгүл Асан кызы"},
        "reason": "passport",
    }
    registry.recorder.insert_events(
        [
            StoredEvent(
                originator_id=teacher_id,
                originator_version=current.version + 1,
                topic="registry.domain.teacher:Teacher.Corrected",
                state=json.dumps(v1_state).encode(),
            )
        ]
    )
    reloaded = Session(registry).find(teacher_id)
    assert reloaded.full_name == "Айгүл Асан кызы"
    corrected = next(
        f for f in EventLog(registry).about([teacher_id]) if f.type == "Teacher.Corrected"
    )
    assert corrected.data["effective_on"] is None and corrected.data["reason"] == "passport"
    assert isinstance(reloaded, Teacher)
