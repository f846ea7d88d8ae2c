"""A bad day: the server, an import and a rebuild killed with SIGKILL, and PostgreSQL
dropping the server's connections, while clients keep writing with Idempotency-Keys.

Short in CI (seconds per test); REGISTRY_LONG_FAULTS=1 runs longer and kills more often.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

import psycopg
import pytest

from registry.application import Registry
from registry.bootstrap import initialise, open_worker
from tests import builders
from tests.builders import ADMIN, provider, teacher
from tests.conftest import make_settings
from tests.e2e.fault_support import (
    BIN,
    Answer,
    ServedApp,
    alive,
    budget,
    call,
    children,
    command_line,
    create_token,
    kill_group,
    output,
    registry_env,
    run_registry,
    start_registry,
    wait_until,
)
from tests.readside import dump

# A client thread that dies would hide its last write from the checks.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

POSITION = "X-Registry-Position"
DISTRICT = {"region": "KG-C", "district": "Sokuluk"}


def teacher_body(pin: str) -> dict:
    return {
        "pin": pin,
        "full_name": "Айгүл Асанова",
        **DISTRICT,
        "school": "School No. 0",
        "subject": "Mathematics",
        "position": "teacher",
        "service_start": "2010-09-01",
    }


def transfer_body(school: int) -> dict:
    return {**DISTRICT, "school": f"School No. {school}", "effective_on": "2020-09-01"}


@dataclass
class Write:
    """One write a client sent, with the key it will retry with and what it was told."""

    path: str
    body: dict
    key: str
    answer: Answer
    first: int = -1  # the status first answered (0: no answer)


class Writer(threading.Thread):
    """A client registering one teacher, then transferring them from school to school,
    each request with its own Idempotency-Key; it stops when told or when the server
    is gone (that last write's outcome is unknown)."""

    def __init__(
        self,
        api: str,
        token: str,
        pin: str,
        log: list[Write],
        stop: threading.Event,
        retry_unavailable: bool = False,
    ):
        super().__init__(daemon=True)
        self.api, self.token, self.pin, self.log, self.stop = api, token, pin, log, stop
        self.retry_unavailable = retry_unavailable

    def run(self) -> None:
        school = 0
        plan = [("/teachers", teacher_body(self.pin), f"register-{self.pin}")]
        while not self.stop.is_set():
            path, body, key = (
                plan.pop()
                if plan
                else (
                    f"/teachers/{self.pin}/transfers",
                    transfer_body(school),
                    f"move-{self.pin}-{school}",
                )
            )
            answer = call(self.api + path, token=self.token, body=body, key=key)
            while self.retry_unavailable and answer.status == 503 and not self.stop.is_set():
                time.sleep(0.05)  # the documented answer to a lost connection: try again
                answer = call(self.api + path, token=self.token, body=body, key=key)
            self.log.append(Write(path, body, key, answer, answer.status))
            if answer.status == 0:
                return
            school += 1


def acknowledged(writes: list[Write]) -> int:
    return sum(w.answer.status == 201 for w in writes)


def head(settings) -> int:
    app = Registry(settings)
    try:
        return app.max_position() or 0
    finally:
        app.close()


def recorded_moves(api: str, token: str, pin: str, position: int) -> tuple[int, Counter]:
    """How often the teacher's registration was stored, and each school they moved to."""
    history = call(f"{api}/teachers/{pin}/history?min_position={position}", token=token)
    assert history.status == 200, history.body
    types = Counter(e["type"].rsplit(".", 1)[-1] for e in history.body["events"])
    schools = Counter(
        e["data"]["school"] for e in history.body["events"] if e["type"].endswith("Transferred")
    )
    return types["Registered"], schools


def check_each_write_stored_once(api: str, token: str, writes: list[Write], settings) -> None:
    """Retry every write with its key: the first answer comes back for each acknowledged
    one, the unknown ones are recorded now or were before; each is stored exactly once;
    retrying all of them again records nothing."""
    for write in writes:
        again = call(api + write.path, token=token, body=write.body, key=write.key)
        assert again.status == 201, (write.key, again.status, again.body)
        if write.answer.status == 201:
            assert again.body == write.answer.body, write.key
            assert again.headers.get("Idempotent-Replayed") == "true", write.key
        write.answer = again
    position = head(settings)
    for pin in {w.body.get("pin") for w in writes if w.path == "/teachers"}:
        registered, schools = recorded_moves(api, token, pin, position)
        sent = Counter(w.body["school"] for w in writes if w.path == f"/teachers/{pin}/transfers")
        assert registered == 1, pin
        assert schools == sent, (pin, [(w.key, w.first) for w in writes if pin in w.path])
    for write in writes:
        again = call(api + write.path, token=token, body=write.body, key=write.key)
        assert (again.status, again.body) == (201, write.answer.body), write.key
    assert head(settings) == position


def test_a_killed_server_loses_no_acknowledged_write_and_retries_with_keys_record_nothing_twice(
    database_url, tmp_path
):
    settings = make_settings(database_url, tmp_path)
    initialise(settings)
    env = registry_env(database_url, tmp_path)
    token = create_token(env, "ops", "admin")
    server = ServedApp(env, "--threads", "4").start()
    writes: list[Write] = []
    try:
        for cycle in range(int(budget(1, 4))):
            stop = threading.Event()
            writers = [
                Writer(server.api, token, f"2150519851{cycle}{i:03d}", writes, stop)
                for i in range(int(budget(4, 8)))
            ]
            for writer in writers:
                writer.start()
            before = acknowledged(writes)
            wait_until(
                lambda before=before: acknowledged(writes) >= before + 20,
                30,
                "20 writes acknowledged",
            )
            time.sleep(budget(0.1, 5))
            server.kill()  # mid-request: the writers' last requests get no answer
            stop.set()
            for writer in writers:
                writer.join(15)
                assert not writer.is_alive()
            server.start()
        answered = Counter(w.answer.status for w in writes)
        assert set(answered) <= {201, 0}, answered  # the server answered only successes
        assert answered[201] >= 20
        check_each_write_stored_once(server.api, token, writes, settings)
    finally:
        server.stop()


@pytest.mark.postgres
def test_reads_and_writes_answer_or_say_503_while_postgresql_drops_the_servers_connections(
    postgres_url, tmp_path
):
    settings = make_settings(postgres_url, tmp_path)
    initialise(settings)
    env = registry_env(postgres_url, tmp_path)
    token = create_token(env, "ops", "admin")
    server = ServedApp(env, "--workers", "2", "--threads", "4").start()
    admin_url, name = postgres_url.rsplit("/", 1)[0] + "/postgres", postgres_url.rsplit("/", 1)[1]
    writes: list[Write] = []
    reads: Counter = Counter()
    unanswered: list[Answer] = []
    stop = threading.Event()

    def read(writer: Writer) -> None:
        registered = int(writes_of(writer)[0].answer.headers[POSITION])
        paths = [
            f"/teachers/{writer.pin}",
            f"/teachers/{writer.pin}/compliance",
            "/statistics/compliance?group_by=region",
            "/open-data/compliance",
        ]
        i = 0
        while not stop.is_set():
            path = paths[i % len(paths)]
            answer = call(
                f"{server.api}{path}{'&' if '?' in path else '?'}min_position={registered}",
                token=token,
            )
            reads[answer.status] += 1
            if answer.status == 0:
                unanswered.append(answer)
            i += 1

    def writes_of(writer: Writer) -> list[Write]:
        return [w for w in writes if writer.pin in w.key]

    def drop_connections() -> int:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            return len(
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                ).fetchall()
            )

    try:
        writers = [
            Writer(server.api, token, f"2150519852{i:04d}", writes, stop, retry_unavailable=True)
            for i in range(2)
        ]
        for writer in writers:
            writer.start()
        wait_until(lambda: all(len(writes_of(w)) >= 2 for w in writers), 30, "the first writes")
        readers = [threading.Thread(target=read, args=(w,), daemon=True) for w in writers * 2]
        for reader in readers:
            reader.start()
        dropped, until = 0, time.monotonic() + budget(3, 30)
        while time.monotonic() < until:
            dropped += drop_connections()
            time.sleep(0.3)
        stop.set()
        for thread in [*writers, *readers]:
            thread.join(30)
        assert dropped > 0
        answered = Counter(w.answer.status for w in writes) + reads
        unanswered += [w.answer for w in writes if w.answer.status == 0]
        # Never a 500, never a request left without an answer.
        assert set(answered) <= {200, 201, 503}, (answered, unanswered)
        assert reads[200] > 0 and answered[201] > 0
        # Recovered: every write retried with its key is stored once, and reads answer.
        check_each_write_stored_once(server.api, token, writes, settings)
        for path in ("/statistics/compliance?group_by=region", "/open-data/compliance"):
            assert call(server.api + path, token=token).status == 200
    finally:
        stop.set()
        server.stop()


