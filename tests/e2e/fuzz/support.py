"""Schemathesis against the published OpenAPI, on both engines, as an admin and as a
registrar: no server error, every answer as documented, and a refused request records
nothing. The admin fuzzes both engines; the registrar SQLite only (see `TARGETS`).
The operations are fuzzed by two test files, the reads (`test_fuzz_reads.py`) and
the writes (`test_fuzz_writes.py`), so that two of the suite's workers share them;
each file gets its own targets (module-scoped fixtures, in conftest.py).

Each operation's cases are generated once and each is sent to every target (an engine and
a role, each with a database of its own): Hypothesis, derandomised, generated the same
cases for each target when each had a test of its own, three times over. Nothing is
built when the suite is collected: the app, its OpenAPI document and schemathesis's tests
of its operations (the coverage phase's cases among them) are made when the test runs,
by the one worker that runs it (`schemathesis.pytest.from_fixture`; each operation is a
subtest).

Short in CI (a few examples per operation, a fixed seed); REGISTRY_LONG_FUZZ=N runs N
examples per operation with a random seed (the targets share it, as they share the cases).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from registry.commands.base import Actor
from tests import builders
from tests.conftest import (
    make_settings,
)
from tests.e2e.api_support import build_app

LONG = int(os.environ.get("REGISTRY_LONG_FUZZ", "0") or 0)
EXAMPLES = LONG or 5


def documented(case) -> set[str] | None:
    """The status codes an operation names (not "default"); None for a method not offered."""
    paths = case.operation.schema.raw_schema["paths"]
    operation = paths[case.operation.path].get(case.method.lower())
    return None if operation is None else set(operation["responses"]) - {"default"}


def no_server_error(ctx, response, case) -> None:
    """No 5xx, except a 503 the operation documents (a wait for min_position that ran out)."""
    codes = documented(case) or set()
    if response.status_code >= 500 and not (response.status_code == 503 and "503" in codes):
        raise AssertionError(
            f"{case.method} {case.formatted_path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )


def documented_status(ctx, response, case) -> None:
    """The answer's status is one the operation names; a "default" response documents
    nothing (schemathesis's own status check accepts anything when it is there)."""
    codes = documented(case)
    if codes is not None and str(response.status_code) not in codes:
        raise AssertionError(
            f"{case.method} {case.formatted_path} answered "
            f"{response.status_code}, not among {sorted(codes)}: "
            f"{response.text[:300]}"
        )


CHECKS = [
    no_server_error,
    documented_status,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


# Whose token the fuzzer sends, on which engine. The admin may do everything, so its
# cases reach every operation's statements: on both engines, where a value one engine
# takes and the other refuses would show. What a registrar adds is the refusals and its
# provider's scope: decided in registry/access.py before any statement, and passed to the
# statements both engines share as a parameter, so the engine does not change what the
# registrar's cases find; fuzzing them on PostgreSQL as well cost 84 s of the suite's
# 211 s in this file (PostgreSQL's cases take 4x SQLite's here).
TARGETS = (("sqlite", "admin"), ("sqlite", "registrar"), ("postgresql", "admin"))
SCOPES = {"admin": {}, "registrar": {"provider_code": "KAE"}}


@dataclass
class Target:
    """One engine's app, on a database of its own, and the token of the role sent to it."""

    name: str
    app: Any
    token: str
    # The log's head read after a refused request: the next request's head before it, as
    # nothing writes to this target's log between its requests (the API records all it
    # does before it answers, an import too: background jobs are the pages'). After an
    # accepted request, or a failed one, it is None and the head is read before the next.
    unchanged_head: int | None = None

    def head(self) -> int:
        return self.app.extensions["registry"].registry.max_position() or 0


def fuzzed_app(database_url: str, instance, role: str) -> tuple[Any, str]:
    """The web app with a little of everything recorded, and a token of `role`."""
    # A wait for a position not yet recorded gives up at once (the fuzzer asks for many),
    # and verification lookups are not throttled (the fuzzer would mostly meet the 429).
    app = build_app(
        replace(
            make_settings(database_url, instance),
            read_wait_timeout_s=0.1,
            verify_lookups_per_address="100000/minute",
            verify_failures_per_address="100000/minute",
        )
    )
    registry = app.extensions["registry"].registry
    builders.certified_teacher(registry)  # provider KAE, a teacher, a certificate
    registry.register_teacher(builders.ADMIN, builders.teacher(pin=builders.OTHER_PIN))
    registry.record_legacy_certificate(
        builders.ADMIN,
        pin=builders.OTHER_PIN,
        number="KAE-1998-77",
        provider_code="KAE",
        title="Методика",
        form="seminar",
        hours=36,
        issued_on=date(2015, 5, 20),
    )
    _, token = registry.create_account(
        Actor.system(), name=f"fuzz-{role}", role=role, **SCOPES[role]
    )
    return app, token


FUZZING = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def send_to_every_target(case, targets: list[Target]) -> None:
    """Send one case to each target; each answer must pass the checks, and a refused
    request must leave the target's log as it was."""
    # A case that leaves out or spoils the bearer token on purpose is sent as it is.
    signed = not case.operation.schema.is_security_param_negated(case)
    for target in targets:
        before = target.head() if target.unchanged_head is None else target.unchanged_head
        target.unchanged_head = None
        try:
            response = case.call_and_validate(
                app=target.app,
                base_url="http://localhost",
                checks=CHECKS,
                headers={"Authorization": f"Bearer {target.token}"} if signed else {},
            )
        except BaseException as failure:
            failure.add_note(f"(sent to {target.name})")
            raise
        if response.status_code >= 400:
            after = target.head()
            assert after == before, (
                f"{case.method} {case.path} answered {response.status_code} "
                f"but recorded events ({target.name})"
            )
            target.unchanged_head = after


def fuzzing_test(schema):
    """The test of the operations `schema` holds (a test file's share of them): each case
    sent to every target (`send_to_every_target`)."""

    @pytest.mark.postgres
    @schema.parametrize()
    @FUZZING
    def test_no_request_gets_a_server_error_or_an_undocumented_answer_or_writes_when_refused(
        case, targets
    ):
        send_to_every_target(case, targets)

    return test_no_request_gets_a_server_error_or_an_undocumented_answer_or_writes_when_refused
