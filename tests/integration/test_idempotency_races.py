"""Concurrent requests with one Idempotency-Key: one runs, the others get its answer."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest

from registry.commands.base import Actor, Session, fingerprint
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.idempotency import IdempotentRequest
from registry.domain.teacher import Teacher
from tests.builders import ADMIN, PIN, teacher

WAITERS = 6
BOUND = 30  # seconds: every thread of a scenario ends well within this, or the test fails


class SlowFirst:
    """A command body whose first call holds until `go` is set; counts every call."""

    def __init__(self, then: Callable[[Session], dict[str, Any]]):
        self.then = then
        self.calls = 0
        self.started = threading.Event()
        self.go = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, session: Session) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.started.set()
            assert self.go.wait(BOUND)
        return self.then(session)


def register(session: Session) -> dict[str, Any]:
    registered = session.add(Teacher.register(uuid.uuid4(), **teacher()))
    return {"id": str(registered.id), "pin": registered.pin}


def refuse(session: Session) -> dict[str, Any]:
    raise RuleViolationError("The teacher already works at this school.", code="no_change")


def run(registry, body, key: str = "k-1", args: dict[str, Any] | None = None, actor: Actor = ADMIN):
    return registry.commands.run(
        actor, "register_teacher", args or teacher(), body, idempotency_key=key
    )


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as error:  # the scenario compares errors like answers
        return error


def claims(registry) -> list[tuple]:
    return registry.db.query("SELECT request_id, holder FROM idempotency_claims")


@contextmanager
def first_running(registry, body: SlowFirst, **kwargs: Any) -> Iterator[tuple]:
    """A thread pool whose first request holds its key and runs its command (until `go`,
    which is set on the way out whatever happened)."""
    with ThreadPoolExecutor(max_workers=WAITERS + 1) as pool:
        try:
            holder = pool.submit(outcome, lambda: run(registry, body, **kwargs))
            assert body.started.wait(BOUND)
            yield pool, holder
        finally:
            body.go.set()


def test_retries_sent_while_the_first_request_runs_wait_and_return_its_answer(registry):
    head = registry.max_position()
    body = SlowFirst(register)
    with first_running(registry, body) as (pool, holder):
        waiters = [pool.submit(outcome, lambda: run(registry, body)) for _ in range(WAITERS)]
        time.sleep(0.3)  # lets the waiters find the claim (they must not run the command)
        assert not any(w.done() for w in waiters)
        body.go.set()
        first = holder.result(BOUND)
        answers = [w.result(BOUND) for w in waiters]
    assert not first.replayed
    assert all(a.replayed and (a.data, a.position) == (first.data, first.position) for a in answers)
    assert body.calls == 1
    assert registry.max_position() == head + 2  # the teacher, and the answer kept for the key
    assert claims(registry) == []


def test_when_the_first_request_is_refused_each_waiter_runs_it_and_is_refused_too(registry):
    head = registry.max_position()
    body = SlowFirst(refuse)
    with first_running(registry, body) as (pool, holder):
        waiters = [pool.submit(outcome, lambda: run(registry, body)) for _ in range(WAITERS)]
        body.go.set()
        outcomes = [holder.result(BOUND)] + [w.result(BOUND) for w in waiters]
    assert all(isinstance(o, RuleViolationError) and o.code == "no_change" for o in outcomes)
    assert body.calls == 1 + WAITERS  # a refusal keeps nothing, so nobody replays it
    assert registry.max_position() == head
    assert claims(registry) == []


def test_a_waiter_runs_the_command_itself_when_the_first_was_refused_and_may_succeed(registry):
    outcomes = iter([refuse, register])
    body = SlowFirst(lambda session: next(outcomes)(session))
    with first_running(registry, body) as (pool, holder):
        waiter = pool.submit(outcome, lambda: run(registry, body))
        body.go.set()
        assert isinstance(holder.result(BOUND), RuleViolationError)
        second = waiter.result(BOUND)
    assert not second.replayed and second.data["pin"] == PIN
    assert run(registry, body).data == second.data  # and now the key answers that


def test_a_holder_that_runs_long_keeps_its_key_by_renewing_its_claim(registry):
    registry.commands.claims.stale_after_s = 0.3
    registry.commands.claims.renew_every_s = 0.05
    body = SlowFirst(register)
    with first_running(registry, body) as (pool, holder):
        waiter = pool.submit(outcome, lambda: run(registry, body))
        time.sleep(1.0)  # three times the stale bound: a claim left alone would be taken
        assert not waiter.done()
        body.go.set()
        first, second = holder.result(BOUND), waiter.result(BOUND)
    assert body.calls == 1
    assert second.replayed and second.data == first.data


def test_a_waiter_gives_up_with_a_conflict_after_its_bound_and_a_later_retry_replays(registry):
    registry.commands.claims.wait_s = 0.2
    body = SlowFirst(register)
    with first_running(registry, body) as (pool, holder):
        gave_up = pool.submit(outcome, lambda: run(registry, body)).result(BOUND)
        body.go.set()
        first = holder.result(BOUND)
    assert isinstance(gave_up, ConflictError) and gave_up.code == "idempotency_key_in_use"
    assert body.calls == 1
    later = run(registry, body)
    assert later.replayed and later.data == first.data


def test_a_claim_left_by_a_crashed_process_is_taken_over(registry):
    details = teacher(service_start=date(2010, 9, 1))
    request_id = IdempotentRequest.id_for(ADMIN.account_id, "crashed")
    registry.db.execute(
        "INSERT INTO idempotency_claims (request_id, fingerprint, holder, claimed_at_ms) "
        "VALUES (?, ?, ?, ?)",
        (
            request_id.hex,
            fingerprint("register_teacher", details),
            "a-killed-process",
            int((time.time() - 3600) * 1000),
        ),
    )
    registry.commands.claims.wait_s = BOUND  # a live claim would block, not be taken
    started = time.monotonic()
    first = registry.register_teacher(ADMIN, details, idempotency_key="crashed")
    assert time.monotonic() - started < registry.commands.claims.stale_after_s
    assert first.data["pin"] == PIN and not first.replayed
    assert claims(registry) == []
    again = registry.register_teacher(ADMIN, details, idempotency_key="crashed")
    assert again.replayed and again.data == first.data


def test_a_stale_claim_for_other_content_does_not_burn_the_key(registry):
    request_id = IdempotentRequest.id_for(ADMIN.account_id, "crashed")
    registry.db.execute(
        "INSERT INTO idempotency_claims (request_id, fingerprint, holder, claimed_at_ms) "
        "VALUES (?, ?, ?, ?)",
        (
            request_id.hex,
            "digest-of-a-request-that-never-finished",
            "a-killed-process",
            int((time.time() - 3600) * 1000),
        ),
    )
    assert registry.register_teacher(ADMIN, teacher(), idempotency_key="crashed").data


def test_the_same_key_with_another_body_is_refused_at_once_while_the_first_runs(registry):
    body = SlowFirst(register)
    with first_running(registry, body) as (_, holder), pytest.raises(RuleViolationError) as caught:
        run(registry, body, args=teacher(full_name="Someone else"))
    holder.result(BOUND)
    assert caught.value.code == "idempotency_key_reused"
    assert body.calls == 1


def test_the_same_key_of_another_account_does_not_wait(registry):
    other = Actor(
        name="registrar-kae", role="registrar", account_id="registrar-KAE", provider_code="KAE"
    )
    body = SlowFirst(register)
    with first_running(registry, body) as (_, holder):
        theirs = run(registry, lambda session: {"mine": True}, actor=other)
    assert not holder.result(BOUND).replayed
    assert theirs.data == {"mine": True} and not theirs.replayed


def test_a_batch_takes_no_claims_for_its_keyed_commands(registry):
    request_id = IdempotentRequest.id_for(ADMIN.account_id, "in-batch")
    registry.db.execute(  # a live claim on the key: a claiming command would wait on it
        "INSERT INTO idempotency_claims (request_id, fingerprint, holder, claimed_at_ms) "
        "VALUES (?, ?, ?, ?)",
        (request_id.hex, "x", "another-process", int(time.time() * 1000)),
    )
    registry.commands.claims.wait_s = 0.1
    with registry.batch(ADMIN) as batch:
        registry.register_teacher(ADMIN, teacher(), idempotency_key="in-batch")
        batch.step()
    assert registry.teacher_id_for_pin(PIN) is not None
    assert claims(registry) == [(request_id.hex, "another-process")]


def test_a_database_made_before_claims_existed_gets_the_table_on_the_first_keyed_write(registry):
    registry.db.execute("DROP TABLE idempotency_claims")
    assert registry.register_teacher(ADMIN, teacher(), idempotency_key="k").data["pin"] == PIN
    assert claims(registry) == []


def test_closing_the_registry_ends_the_renewal_of_claims_first(registry):
    """A renewal running while the registry closed its connections crashed the process
    (SQLite): closing ends the renewer before the connections."""
    claims = registry.commands.claims
    claims.renew_every_s = 0.01
    body = SlowFirst(register)
    with first_running(registry, body) as (_, holder):
        time.sleep(0.05)  # a few renewals
        renewer = claims._renewer
        assert renewer is not None and renewer.is_alive()
        claims.close()
        assert not renewer.is_alive()
        body.go.set()
        assert not holder.result(BOUND).replayed
