"""Racing retries of one Idempotency-Key over HTTP all get the first answer, on both engines."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from registry.commands.base import fingerprint
from registry.domain.idempotency import IdempotentRequest
from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, PROGRAMME, TEACHER

RACERS = 16
TRANSFER = {
    "region": "KG-GB",
    "district": "Leninsky",
    "school": "Gymnasium No. 5",
    "effective_on": "2020-09-01",
}


def race(caller: Caller, path: str, body: dict[str, Any], key: str) -> list[tuple]:
    """Send the same keyed request from RACERS threads at once, each with its own client;
    returns each answer as (status, body, replayed)."""
    start = threading.Barrier(RACERS)

    def send(_: int) -> tuple:
        racer = Caller(caller.client.application.test_client(), caller.token)
        start.wait(timeout=30)
        response = racer.post(path, json=body, headers={"Idempotency-Key": key})
        return (
            response.status_code,
            response.get_json(),
            response.headers.get("Idempotent-Replayed") == "true",
        )

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(send, range(RACERS)))


def registry_of(caller: Caller):
    return caller.client.application.extensions["registry"].registry


def events_of_key(caller: Caller, key: str) -> list[str]:
    """The types of the stored events sent with this key (one command's events, once)."""
    from registry.storage.facts import EventLog

    registry = registry_of(caller)
    facts = EventLog(registry).read(0, registry.max_position() + 1)
    return [fact.type for fact in facts if (fact.meta or {}).get("idempotency_key") == key]


def claims_left(caller: Caller) -> int:
    return registry_of(caller).db.query_one("SELECT count(*) FROM idempotency_claims")[0]


def assert_one_answer(answers: list[tuple], status: int) -> dict[str, Any]:
    """Every racer got the same status and body; all but the one that ran it were replays."""
    first = answers[0][:2]
    assert [a[:2] for a in answers] == [first] * RACERS, {a[0] for a in answers}
    assert first[0] == status, first
    assert sum(1 for a in answers if not a[2]) == 1
    return first[1]


def test_racing_retries_of_a_transfer_all_get_the_first_answer(callers):
    registrar = callers["registrar"]
    assert registrar.post("/teachers", json=TEACHER).status_code == 201
    answers = race(registrar, f"/teachers/{PIN}/transfers", TRANSFER, "move-1")
    body = assert_one_answer(answers, 201)
    assert body["school"] == "Gymnasium No. 5"
    assert events_of_key(registrar, "move-1") == [
        "Teacher.Transferred",
        "IdempotentRequest.Recorded",
    ]
    assert claims_left(registrar) == 0


def test_racing_retries_of_a_registration_all_get_the_first_answer(callers):
    registrar = callers["registrar"]
    answers = race(registrar, "/teachers", TEACHER, "register-1")
    assert assert_one_answer(answers, 201)["pin"] == PIN
    assert sorted(events_of_key(registrar, "register-1")) == [
        "IdempotentRequest.Recorded",
        "PinIndex.Created",
        "Teacher.Registered",
    ]
    assert claims_left(registrar) == 0


def test_racing_retries_of_a_certificate_issue_all_get_the_first_answer(callers):
    registrar = callers["registrar"]
    registrar.post("/teachers", json=TEACHER)
    programme_id = registrar.post("/programmes", json=PROGRAMME).get_json()["id"]
    enrolment_id = registrar.post(
        f"/programmes/{programme_id}/enrolments", json={"pin": PIN}
    ).get_json()["id"]
    registrar.post(
        f"/enrolments/{enrolment_id}/assessments",
        json={"passed": True, "assessed_on": "2024-03-20"},
    )
    answers = race(
        registrar,
        f"/enrolments/{enrolment_id}/certificate",
        {"number": "KAE-2024-0001", "issued_on": "2024-03-21"},
        "certify-1",
    )
    body = assert_one_answer(answers, 201)
    assert body["number"] == "KAE-2024-0001" and body["status"] == "valid"
    types = events_of_key(registrar, "certify-1")
    assert types.count("Certificate.Issued") == 1
    assert types.count("IdempotentRequest.Recorded") == 1
    assert claims_left(registrar) == 0


def test_racing_retries_of_a_refused_write_all_get_the_refusal_and_record_nothing(callers):
    registrar = callers["registrar"]
    registrar.post("/teachers", json=TEACHER)
    head = registry_of(registrar).max_position()
    unchanged = {
        "region": "KG-C",
        "district": "Sokuluk",
        "school": "School No. 3",
        "effective_on": "2020-09-01",
    }
    answers = race(registrar, f"/teachers/{PIN}/transfers", unchanged, "move-nowhere")
    statuses = {(a[0], a[1]["error"]["code"]) for a in answers}
    assert len(statuses) == 1 and next(iter(statuses))[0] == 422
    assert not any(a[2] for a in answers)  # a refusal is never recorded, so never replayed
    assert registry_of(registrar).max_position() == head
    assert claims_left(registrar) == 0
    # The key was not burnt: a later request with it that the rules allow is recorded.
    moved = registrar.post(
        f"/teachers/{PIN}/transfers", json=TRANSFER, headers={"Idempotency-Key": "move-nowhere"}
    )
    assert moved.status_code == 201, moved.get_json()


def test_a_claim_left_by_a_crashed_process_is_taken_over(callers):
    registrar = callers["registrar"]
    registry = registry_of(registrar)
    account_id = str(uuid.UUID(hex=registrar.token.split(".")[0]))  # keys are per account
    request_id = IdempotentRequest.id_for(account_id, "register-crashed")
    details = {**TEACHER, "service_start": date(2010, 9, 1)}
    # As a process killed mid-command leaves it: claimed an hour ago, never released.
    registry.db.execute(
        "INSERT INTO idempotency_claims (request_id, fingerprint, holder, claimed_at_ms) "
        "VALUES (?, ?, ?, ?)",
        (
            request_id.hex,
            fingerprint("register_teacher", details),
            "crashed-process",
            int((time.time() - 3600) * 1000),
        ),
    )
    started = time.monotonic()
    response = registrar.post(
        "/teachers", json=TEACHER, headers={"Idempotency-Key": "register-crashed"}
    )
    assert response.status_code == 201, response.get_json()
    assert time.monotonic() - started < 5
    assert claims_left(registrar) == 0
    retry = registrar.post(
        "/teachers", json=TEACHER, headers={"Idempotency-Key": "register-crashed"}
    )
    assert (retry.status_code, retry.get_json()) == (201, response.get_json())
    assert retry.headers["Idempotent-Replayed"] == "true"
