"""The `registry` command answers bad input and unreachable databases in one clear line."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest


def registry(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "REGISTRY_SECRET_KEY": "s"},
    )


@pytest.mark.parametrize(
    "url, reason",
    [
        ("postgresql://postgres@127.0.0.1:1/registry", "Connection refused"),
        pytest.param(
            "postgresql://postgres@127.0.0.1:5432/no_such_registry_db",
            "does not exist",
            marks=pytest.mark.postgres,
        ),
    ],
)
@pytest.mark.parametrize(
    "command", [("init",), ("projections", "status"), ("users", "create", "ops", "--role", "admin")]
)
def test_an_unreachable_database_is_named_at_once_without_a_traceback(
    request, tmp_path, url, reason, command
):
    if "5432" in url:
        request.getfixturevalue("postgres_server")  # a server that lacks this database
    started = time.monotonic()
    result = registry("--database", url, *command, cwd=tmp_path)
    assert result.returncode == 1
    assert "[database_unavailable]" in result.stderr and reason in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 15


def test_an_unsupported_database_url_is_a_usage_error(tmp_path):
    result = registry("--database", "mysql://x/y", "init", cwd=tmp_path)
    assert result.returncode == 2 and "Unsupported database URL" in result.stderr


@pytest.mark.parametrize(
    "command",
    [("reminders", "run", "--dry-run"), ("ledger", "verify"), ("reminders", "run")],
)
def test_a_command_on_a_mistyped_sqlite_path_says_so_and_creates_nothing(tmp_path, command):
    """Commands that need what `registry init` made name the path that holds no registry
    (one line, exit 1), and leave no database file behind."""
    missing = tmp_path / "typo" / "registry.db"
    result = registry("--database", f"sqlite:///{missing}", *command, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "is not an initialised registry database" in result.stderr
    assert "[not_a_registry]" in result.stderr and "Traceback" not in result.stderr
    assert not missing.exists()


def test_every_command_takes_database_after_its_name_too(tmp_path):
    """`registry COMMAND --database URL` is `registry --database URL COMMAND`, for every
    command (it was refused as an unknown option by most)."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert registry("init", "--database", url, cwd=tmp_path).returncode == 0
    created = registry(
        "users", "create", "ops", "--role", "auditor", "--database", url, cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    verified = registry("ledger", "verify", "--database", url, cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    status = registry("projections", "status", "--database", url, cwd=tmp_path)
    assert status.returncode == 0 and "directory" in status.stdout
    assert not (tmp_path / "instance" / "registry.db").exists()  # not the default one


@pytest.mark.parametrize("suffix", ["?mode=ro", "#x"])
def test_an_sqlite_url_with_options_is_a_usage_error_not_a_new_file(tmp_path, suffix):
    """`sqlite:///r.db?mode=ro` made a file literally named `r.db?mode=ro` (and passed an
    existing `r.db` by): it is refused, naming the URL; a '?' in a name is written %3F."""
    result = registry("--database", f"sqlite:///{tmp_path / 'r.db'}{suffix}", "init", cwd=tmp_path)
    assert result.returncode == 2 and "takes no options" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_command_on_an_sqlite_path_holding_no_registry_says_it_made_one(tmp_path):
    """The spec's commands need no `init`, so one makes the registry it is pointed at:
    it says so, since a mistyped path would otherwise pass for an empty registry."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    made = registry("--database", url, "users", "create", "ops", "--role", "auditor", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "held no registry: a new one was made there" in made.stderr
    again = registry(
        "--database", url, "users", "create", "ops2", "--role", "auditor", cwd=tmp_path
    )
    assert "held no registry" not in again.stderr
