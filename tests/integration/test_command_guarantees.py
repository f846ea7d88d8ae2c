"""What every command guarantees: who recorded it, idempotency, no lost updates."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from registry.commands.base import Session
from registry.domain.errors import RuleViolationError
from registry.domain.policy import CompliancePolicy
from registry.storage.facts import EventLog
from tests.builders import ADMIN, PIN, provider, registrar, teacher


def test_every_event_records_who_recorded_it_and_when(registry):
    provider(registry, "KAE")
    actor = registrar("KAE")
    registry.register_teacher(actor, teacher())
    facts = EventLog(registry).read(0, 100)
    registered = next(f for f in facts if f.type == "Teacher.Registered")
    assert registered.actor["role"] == "registrar"
    assert registered.actor["provider"] == "KAE"
    assert registered.actor["name"] == actor.name
    assert registered.recorded_at.tzinfo is not None


def test_a_repeated_idempotency_key_returns_the_first_result_and_records_nothing(registry):
    first = registry.register_teacher(ADMIN, teacher(), idempotency_key="req-1")
    after_first = registry.max_position()
    again = registry.register_teacher(ADMIN, teacher(), idempotency_key="req-1")
    assert again.data == first.data
    assert again.position == first.position
    assert again.replayed
    assert registry.max_position() == after_first


def test_an_idempotency_key_reused_for_another_request_is_refused(registry):
    registry.register_teacher(ADMIN, teacher(), idempotency_key="req-1")
    with pytest.raises(RuleViolationError) as caught:
        registry.register_teacher(ADMIN, teacher(full_name="Other"), idempotency_key="req-1")
    assert caught.value.code == "idempotency_key_reused"


def test_idempotency_keys_belong_to_one_account(registry):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher(), idempotency_key="same")
    from registry.domain.errors import ConflictError

    with pytest.raises(ConflictError):  # another account's key is not a replay
        registry.register_teacher(registrar("KAE"), teacher(), idempotency_key="same")


def test_a_failed_command_does_not_burn_its_idempotency_key(registry):
    with pytest.raises(RuleViolationError):
        registry.register_teacher(ADMIN, teacher(pin="1"), idempotency_key="k")
    assert registry.register_teacher(ADMIN, teacher(), idempotency_key="k").data["pin"] == PIN


def test_concurrent_commands_on_one_aggregate_lose_no_update(registry):
    registry.start_policy()
    dates = [date(2030 + i, 1, 1) for i in range(8)]

    def adopt(effective_from):
        return registry.adopt_policy(
            ADMIN, effective_from=effective_from, window_years=1, required_hours=36
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(adopt, dates))
    policy = Session(registry).find(CompliancePolicy.id_for())
    assert sorted(v[0] for v in policy.versions[1:]) == dates


def test_concurrent_registrations_of_one_pin_record_exactly_one_teacher(registry):
    def register(i):
        try:
            return registry.register_teacher(ADMIN, teacher(full_name=f"Name {i}")).data["id"]
        except Exception as error:  # the losers get a clean conflict
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(register, range(6)))
    winners = [o for o in outcomes if o != "ConflictError"]
    assert len(winners) == 1
    assert str(registry.teacher_id_for_pin(PIN)) == winners[0]
