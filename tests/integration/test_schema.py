"""Creating the database: once, by `registry init`, without races; append-only at the database."""

import subprocess
import sys
import uuid

import pytest

from registry.application import Registry
from registry.bootstrap import initialise
from registry.storage import Database
from registry.storage.schema import is_initialised
from tests.builders import ADMIN, teacher
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    is_copy,
    make_settings,
)


@pytest.mark.postgres
def test_several_processes_initialising_at_once_all_succeed(postgres_url, tmp_path):
    env = {"REGISTRY_SECRET_KEY": "s", "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "--database", postgres_url, "init"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=60), p.stderr.read().decode()) for p in procs]
    assert all(code == 0 for code, _ in results), results
    assert is_initialised(make_settings(postgres_url, tmp_path))


def test_initialising_twice_keeps_the_events_and_starts_the_policy_once(settings):
    initialise(settings)
    app = Registry(settings)
    app.register_teacher(ADMIN, teacher())
    head = app.max_position()
    app.close()
    initialise(settings)
    app = Registry(settings)
    assert app.max_position() == head
    app.close()


def test_the_database_itself_refuses_to_update_or_delete_a_stored_event(registry):
    registry.register_teacher(ADMIN, teacher())
    db: Database = registry.db
    for statement in (
        f"UPDATE {registry.db.events_table} SET topic = 'x'",
        f"DELETE FROM {registry.db.events_table}",
    ):
        with pytest.raises(Exception) as caught:
            db.execute(statement)
        assert "append-only" in str(caught.value)
    assert registry.max_position() is not None


def test_the_suites_copies_of_an_initialised_database_hold_what_initialise_makes(
    registry, settings, tmp_path
):
    """The tests start from copies of a database initialised once per worker
    (tests/conftest.py): a copy must be what `initialise` makes of an empty database."""

    def contents(db: Database) -> dict[str, object]:
        tables = sorted(db.table_names())
        return {
            "columns": {table: sorted(db.columns(table)) for table in tables},
            "rows": {table: db.query_one(f"SELECT count(*) FROM {table}")[0] for table in tables},
            "topics": [
                row[0]
                for row in db.query(
                    f"SELECT topic FROM {db.events_table} ORDER BY {db.position_column}"
                )
            ],
        }

    assert is_copy(settings.database_url)
    name = f"registry_fresh_{uuid.uuid4().hex[:12]}"
    if registry.db.embedded:
        fresh = make_settings(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    else:
        create_postgres_database(name)
        fresh = make_settings(f"{settings.database_url.rsplit('/', 1)[0]}/{name}", tmp_path)
    try:
        initialise(fresh)
        made = Registry(fresh)
        try:
            assert contents(registry.db) == contents(made.db)
        finally:
            made.close()
    finally:
        if not registry.db.embedded:
            drop_postgres_database(name)
