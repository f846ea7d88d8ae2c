"""Backing up the PostgreSQL event store and restoring it into a fresh database with the
scripts in infra/backup: the restored registry verifies and answers as the original."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from registry import ledger
from registry.application import Registry
from registry.bootstrap import initialise, open_worker
from registry.domain.clock import frozen_at
from registry.queries import Queries
from tests.builders import ADMIN, teacher
from tests.conftest import SECRET, _pg_admin, drop_postgres_database
from tests.integration.test_ledger_tamper import history, pin

pytestmark = pytest.mark.postgres
SCRIPTS = Path(__file__).resolve().parents[2] / "infra" / "backup"
PINS = [pin(i) for i in range(3)] + [pin(50)]


@pytest.fixture
def original(postgres_url, tmp_path):
    """A PostgreSQL registry with certificates, a revocation, a late teacher, views and a
    sealed ledger."""
    settings = _settings(postgres_url, tmp_path)
    with frozen_at(datetime(2024, 1, 10, tzinfo=UTC)):
        initialise(settings)
    app = Registry(settings)
    with frozen_at(datetime(2024, 3, 25, tzinfo=UTC)):
        history(app, teachers=3)
    with frozen_at(datetime(2024, 6, 3, tzinfo=UTC)):
        app.revoke_certificate(ADMIN, "KAE-2024-0001", reason="issued in error")
        app.register_teacher(ADMIN, teacher(pin=pin(50)))
    open_worker(app).rebuild()
    ledger.seal(app)
    yield app
    app.close()


def _settings(url: str, tmp_path: Path):
    from tests.conftest import make_settings

    return make_settings(url, tmp_path)


@pytest.fixture
def fresh_url(postgres_server):
    """The URL of a database that does not exist yet (dropped afterwards if made)."""
    name = f"registry_restore_{uuid.uuid4().hex[:12]}"
    yield f"{postgres_server.rsplit('/', 1)[0]}/{name}"
    drop_postgres_database(name)


def script(name: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "REGISTRY_SECRET_KEY": SECRET.decode(),
        "REGISTRY_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    return subprocess.run(
        [str(SCRIPTS / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )


def answers(app: Registry) -> dict:
    """What readers see: every teacher's compliance and history, certificates, statistics."""
    queries = Queries(app)
    seen = {}
    for p in PINS:
        for day in (date(2024, 5, 1), date(2026, 1, 1)):
            answer = queries.compliance(p, as_of=day)
            answer.pop("known_at")
            seen[("compliance", p, day)] = answer
        seen[("history", p)] = queries.teacher_history(p)
    for number in ("KAE-2024-0000", "KAE-2024-0001", "KAE-2024-0002"):
        seen[("certificate", number)] = queries.certificate(number)
    seen["statistics"] = queries.compliance_statistics(date(2025, 1, 1), "region")
    seen["events"] = queries.events(after=0, limit=1000)
    return seen


def test_a_backup_restored_into_a_fresh_database_verifies_and_answers_as_the_original(
    original, fresh_url, tmp_path
):
    dump = tmp_path / "registry.dump"

    backed_up = script("backup.sh", original.settings.database_url, str(dump), tmp_path=tmp_path)
    assert backed_up.returncode == 0, backed_up.stderr
    assert dump.exists() and Path(f"{dump}.sha256").exists() and Path(f"{dump}.head.json").exists()

    restored_run = script("restore.sh", str(dump), fresh_url, tmp_path=tmp_path)
    assert restored_run.returncode == 0, restored_run.stdout + restored_run.stderr
    assert "published heads checked: 1" in restored_run.stdout
    assert "OK: every stored event matches the ledger" in restored_run.stdout

    restored = Registry(dataclasses.replace(original.settings, database_url=fresh_url))
    try:
        open_worker(restored).rebuild()
        report = ledger.verify(restored)
        original_head = ledger.head(original)
        assert report.ok
        assert (report.head_position, report.head_hash) == (
            original_head["position"],
            original_head["hash"],
        )
        assert answers(restored) == answers(original)
        # The restored store is append-only again, and takes new events after the old ones.
        with pytest.raises(Exception, match="append-only"):
            restored.db.execute("DELETE FROM registry_events")
        result = restored.register_teacher(ADMIN, teacher(pin=pin(77)))
        assert result.position > original.max_position()
    finally:
        restored.close()


def test_restoring_into_a_database_that_holds_tables_is_refused_and_changes_nothing(
    original, postgres_server, tmp_path
):
    dump = tmp_path / "registry.dump"
    assert (
        script("backup.sh", original.settings.database_url, str(dump), tmp_path=tmp_path).returncode
        == 0
    )
    before = original.max_position()

    refused = script("restore.sh", str(dump), original.settings.database_url, tmp_path=tmp_path)

    assert refused.returncode == 1
    assert "restore into a new database" in refused.stderr
    assert original.max_position() == before


def test_a_backup_that_does_not_match_its_checksum_is_not_restored(original, fresh_url, tmp_path):
    dump = tmp_path / "registry.dump"
    assert (
        script("backup.sh", original.settings.database_url, str(dump), tmp_path=tmp_path).returncode
        == 0
    )
    with open(dump, "r+b") as handle:  # one flipped byte in the middle of the archive
        handle.seek(dump.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))

    refused = script("restore.sh", str(dump), fresh_url, tmp_path=tmp_path)

    assert refused.returncode == 1
    assert "does not match its checksum" in refused.stderr
    with _pg_admin() as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM pg_database WHERE datname = %s",
                (fresh_url.rsplit("/", 1)[1],),
            ).fetchone()[0]
            == 0
        )


def test_backup_refuses_to_overwrite_an_earlier_backup(original, tmp_path):
    dump = tmp_path / "registry.dump"
    dump.write_bytes(b"an earlier backup")
    refused = script("backup.sh", original.settings.database_url, str(dump), tmp_path=tmp_path)
    assert refused.returncode == 1 and "not overwriting" in refused.stderr
    assert dump.read_bytes() == b"an earlier backup"
