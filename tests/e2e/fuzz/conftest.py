"""The fuzzing's fixtures (tests/e2e/fuzz/support.py says what is fuzzed, and how): each
test file gets its own targets and schema (module scope)."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator

import pytest
import schemathesis

from tests.conftest import PG_ADMIN_URL, create_postgres_database, drop_postgres_database
from tests.e2e.fuzz.support import TARGETS, Target, fuzzed_app


def engines(request: pytest.FixtureRequest) -> list[str]:
    """SQLite, and PostgreSQL when a server answers: in CI it must (`postgres_server`
    fails there); elsewhere the SQLite targets are fuzzed without it, with a warning."""
    try:
        request.getfixturevalue("postgres_server")
    except pytest.skip.Exception as skipped:
        warnings.warn(f"fuzzing SQLite only: {skipped.msg}", stacklevel=1)
        return ["sqlite"]
    return ["sqlite", "postgresql"]


@pytest.fixture(scope="module")
def targets(request, tmp_path_factory) -> Iterator[list[Target]]:
    """Each target's app, on a database of its own for the whole module (the fuzzer's
    writes pile up in it)."""
    available = engines(request)
    made: list[Target] = []
    databases: list[str] = []
    try:
        for engine, role in TARGETS:
            if engine not in available:
                continue
            if engine == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'registry.db'}"
            else:
                databases.append(f"registry_fuzz_{uuid.uuid4().hex[:12]}")
                create_postgres_database(databases[-1])
                url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{databases[-1]}"
            app, token = fuzzed_app(url, tmp_path_factory.mktemp("instance"), role)
            made.append(Target(f"{engine}-{role}", app, token))
        yield made
    finally:
        for target in made:
            target.app.extensions["registry"].close()
        for name in databases:
            drop_postgres_database(name)


@pytest.fixture(scope="module")
def published_schema(targets: list[Target]):
    """The OpenAPI document as the app serves it."""
    spec = targets[0].app.test_client().get("/api/v1/openapi.json").get_json()
    return schemathesis.openapi.from_dict(spec)


@pytest.fixture(autouse=True)
def _lazy_schema_on_pytest_9(request):
    """schemathesis 4.32's lazy schema names each operation's subtest by rewriting the
    test's `_nodeid`, which pytest 9's items no longer have (AttributeError): give it one.
    Pytest 9 names the subtests itself (the operation's label), so the rewrite is moot."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
