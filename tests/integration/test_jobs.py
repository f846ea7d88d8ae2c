"""Background jobs: run in a thread of the process that starts them, recorded in the
database so another process sees their progress and result, and shown as abandoned
(never running for ever) when the process running them dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from registry.jobs import ABANDONED, FAILED, RUNNING, SUCCEEDED, Jobs, Progress
from registry.settings import DatabaseURL
from registry.storage import open_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def other_process_db(registry):
    """A second connection set to the same database, as another server worker has."""
    db = open_database(DatabaseURL.parse(registry.settings.database_url), pool_size=2)
    yield db
    db.close()


def eventually(read, until, timeout: float = 20.0):
    """Read until the answer satisfies `until` (the job runs in another thread)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = read()
        if until(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.02)


class Gate:
    """Work that reports some progress, then waits to be let through."""

    def __init__(self, total: int = 10, done: int = 3, fail: bool = False):
        self.total, self.done, self.fail = total, done, fail
        self.go = threading.Event()

    def __call__(self, progress: Progress) -> dict:
        progress.set_total(self.total)
        progress.update(self.done)
        while not self.go.wait(0.01):
            progress.check()
        if self.fail:
            raise ValueError("the thing to check was not there")
        progress.update(self.total)
        return {"checked": self.total, "ok": True}


def test_a_job_reports_its_progress_and_result_to_every_process(registry, other_process_db):
    jobs = Jobs(registry.db, heartbeat_s=0.05)
    elsewhere = Jobs(other_process_db)
    gate = Gate()

    started = jobs.start("check", gate, started_by="auditor")
    seen = eventually(lambda: elsewhere.get(started.id), lambda j: j.done == 3)

    assert (started.kind, started.started_by, started.state) == ("check", "auditor", RUNNING)
    assert (seen.state, seen.done, seen.total, seen.percent) == (RUNNING, 3, 10, 30)
    gate.go.set()
    done = eventually(lambda: elsewhere.get(started.id), lambda j: j.state != RUNNING)
    assert (done.state, done.done, done.total, done.percent) == (SUCCEEDED, 10, 10, 100)
    assert done.result == {"checked": 10, "ok": True} and done.error is None
    assert done.finished_at >= done.started_at
    assert [j.id for j in elsewhere.recent("check")] == [started.id]


def test_a_job_whose_work_fails_is_recorded_as_failed_with_the_reason(registry):
    jobs = Jobs(registry.db, heartbeat_s=0.05)
    gate = Gate(fail=True)
    gate.go.set()

    started = jobs.start("check", gate)
    done = eventually(lambda: jobs.get(started.id), lambda j: j.state != RUNNING)

    assert done.state == FAILED and done.result is None
    assert done.error == "ValueError: the thing to check was not there"


def test_an_exclusive_kind_runs_once_at_a_time_across_processes(registry, other_process_db):
    jobs, elsewhere = Jobs(registry.db), Jobs(other_process_db)
    gate = Gate()
    first = jobs.start("verify", gate, exclusive=True)

    again = elsewhere.start("verify", Gate(), exclusive=True)
    other_kind = elsewhere.start("export", lambda progress: {"rows": 0}, exclusive=True)

    assert again.id == first.id
    assert other_kind.id != first.id
    gate.go.set()
    eventually(lambda: jobs.get(first.id), lambda j: j.state == SUCCEEDED)
    later = elsewhere.start("verify", lambda progress: None, exclusive=True)
    assert later.id != first.id


def test_a_process_that_stops_cleanly_records_its_jobs_as_stopped(registry):
    jobs = Jobs(registry.db)
    started = jobs.start("check", Gate())
    eventually(lambda: jobs.get(started.id), lambda j: j.done == 3 or j.state != RUNNING)

    jobs.stop()

    stopped = jobs.get(started.id)
    assert stopped.state == FAILED and "stopped" in stopped.error


def test_a_job_whose_process_died_is_shown_as_abandoned_and_no_longer_holds_its_kind(
    registry, tmp_path
):
    url = registry.settings.database_url
    script = textwrap.dedent(
        f"""
        import sys, threading
        from registry.jobs import Jobs
        from registry.settings import DatabaseURL
        from registry.storage import open_database

        db = open_database(DatabaseURL.parse({url!r}), pool_size=2)
        jobs = Jobs(db, heartbeat_s=0.05)

        def work(progress):
            progress.set_total(100)
            progress.update(40)
            threading.Event().wait()  # until the process is killed

        job = jobs.start("verify", work, started_by="auditor", exclusive=True)
        print(job.id, flush=True)
        threading.Event().wait()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        job_id = process.stdout.readline().strip()
        patient = Jobs(registry.db, stale_after_s=60)
        seen = eventually(lambda: patient.get(job_id), lambda j: j.done == 40)
        assert (seen.state, seen.done) == (RUNNING, 40)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    last_beat = patient.get(job_id).heartbeat_at
    time.sleep(0.6)  # longer than the reader below waits for a heartbeat

    reader = Jobs(registry.db, stale_after_s=0.5)
    gone = reader.get(job_id)
    assert gone.state == ABANDONED and "stopped before it finished" in gone.error
    assert gone.heartbeat_at == last_beat  # nobody beats for it any more
    assert reader.running("verify") is None
    replacement = reader.start("verify", lambda progress: {"ok": True}, exclusive=True)
    assert replacement.id != job_id
    assert eventually(lambda: reader.get(replacement.id), lambda j: j.state != RUNNING).state == (
        SUCCEEDED
    )
    assert Jobs(registry.db, stale_after_s=60).get(job_id).state == ABANDONED  # recorded so


def test_a_jobs_label_and_starter_are_kept_and_the_starters_jobs_are_listed(registry):
    jobs = Jobs(registry.db)
    mine = jobs.start("import", lambda progress: {"rows": 1}, started_by="ana", label="a.csv")
    theirs = jobs.start("import", lambda progress: {"rows": 2}, started_by="bek", label="b.csv")
    other_kind = jobs.start("export", lambda progress: None, started_by="ana")
    long = jobs.start("import", lambda progress: None, started_by="ana", label="x" * 500)
    for job in (mine, theirs, other_kind, long):
        eventually(lambda job=job: jobs.get(job.id), lambda j: j.state != RUNNING)

    listed = jobs.recent("import", started_by="ana")

    assert [j.id for j in listed] == [long.id, mine.id]
    assert listed[1].label == "a.csv" and listed[1].result == {"rows": 1}
    assert listed[0].label == "x" * 200  # kept bounded
    assert {j.id for j in jobs.recent(started_by="ana")} == {mine.id, other_kind.id, long.id}


def test_a_jobs_table_made_before_the_label_column_gets_it_on_first_use(registry):
    from registry.storage.schema import JOBS_TABLE

    with registry.db.transaction() as cur:
        cur.execute(f"DROP TABLE {JOBS_TABLE}")
        cur.execute(
            f"CREATE TABLE {JOBS_TABLE} (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
            "started_by TEXT, state TEXT NOT NULL, exclusive_kind TEXT, total BIGINT, "
            "done BIGINT NOT NULL, result TEXT, error TEXT, holder TEXT NOT NULL, "
            "started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, finished_at TEXT)"
        )

    assert Jobs(registry.db).recent() == []  # a reader adds the column first
    started = Jobs(registry.db).start("import", lambda progress: None, label="old.csv")
    assert eventually(lambda: Jobs(registry.db).get(started.id), lambda j: j.label).label == (
        "old.csv"
    )
