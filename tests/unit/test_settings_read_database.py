"""The read database setting: a PostgreSQL standby of a PostgreSQL primary, or nothing."""

from __future__ import annotations

import pytest

from registry.domain.errors import InvalidInputError
from registry.settings import Settings

PRIMARY = "postgresql://registry@db1:5432/registry?schema=kg"


def test_reads_go_to_the_primary_unless_a_read_database_is_given(tmp_path):
    env = {"REGISTRY_INSTANCE_PATH": str(tmp_path), "REGISTRY_SECRET_KEY": "s"}
    assert Settings.from_env({**env, "REGISTRY_DATABASE_URL": PRIMARY}).read_database is None


def test_the_read_database_comes_from_the_environment_or_the_option_and_keeps_the_schema(
    tmp_path,
):
    env = {
        "REGISTRY_INSTANCE_PATH": str(tmp_path),
        "REGISTRY_SECRET_KEY": "s",
        "REGISTRY_DATABASE_URL": PRIMARY,
        "REGISTRY_READ_DATABASE_URL": "postgresql://registry@db2:5432/registry",
    }
    read = Settings.from_env(env).read_database
    assert read is not None and (read.host, read.schema) == ("db2", "kg")
    given = Settings.from_env(env, read_database_url="postgresql://r@db3/registry?schema=x")
    assert given.read_database is not None and given.read_database.host == "db3"
    assert given.read_database.schema == "x"


@pytest.mark.parametrize(
    "primary, read",
    [
        ("sqlite:///r.db", "postgresql://registry@db2:5432/registry"),
        (PRIMARY, "sqlite:///copy.db"),
    ],
)
def test_a_read_database_needs_postgresql_on_both_sides(tmp_path, primary, read):
    with pytest.raises(InvalidInputError, match="hot standby of a PostgreSQL primary"):
        Settings.from_env(
            {"REGISTRY_INSTANCE_PATH": str(tmp_path), "REGISTRY_SECRET_KEY": "s"},
            database_url=primary,
            read_database_url=read,
        )


def test_a_malformed_read_database_url_is_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="Unsupported database URL"):
        Settings.from_env(
            {"REGISTRY_INSTANCE_PATH": str(tmp_path), "REGISTRY_SECRET_KEY": "s"},
            database_url=PRIMARY,
            read_database_url="mysql://x/y",
        )
