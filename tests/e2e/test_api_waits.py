"""Reads that wait for min_position: only once the caller is authorised, a few at a time,
never for a position no write can have; and every read says how far behind it answered."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from datetime import date

import pytest

from registry.bootstrap import initialise, open_worker
from registry.commands.base import Actor
from tests.builders import ADMIN, teacher
from tests.e2e.api_support import *

PIN = "21505198512345"
TEACHER = {
    "pin": PIN,
    "full_name": "Айгүл Асанова",
    "region": "KG-C",
    "district": "Sokuluk",
    "school": "School No. 3",
    "subject": "Mathematics",
    "position": "teacher",
    "service_start": "2010-09-01",
}
ROLES = {
    "admin": {"role": "admin"},
    "registrar": {"role": "registrar", "provider_code": "KAE"},
    "commission": {"role": "commission", "region": "KG-C"},
    "auditor": {"role": "auditor"},
    "statistician": {"role": "statistician"},
}
# Values for the path parameters and required arguments of every GET in the OpenAPI.
PATH_VALUES = {
    "pin": PIN,
    "number": "KAE-2024-0001",
    "code": "KAE",
    "programme_id": str(uuid.UUID(int=1)),
    "enrolment_id": str(uuid.UUID(int=2)),
    "list_name": "subjects",
}
REQUIRED_ARGS = {
    "/verify/{number}": "code=ABCD-EFGH",
    "/due": "status=overdue",
    "/providers/{code}/workload": "from=2024-01-01&to=2024-12-31",
}
AT_ONCE = 1.0  # seconds: far below the 20 s a wait may last (tests/conftest.py)


@dataclasses.dataclass
class Stalled:
    """A served app whose views follow nothing: a position written after they last caught
    up is never reached, so any read that waits for it waits its whole bound."""

    app: object
    registry: object
    tokens: dict[str, str]
    unreached: int

    def get(self, path: str, role: str | None = None):
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return self.app.test_client().get(f"/api/v1{path}", headers=headers)

    @property
    def queries(self):
        return self.app.extensions["registry"].queries


def stalled_app(settings, **changes) -> Stalled:
    from web import create_app

    initialise(settings)
    app = create_app(
        {
            "TESTING": True,
            "REGISTRY_FOLLOW": False,
            "SECRET_KEY": "test-secret",
            "REGISTRY_SETTINGS": dataclasses.replace(settings, **changes),
        }
    )
    registry = app.extensions["registry"].registry
    registry.register_provider(
        Actor.system(),
        code="KAE",
        name="Kyrgyz Academy of Education",
        kind="academy",
        region="KG-GB",
    )
    tokens = {
        name: registry.create_account(Actor.system(), name=name, **scope)[1]
        for name, scope in ROLES.items()
    }
    return Stalled(app, registry, tokens, registry.max_position())


@pytest.fixture
def stalled(settings):
    found = stalled_app(settings)  # the suite's default bound (tests/conftest.py)
    yield found
    found.app.extensions["registry"].close()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


# -- authorise first, then wait --------------------------------------------------------


def test_a_caller_without_credentials_is_refused_at_once_even_with_min_position(stalled):
    for path in ("/teachers", "/statistics/compliance", "/events", "/providers", "/ledger"):
        response, seconds = timed(lambda: stalled.get(f"{path}?min_position={stalled.unreached}"))
        assert response.status_code == 401, (path, response.get_json())
        assert seconds < AT_ONCE, (path, seconds)
    assert stalled.queries.waiting == 0


def test_a_role_that_may_not_read_an_endpoint_is_refused_at_once_even_with_min_position(stalled):
    workload = "/providers/KAE/workload?from=2024-01-01&to=2024-12-31&"
    for role, path in (
        ("statistician", "/teachers?"),
        ("statistician", f"/teachers/{PIN}?"),
        ("commission", "/statistics/teachers?"),
        ("registrar", "/events?"),
        ("statistician", "/ledger?"),
        ("commission", workload),
    ):
        response, seconds = timed(
            lambda: stalled.get(f"{path}min_position={stalled.unreached}", role)
        )
        assert response.status_code == 403, (role, path, response.get_json())
        assert seconds < AT_ONCE, (role, path, seconds)


def test_every_read_refuses_a_caller_with_min_position_exactly_as_without(settings):
    # With no time to wait at all, a read that waits answers 503 at once: a caller refused
    # without min_position must get the same refusal with it, never a 503.
    stalled = stalled_app(settings, read_wait_timeout_s=0.0)
    try:
        spec = stalled.get("/openapi.json").get_json()
        reads = [
            path.removeprefix("/api/v1") for path, item in spec["paths"].items() if "get" in item
        ]
        assert len(reads) >= 20
        refused = waited = 0
        for template in reads:
            path = template.format(**PATH_VALUES)
            args = REQUIRED_ARGS.get(template, "")
            for role in (None, *ROLES):
                plain = stalled.get(f"{path}?{args}", role)
                waiting = stalled.get(f"{path}?{args}&min_position={stalled.unreached}", role)
                if plain.status_code in (400, 401, 403):
                    assert waiting.status_code == plain.status_code, (template, role)
                    refused += plain.status_code in (401, 403)
                else:
                    assert waiting.status_code in (plain.status_code, 503), (template, role)
                    if waiting.status_code == 503:
                        assert error_code(waiting) == "projections_behind"
                        assert waiting.headers["Retry-After"]
                        waited += 1
        assert refused >= 30 and waited >= 20, (refused, waited)  # the sweep saw both kinds
    finally:
        stalled.app.extensions["registry"].close()


# -- a bounded number of waits ---------------------------------------------------------


def test_when_the_waits_are_full_one_more_is_refused_at_once_and_plain_reads_still_answer(settings):
    stalled = stalled_app(settings, max_waiting_reads=2, read_wait_timeout_s=3.0)
    path = f"/open-data/compliance?min_position={stalled.unreached}"
    answers: list = []
    waiters = [threading.Thread(target=lambda: answers.append(stalled.get(path))) for _ in range(2)]
    try:
        for thread in waiters:
            thread.start()
        deadline = time.monotonic() + 2.5
        while stalled.queries.waiting < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stalled.queries.waiting == 2, "the two anonymous readers did not start waiting"

        refused, seconds = timed(lambda: stalled.get(path))
        assert refused.status_code == 503 and seconds < AT_ONCE, seconds
        assert error_code(refused) == "too_many_waiting_reads"
        assert int(refused.headers["Retry-After"]) >= 1
        plain, seconds = timed(lambda: stalled.get("/open-data/compliance"))
        assert plain.status_code == 200 and seconds < AT_ONCE, seconds
        assert stalled.queries.waiting == 2  # both still waiting meanwhile
    finally:
        for thread in waiters:
            thread.join(10)
        stalled.app.extensions["registry"].close()
    assert [a.status_code for a in answers] == [503, 503]  # their bound passed
    assert {error_code(a) for a in answers} == {"projections_behind"}
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers)
    assert stalled.queries.waiting == 0


# -- never for a position no write can have ---------------------------------------------


def test_a_position_far_beyond_the_head_is_refused_at_once(settings):
    stalled = stalled_app(settings, read_wait_timeout_s=1.0, position_margin=1000)
    try:
        for role, path in ((None, "/open-data/compliance"), ("admin", "/providers")):
            for position in (stalled.unreached + 1001, 999999999999, 2**63 - 1):
                response, seconds = timed(
                    lambda: stalled.get(f"{path}?min_position={position}", role)
                )
                assert response.status_code == 422, (path, position, response.get_json())
                assert error_code(response) == "position_beyond_head"
                assert "min_position" in response.get_json()["error"]["fields"]
                assert seconds < AT_ONCE
        # Within the margin it may be another client's write landing: waited for, bounded.
        near, seconds = timed(
            lambda: stalled.get(f"/providers?min_position={stalled.unreached + 1000}", "admin")
        )
        assert near.status_code == 503 and error_code(near) == "projections_behind"
        assert seconds >= 1.0 and int(near.headers["Retry-After"]) >= 1
    finally:
        stalled.app.extensions["registry"].close()


# -- reading one's own writes, and how far behind a read is -------------------------------


def test_a_client_reads_its_own_write_with_min_position(callers):
    registrar = callers["registrar"]
    written = registrar.post("/teachers", json=TEACHER)
    assert written.status_code == 201
    position = int(written.headers["X-Registry-Position"])
    dossier = registrar.get(f"/teachers/{PIN}?min_position={position}")
    assert dossier.status_code == 200 and dossier.get_json()["full_name"] == TEACHER["full_name"]
    assert int(dossier.headers["X-Registry-Position"]) >= position
    assert dossier.headers["X-Registry-Lag"] == "0"


def test_a_read_while_the_views_are_behind_says_how_far_behind_it_answered(stalled):
    behind, seconds = timed(lambda: stalled.get("/providers", "admin"))
    assert behind.status_code == 200 and seconds < AT_ONCE  # no wait without min_position
    assert behind.get_json()["providers"] == []  # the provider is not in the views yet...
    position = int(behind.headers["X-Registry-Position"])
    assert int(behind.headers["X-Registry-Lag"]) == stalled.unreached - position > 0  # ...said

    open_worker(stalled.registry).catch_up()
    current = stalled.get("/providers", "admin")
    assert [p["code"] for p in current.get_json()["providers"]] == ["KAE"]
    assert (current.headers["X-Registry-Position"], current.headers["X-Registry-Lag"]) == (
        str(stalled.unreached),
        "0",
    )
    public = stalled.get("/open-data/compliance")
    assert public.status_code == 200 and public.headers["X-Registry-Lag"] == "0"


def test_a_statistics_answer_served_from_before_a_write_says_the_position_it_was_computed_at(
    stalled,
):
    statistics = "/statistics/compliance?group_by=region"
    open_worker(stalled.registry).catch_up()
    first = stalled.get(statistics, "admin")
    computed_at = int(first.headers["X-Registry-Position"])
    assert first.status_code == 200 and first.get_json()["groups"] == []
    written = stalled.registry.register_teacher(ADMIN, teacher(pin=PIN))
    open_worker(stalled.registry).catch_up()

    # The table of a moment ago is answered at once while the new one is computed in the
    # background, and the read says the position that table stands at, not the views'.
    again = stalled.get(statistics, "admin")
    assert again.get_json()["groups"] == []
    assert int(again.headers["X-Registry-Position"]) == computed_at < written.position
    assert int(again.headers["X-Registry-Lag"]) == stalled.registry.max_position() - computed_at
    # A read that asks for the write's position gets a table that holds it.
    fresh = stalled.get(f"{statistics}&min_position={written.position}", "admin")
    assert int(fresh.headers["X-Registry-Position"]) >= written.position
    assert [g["total"] for g in fresh.get_json()["groups"]] == [1]


def test_the_openapi_documents_the_lag_headers_and_the_refusals_of_a_wait(api):
    spec = api.get("/openapi.json").get_json()
    read = spec["paths"]["/api/v1/statistics/compliance"]["get"]["responses"]
    assert {"X-Registry-Position", "X-Registry-Lag"} <= set(read["200"]["headers"])
    assert "Retry-After" in read["503"]["headers"]
    assert "too_many_waiting_reads" in read["503"]["description"]
    assert "position_beyond_head" in read["422"]["description"]
    assert "X-Registry-Lag" in spec["info"]["description"]


def paper_certificate_with_the_views_but_revocation_lists(settings, **changes) -> Stalled:
    """A stalled app whose views hold a paper certificate, all but the revocation lists
    (credential_status): a credential read then finds the certificate, not its place."""
    from registry.projections.catalogue import view_names

    stalled = stalled_app(settings, **changes)
    stalled.registry.register_teacher(ADMIN, teacher(pin=PIN))
    stalled.registry.record_legacy_certificate(
        ADMIN,
        pin=PIN,
        number="OLD-1",
        provider_code="KAE",
        title="Методика",
        form="course",
        hours=72,
        issued_on=date(2022, 5, 4),
    )
    others = [name for name in view_names() if name != "credential_status"]
    open_worker(stalled.registry, others).catch_up()
    return stalled


def test_a_credential_read_before_the_revocation_lists_hold_it_waits_for_them(settings):
    stalled = paper_certificate_with_the_views_but_revocation_lists(settings)
    try:
        assert stalled.get("/certificates/OLD-1", "admin").status_code == 200
        late = threading.Timer(0.5, lambda: open_worker(stalled.registry).catch_up())
        late.start()
        answer, seconds = timed(lambda: stalled.get("/certificates/OLD-1/credential", "admin"))
        late.join()
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["credentialStatus"]["statusListIndex"] is not None
        assert 0.4 < seconds < 10
    finally:
        stalled.app.extensions["registry"].close()


def test_a_credential_read_whose_revocation_lists_stay_behind_waits_its_bound_then_503(
    settings,
):
    stalled = paper_certificate_with_the_views_but_revocation_lists(
        settings, read_wait_timeout_s=0.5
    )
    try:
        answer, seconds = timed(lambda: stalled.get("/certificates/OLD-1/credential", "admin"))
        assert answer.status_code == 503 and answer.headers["Retry-After"]
        assert answer.get_json()["error"]["code"] == "projections_behind"
        assert 0.4 < seconds < 5
    finally:
        stalled.app.extensions["registry"].close()
