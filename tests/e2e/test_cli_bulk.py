"""The real `registry generate` and `registry import` commands, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.application import Registry
from tests.builders import ADMIN, PIN, provider, teacher
from tests.conftest import SECRET, make_settings


@pytest.fixture
def run(database_url: str, tmp_path: Path):
    """Run `registry …` against a fresh database; returns the finished process."""
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": database_url,
        "REGISTRY_INSTANCE_PATH": str(tmp_path / "instance"),
        "REGISTRY_SECRET_KEY": SECRET.decode(),
        "PYTHONIOENCODING": "utf-8",
    }
    registry = str(Path(sys.executable).with_name("registry"))

    def run_registry(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [registry, *args], env=env, input=stdin, capture_output=True, timeout=300
        )

    assert run_registry("init").returncode == 0
    return run_registry


def test_generate_prints_a_summary_and_is_refused_a_second_time(run):
    first = run(
        "generate", "--teachers", "150", "--years", "3", "--seed", "4", "--end", "2025-06-30"
    )
    out = first.stdout.decode()
    assert first.returncode == 0, first.stderr.decode()
    assert "teachers registered" in out and "compliance on 2025-06-30:" in out
    assert "events in" in out
    second = run("generate", "--teachers", "150", "--years", "3", "--seed", "4")
    assert second.returncode == 1
    assert "already holds teachers" in second.stderr.decode()


def test_generate_can_answer_in_json(run):
    done = run(
        "generate",
        "--teachers",
        "60",
        "--years",
        "2",
        "--seed",
        "1",
        "--end",
        "2025-06-30",
        "--json",
    )
    summary = json.loads(done.stdout)
    assert summary["counts"]["teachers registered"] == 60
    assert summary["refused"] == [] and summary["events"] > 100


def test_import_prints_each_row_that_was_not_recorded_and_the_counts(run, database_url, tmp_path):
    app = Registry(make_settings(database_url, tmp_path))
    try:
        provider(app, "KAE")
        app.register_teacher(ADMIN, teacher())
    finally:
        app.close()
    csv_file = tmp_path / "paper.csv"
    csv_file.write_text(
        "pin,number,provider_code,title,form,hours,issued_on\n"
        f"{PIN},PAPER-1,KAE,Курс,course,72,2019-05-10\n"
        f"{PIN},PAPER-2,KAE,Семинар,seminar,18,2031-01-01\n",
        encoding="utf-8",
    )
    first = run("import", str(csv_file))
    assert first.returncode == 3
    assert first.stdout.decode().splitlines() == [
        "line 3: issued_on (2031-01-01) is in the future [date_in_future]",
        "2 rows of legacy certificates: 1 recorded, 0 already recorded, 1 rejected",
    ]
    again = run("import", "--json", "-", stdin=csv_file.read_bytes())
    report = json.loads(again.stdout)
    assert (report["recorded"], report["skipped"], report["failed"]) == (0, 1, 1)
    assert report["errors"][0]["line"] == 3
    # Rows recorded before are counted, not listed one by one (a big file's rerun filled
    # the log with a line per row); --verbose lists them.
    third = run("import", str(csv_file))
    assert third.stdout.decode().splitlines() == [
        "line 3: issued_on (2031-01-01) is in the future [date_in_future]",
        "2 rows of legacy certificates: 0 recorded, 1 already recorded, 1 rejected",
    ]
    assert "line 2" in run("import", "--verbose", str(csv_file)).stdout.decode()


def test_import_refuses_a_file_not_in_the_chosen_encoding_and_records_nothing(run, tmp_path):
    csv_file = tmp_path / "cp1251.csv"
    csv_file.write_bytes(
        "pin,number,provider_code,title,form,hours,issued_on\n"
        "21505198512345,Н-1,KAE,Курс,course,72,2019-05-10\n".encode("cp1251")
    )
    done = run("import", "--encoding", "utf-8", str(csv_file))
    assert done.returncode == 1
    assert "not UTF-8" in done.stderr.decode() and "[not_utf8]" in done.stderr.decode()
    assert done.stdout == b""
    # With --json a script reads why from standard output too.
    done = run("import", "--json", "--encoding", "utf-8", str(csv_file))
    assert done.returncode == 1 and json.loads(done.stdout)["error"]["code"] == "not_utf8"
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\x01\x02\xff\xfe\x00garbage\x9c\x00")
    done = run("import", str(garbage))
    assert done.returncode == 1 and "[unknown_encoding]" in done.stderr.decode()