# -- kill -9 of the batch commands ---------------------------------------------------------


def workers_of(process, marker: str) -> list[int]:
    """The process's children whose command line holds `marker`."""
    return [pid for pid in children(process.pid) if marker in command_line(pid)]


def test_a_killed_rebuild_leaves_no_worker_and_a_rerun_gives_the_views_of_a_clean_rebuild(
    database_url, tmp_path
):
    settings = make_settings(database_url, tmp_path)
    initialise(settings)
    env = registry_env(database_url, tmp_path)
    # 400 teachers over 4 years: ~4,200 events, some 40 batches of 100 per rebuild process,
    # so the kill after the first batch is still well inside the log (1,500 teachers and
    # batches of 500 took three times as long for the same point).
    generated = run_registry(
        env,
        "generate",
        "--teachers",
        str(int(budget(400, 20000))),
        "--years",
        "4",
        "--seed",
        "3",
        "--end",
        "2025-06-30",
        "--json",
    )
    assert generated.returncode == 0, generated.stderr
    app = Registry(settings)
    try:
        worker = open_worker(app)
        worker.rebuild(batch_size=5000)
        clean = dump(app)
        total = worker.head()
        for _ in range(int(budget(1, 3))):
            rebuild = start_registry(
                env, "projections", "rebuild", "--processes", "2", "--batch-size", "100"
            )
            spawned = wait_until(
                lambda rebuild=rebuild: (
                    len(workers_of(rebuild, "multiprocessing.spawn")) == 2
                    and workers_of(rebuild, "multiprocessing")
                ),
                60,
                "two rebuild processes",
            )
            wait_until(lambda: max(worker.positions().values()) > 0, 60, "a first batch")
            assert min(worker.positions().values()) < total  # killed half-way
            kill_group_parent_only(rebuild)
            wait_until(
                lambda spawned=spawned: not any(alive(pid) for pid in spawned),
                5,
                "the rebuild's workers end with it",
            )
        again = run_registry(env, "projections", "rebuild", "--processes", "2")
        assert again.returncode == 0, again.stderr
        assert set(worker.positions().values()) == {total}
        assert dump(app) == clean
    finally:
        app.close()


