"""Every writer leaves the log sealed: `registry generate`, `import` and `replay` seal at
their end, and `registry ledger verify` refuses (exit 3) a log with events not sealed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from registry import ledger
from registry.cli.audit import EXIT_UNSEALED
from tests.builders import ADMIN, OTHER_PIN, PIN, provider, teacher
from tests.conftest import _pg_admin
from tests.integration.test_ledger import invoke

LEGACY_HEADER = "pin,number,provider_code,title,form,hours,issued_on\n"


def verify(database_url: str, tmp_path, *args: str):
    """`registry ledger verify --json` and its report."""
    result = invoke(database_url, tmp_path, "ledger", "verify", "--json", *args)
    return result.exit_code, json.loads(result.output)


def assert_sealed(database_url: str, tmp_path) -> dict:
    code, report = verify(database_url, tmp_path)
    assert code == 0, report
    assert report["ok"] and report["unsealed_events"] == 0
    assert report["sealed_events"] == report["events"] > 0
    return report


def test_events_written_without_a_follower_fail_verification_until_allowed_or_sealed(
    registry, database_url, tmp_path
):
    sealed = registry.max_position()  # init sealed its own events
    registry.register_teacher(ADMIN, teacher())  # the application alone: nobody seals

    result = invoke(database_url, tmp_path, "ledger", "verify")
    code, report = verify(database_url, tmp_path)

    assert result.exit_code == code == EXIT_UNSEALED
    total = registry.max_position()
    assert f"verified {sealed} of {total} events; 2 not sealed" in result.output
    assert f"NOT SEALED: 2 events after position {sealed}" in result.output
    assert (report["ok"], report["sealed_events"], report["unsealed_events"]) == (True, sealed, 2)
    allowed = invoke(database_url, tmp_path, "ledger", "verify", "--allow-unsealed")
    assert allowed.exit_code == 0, allowed.output
    assert "2 not sealed" in allowed.output and "note: 2 events" in allowed.output
    last = ledger.head(registry)["last_verification"]
    assert (last["sealed_events"], last["unsealed_events"]) == (sealed, 2)
    assert last["requested_by"].startswith("cli")

    invoke(database_url, tmp_path, "ledger", "seal")
    assert assert_sealed(database_url, tmp_path)["events"] == registry.max_position()


def test_a_tampered_log_exits_one_even_when_unsealed_events_are_allowed(
    registry, database_url, tmp_path
):
    from tests.integration.test_ledger_tamper import drop_guards, run

    registry.register_teacher(ADMIN, teacher())
    ledger.seal(registry)
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
    drop_guards(registry)
    run(registry, f"DELETE FROM {registry.db.events_table} WHERE {registry.db.position_column} = 2")

    result = invoke(database_url, tmp_path, "ledger", "verify", "--allow-unsealed")

    assert result.exit_code == 1
    assert "TAMPERED: first change at position 2" in result.output


def test_generate_leaves_the_log_sealed(database_url, tmp_path):
    assert invoke(database_url, tmp_path, "init").exit_code == 0
    result = invoke(
        database_url,
        tmp_path,
        "generate",
        "--teachers",
        "5",
        "--years",
        "1",
        "--end",
        "2024-12-31",
        "--json",
    )
    assert result.exit_code == 0, result.output
    report = assert_sealed(database_url, tmp_path)
    assert report["head"]["position"] == json.loads(result.stdout)["last_position"]


def test_import_leaves_the_log_sealed_including_what_was_written_before_it(
    registry, database_url, tmp_path
):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())  # unsealed until the import ends
    csv = tmp_path / "paper.csv"
    csv.write_text(
        LEGACY_HEADER
        + f"{PIN},П-2017/15,KAE,Teaching mathematics,course,72,2017-05-10\n"
        + f"{PIN},П-2018/3,KAE,Lesson study,seminar,18,2018-11-02\n",
        encoding="utf-8",
    )

    result = invoke(database_url, tmp_path, "import", str(csv))

    assert result.exit_code == 0, result.output
    assert assert_sealed(database_url, tmp_path)["events"] == registry.max_position()


def test_an_import_with_rejected_rows_still_leaves_what_it_recorded_sealed(
    registry, database_url, tmp_path
):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())
    csv = tmp_path / "mixed.csv"
    csv.write_text(
        LEGACY_HEADER
        + f"{PIN},П-2017/15,KAE,Teaching mathematics,course,72,2017-05-10\n"
        + f"{PIN},П-2017/16,NOPE,Unknown provider,course,72,2017-05-10\n",
        encoding="utf-8",
    )

    result = invoke(database_url, tmp_path, "import", str(csv))

    assert result.exit_code == 3, result.output  # a row rejected, the other recorded
    assert_sealed(database_url, tmp_path)


@pytest.fixture
def replay_target(request, database_url, tmp_path):
    """A database URL that does not exist yet, on the engine of the test."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'replayed.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"registry_replay_{uuid.uuid4().hex[:12]}"
    yield f"{server.rsplit('/', 1)[0]}/{name}"
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_replay_leaves_its_target_sealed(registry, database_url, tmp_path, replay_target):
    provider(registry, "KAE")
    registry.register_teacher(ADMIN, teacher())  # the live log itself is left unsealed
    until = datetime.now(UTC).isoformat()

    result = invoke(
        database_url, tmp_path, "replay", "--until", until, "--into", replay_target, "--json"
    )

    assert result.exit_code == 0, result.output
    report = assert_sealed(replay_target, tmp_path)
    assert report["events"] == registry.max_position()
    assert report["head"]["hash"] == json.loads(result.stdout)["ledger_head"]["hash"]
