"""Schemathesis against the published OpenAPI, on both engines, as an admin and as a
registrar: no server error, every answer as documented, and a refused request records
nothing. The admin fuzzes both engines; the registrar SQLite only (see `ENGINE_ROLES`).

Short in CI (a few examples per operation, a fixed seed); REGISTRY_LONG_FUZZ=N runs N
examples per operation with a random seed.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from registry.commands.base import Actor
from registry.settings import Settings
from tests import builders
from tests.conftest import (
    PG_ADMIN_URL,
    create_postgres_database,
    drop_postgres_database,
    make_settings,
)
from tests.e2e.api_support import build_app

LONG = int(os.environ.get("REGISTRY_LONG_FUZZ", "0") or 0)
EXAMPLES = LONG or 5


def published_spec() -> dict:
    """The OpenAPI document as the app serves it (the app opens no database for it)."""
    from web import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "REGISTRY_FOLLOW": False,
                "REGISTRY_SETTINGS": Settings(
                    database_url=f"sqlite:///{folder}/none.db",
                    instance_path=Path(folder),
                    secret_key=b"spec-only",
                ),
            }
        )
        return app.test_client().get("/api/v1/openapi.json").get_json()


SPEC = published_spec()
schema = schemathesis.openapi.from_dict(SPEC)


def documented(case) -> set[str] | None:
    """The status codes an operation names (not "default"); None for a method not offered."""
    operation = SPEC["paths"][case.operation.path].get(case.method.lower())
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
ENGINE_ROLES = [
    pytest.param("sqlite", "admin", id="sqlite-admin"),
    pytest.param("sqlite", "registrar", id="sqlite-registrar"),
    pytest.param("postgresql", "admin", id="postgresql-admin", marks=pytest.mark.postgres),
]


def pytest_generate_tests(metafunc):
    if "role" in metafunc.fixturenames:
        metafunc.parametrize(("engine", "role"), ENGINE_ROLES, scope="module")


@pytest.fixture(scope="module")
def engine_url(request, engine, tmp_path_factory):
    """One database per engine and role for the whole module (the fuzzer's writes pile
    up in it)."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'registry.db'}"
        return
    request.getfixturevalue("postgres_server")
    name = f"registry_fuzz_{uuid.uuid4().hex[:12]}"
    create_postgres_database(name)
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    drop_postgres_database(name)


@pytest.fixture(scope="module")
def fuzzed(engine_url, tmp_path_factory):
    """The web app with a little of everything recorded, and an admin's and a registrar's
    tokens."""
    # A wait for a position not yet recorded gives up at once (the fuzzer asks for many),
    # and verification lookups are not throttled (the fuzzer would mostly meet the 429).
    app = build_app(
        replace(
            make_settings(engine_url, tmp_path_factory.mktemp("instance")),
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
    system = Actor.system()
    tokens = {
        role: registry.create_account(system, name=f"fuzz-{role}", role=role, **scope)[1]
        for role, scope in (("admin", {}), ("registrar", {"provider_code": "KAE"}))
    }
    yield app, tokens
    app.extensions["registry"].close()


def head(app) -> int:
    return app.extensions["registry"].registry.max_position() or 0


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error_or_an_undocumented_answer_or_writes_when_refused(
    case, fuzzed, role
):
    app, tokens = fuzzed
    before = head(app)
    # A case that leaves out or spoils the bearer token on purpose is sent as it is.
    signed = not case.operation.schema.is_security_param_negated(case)
    response = case.call_and_validate(
        app=app,
        base_url="http://localhost",
        checks=CHECKS,
        headers={"Authorization": f"Bearer {tokens[role]}"} if signed else {},
    )
    if response.status_code >= 400:
        assert head(app) == before, (
            f"{case.method} {case.path} answered {response.status_code} but recorded events"
        )
