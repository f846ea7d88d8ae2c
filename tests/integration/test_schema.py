"""Creating the database: once, by `registry init`, without races; append-only at the database."""

import subprocess
import sys

import pytest

from registry.application import Registry
from registry.bootstrap import initialise
from registry.storage import Database
from registry.storage.schema import is_initialised
from tests.builders import ADMIN, teacher
from tests.conftest import make_settings


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