def test_a_rebuild_whose_worker_fails_says_why_and_stops_the_other_workers(registry):
    import multiprocessing

    from registry.rebuild import rebuild_in_processes

    builders.certified_teacher(registry)
    worker = open_worker(registry)
    reset = worker.reset

    def reset_and_lose_a_table() -> None:  # as if a view's table vanished mid-rebuild
        reset()
        registry.db.execute("DROP TABLE certificate_index")

    worker.reset = reset_and_lose_a_table
    with pytest.raises(Exception, match="certificate_index"):
        rebuild_in_processes(registry, worker, processes=2, batch_size=1)
    assert multiprocessing.active_children() == []


def kill_group_parent_only(process) -> None:
    """kill -9 of the command itself (not its group): its workers must notice alone."""
    process.kill()
    process.wait(timeout=10)


def test_a_killed_generation_leaves_no_worker_running(database_url, tmp_path):
    initialise(make_settings(database_url, tmp_path))
    env = registry_env(database_url, tmp_path)
    generate = start_registry(
        env, "generate", "--teachers", "50000", "--years", "5", "--workers", "2", "--json"
    )
    try:
        spawned = wait_until(
            lambda: (
                len(workers_of(generate, "registry.generate.worker")) == 2
                and workers_of(generate, "registry.generate.worker")
            ),
            60,
            "two generating processes",
        )
    finally:
        kill_group_parent_only(generate)
    wait_until(
        lambda: not any(alive(pid) for pid in spawned), 5, "the generator's workers end with it"
    )


def test_a_killed_import_is_completed_by_a_rerun_that_records_each_row_once(database_url, tmp_path):
    settings = make_settings(database_url, tmp_path)
    initialise(settings)
    app = Registry(settings)
    teachers, per_teacher = 40, int(budget(100, 500))
    try:
        csv_file, rows = paper_certificates(app, tmp_path, teachers, per_teacher, "LEGACY")
        env = registry_env(database_url, tmp_path)
        importer = start_registry(env, "import", "--batch-size", "50", str(csv_file))
        wait_until(
            lambda: legacy_events(app) > 0 or importer.poll() is not None,
            60,
            "the first rows recorded",
        )
        assert importer.poll() is None, output(importer)
        kill_group(importer)
        partly = legacy_events(app)
        assert 0 < partly < len(rows)  # killed half-way
        rerun = run_registry(env, "import", "--json", str(csv_file))
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        report = json.loads(rerun.stdout)
        assert (report["recorded"], report["skipped"], report["failed"]) == (
            len(rows) - partly,
            partly,
            0,
        )
        assert legacy_events(app) == len(rows)
        open_worker(app).catch_up()
        numbers = {r[0] for r in app.db.query("SELECT number FROM certificate_index")}
        assert numbers == {row.split(",")[1] for row in rows}
    finally:
        app.close()


def test_an_import_that_loses_its_database_closes_its_json_and_a_rerun_records_the_rest(
    postgres_url, tmp_path
):
    """PostgreSQL refuses the import's connections part-way: the command's JSON stays one
    whole document saying what was recorded and why it stopped (exit status 4), and a
    rerun once the database is back records the rest, none twice."""
    import subprocess

    settings = make_settings(postgres_url, tmp_path)
    initialise(settings)
    app = Registry(settings)
    try:
        csv_file, rows = paper_certificates(app, tmp_path, 20, 100, "LOST")
    finally:
        app.close()
    env = registry_env(postgres_url, tmp_path)
    out, err = tmp_path / "import.json", tmp_path / "import.err"
    admin_url, name = postgres_url.rsplit("/", 1)[0] + "/postgres", postgres_url.rsplit("/", 1)[1]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        importer = subprocess.Popen(
            [str(BIN / "registry"), "import", "--json", "--batch-size", "20", str(csv_file)],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            wait_until(
                lambda: out.read_text().count('"status"') >= 40 or importer.poll() is not None,
                60,
                "the first batches reported",
            )
            assert importer.poll() is None, err.read_text()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
            status = importer.wait(timeout=120)
        finally:
            if importer.poll() is None:
                importer.kill()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    assert status == 4, err.read_text()
    report = json.loads(out.read_text())  # one whole document, though it stopped
    assert report["error"]["code"] == "database_unavailable" and report["error"]["stopped"]
    partly = report["recorded"]
    assert 0 < partly < len(rows) and len(report["lines"]) == report["rows"]
    assert "run it again" in err.read_text() and "Traceback" not in err.read_text()

    rerun = run_registry(env, "import", "--json", str(csv_file))
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr
    again = json.loads(rerun.stdout)
    assert again["recorded"] + again["skipped"] == len(rows) and again["failed"] == 0
    assert again["skipped"] >= partly  # what the stopped run said it recorded, it had
    app = Registry(settings)
    try:
        assert legacy_events(app) == len(rows)
    finally:
        app.close()


def paper_certificates(app, tmp_path, teachers: int, per_teacher: int, prefix: str):
    """KAE and `teachers` teachers registered, and a CSV file of `per_teacher` paper
    certificates each (numbers PREFIX-i-PIN): the file and its rows."""
    provider(app, "KAE")
    pins = [f"2150519853{i:04d}" for i in range(teachers)]
    with app.batch(ADMIN, size=100):
        for pin in pins:
            app.register_teacher(ADMIN, teacher(pin=pin))
    rows = [
        f"{pin},{prefix}-{i:03d}-{pin},KAE,Курс,course,72,{date(2019, 5, 10)}"
        for pin in pins
        for i in range(per_teacher)
    ]
    csv_file = tmp_path / "paper.csv"
    csv_file.write_text(
        "pin,number,provider_code,title,form,hours,issued_on\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return csv_file, rows


def legacy_events(app) -> int:
    return app.db.query_one(
        f"SELECT COUNT(*) FROM {app.db.events_table} WHERE topic LIKE ?",
        ("%Certificate.LegacyRecorded",),
    )[0]
