"""The country and its decades on one machine (issue 12): ingest, rebuild, memory and reads
at --teachers x --years, each beside its yardstick measured in the same run.

    python benchmarks/bench_national.py --teachers 100000 --years 20 --engine both
    python benchmarks/bench_national.py --teachers 2000 --years 3 --baseline-teachers 500
    python benchmarks/bench_national.py --only reads --keep   # reads on the kept data sets

For each engine, on a fresh database (SQLite files under --workdir, PostgreSQL databases
named registry_bench_national_*), and each process's peak RSS (VmHWM of it and of every
process it starts, sampled from /proc, and RUSAGE_CHILDREN when it ends):

- ingest: `registry generate` (events/s) beside a raw batched INSERT of rows of the same
  shape (the first rows of the log just written, into a table of the same columns) and,
  on PostgreSQL, a raw binary COPY of them, in the same run: the ratio is the figure;
- rebuild: `registry projections rebuild` beside a raw read of the whole log in position
  order with `json.loads` of each state (sqlite3 / psycopg, no library);
- database size;
- exports, replay, import: the event log's export (`Queries.export_events`, written as JSON Lines), the
  pseudonymised statistics and the overdue list as CSV downloads (the pages' routes),
  `registry replay` into a new database and `registry import` of a CSV of --import-rows
  legacy certificates (last: it adds them): each in a process of its own, its peak RSS
  (target <= 1.5 GB);
- reads through `Queries` (as the web reads): compliance lookup, dossier, search, due list
  page, statistics by region/district/subject/position and open data for random dates,
  the overdue list of a district, workload of a provider, activity for a year: p50/p99,
  each beside the same read on the --baseline-teachers data set (the flatness ratio),
  the two read call by call in turn.

--only picks parts (the data sets are generated when a part needs them), so that they can
run in processes of their own; --keep leaves the databases for a later `--only reads`
(e.g. after new read code landed). Prints one line per measurement, with the machine and its load.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import PG_ADMIN, drop_database, ensure_database, load, machine  # noqa: E402
from registry.bootstrap import open_registry, open_worker  # noqa: E402
from registry.queries import Queries  # noqa: E402
from registry.settings import Settings  # noqa: E402

SECRET = "bench-national-secret"  # fixed: kept data sets stay readable by a later run
END = date(2025, 6, 30)
PREFIX = "registry_bench_national"
GB = 1024**3
RSS_LIMIT = 1.5 * GB
RAW_ROWS = 200_000
PARTS = (
    "comma-separated: ingest, rawread, rebuild, exports (export-events: the log's only), "
    "replay, reads, import "
    "(import-baseline: into the baseline data set)"
)


# -- processes and their memory -------------------------------------------------------------


def _descendants(root: int) -> set[int]:
    """The pids of `root` and every process below it (from /proc/*/stat's parent pid)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found.update(children)
        frontier.extend(children)
    return found


def _peak_rss(pid: int) -> tuple[int, str] | None:
    """(VmHWM in bytes, the command) of a process, if it is still there."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024, command.strip()
    return None


class Run:
    """A command run to its end while its process tree's peak RSS is sampled."""

    def __init__(self, argv: list[str], env: dict[str, str], stdin: Any = None):
        self.argv, self.env, self.stdin = argv, env, stdin
        self.peaks: dict[int, tuple[int, str]] = {}

    def __call__(self) -> subprocess.CompletedProcess:
        began = time.perf_counter()
        process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=self.stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for pid in _descendants(process.pid):
                    peak = _peak_rss(pid)
                    if peak and peak[0] >= self.peaks.get(pid, (0, ""))[0]:
                        self.peaks[pid] = peak
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = process.communicate()
        done.set()
        sampler.join()
        self.seconds = time.perf_counter() - began
        self.children_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        if process.returncode not in (0, 3):
            raise SystemExit(
                f"{' '.join(self.argv[:4])} … failed ({process.returncode}): {err[-3000:]}"
            )
        return subprocess.CompletedProcess(self.argv, process.returncode, out, None)

    def memory(self) -> str:
        """Each process's peak RSS (largest first) and whether all stay within the target."""
        ordered = sorted(self.peaks.values(), reverse=True)
        parts = [f"{mb(rss)} {_short(command)}" for rss, command in ordered[:4]]
        verdict = "ok" if ordered and ordered[0][0] <= RSS_LIMIT else "OVER 1.5 GB"
        return f"peak RSS per process: {'; '.join(parts)} ({verdict})"


def _short(command: str) -> str:
    words = command.split()
    for i, word in enumerate(words):
        if word in ("-m", "-c") and i + 1 < len(words):
            tail = " ".join(w for w in words[i + 1 : i + 4] if not w.startswith("--database"))
            return f"[{tail[:60]}]"
        if word.endswith(("registry", "bench_national.py")):
            return f"[{' '.join(words[i : i + 3])[-60:]}]"
    return f"[{command[:60]}]"


def mb(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def registry_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "registry.cli", *args]


# -- the data sets ------------------------------------------------------------------------


class DataSet:
    """A generated history on one engine: its URL and how to reach it."""

    def __init__(self, engine: str, teachers: int, years: int, workdir: Path):
        self.engine, self.teachers, self.years, self.workdir = engine, teachers, years, workdir
        stem = f"{teachers}x{years}"
        if engine == "sqlite":
            self.url = f"sqlite:///{workdir / f'national-{stem}.db'}"
        else:
            self.url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{PREFIX}_{stem}"
        self.label = f"{engine} {teachers:,} x {years}"

    def env(self, url: str | None = None) -> dict[str, str]:
        return {
            **os.environ,
            "REGISTRY_DATABASE_URL": url or self.url,
            "REGISTRY_SECRET_KEY": SECRET,
            "REGISTRY_INSTANCE_PATH": str(self.workdir),
        }

    def settings(self) -> Settings:
        return Settings(
            database_url=self.url,
            instance_path=self.workdir,
            secret_key=SECRET.encode(),
            pool_size=4,
        )

    def events(self) -> int:
        """Events in the log (0 if there is no database yet)."""
        try:
            with self.raw() as raw:
                return raw.count()
        except Exception:
            return 0

    def raw(self) -> RawLog:
        return RawLog(self.engine, self.url)

    def size(self) -> int:
        if self.engine == "sqlite":
            path = Path(self.url[len("sqlite:///") :])
            return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        import psycopg

        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN) as conn:
            row = conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
        return int(row[0]) if row else 0


class RawLog:
    """The events table without the library: sqlite3 or psycopg, nothing of ours."""

    def __init__(self, engine: str, url: str):
        self.engine = engine
        if engine == "sqlite":
            self.conn: Any = sqlite3.connect(url[len("sqlite:///") :], isolation_level=None)
            self.table, self.position = "stored_events", "rowid"
        else:
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)
            self.table, self.position = "registry_events", "notification_id"

    def __enter__(self) -> RawLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def count(self) -> int:
        return self.conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]

    def read_all(self) -> int:
        """Every state in position order, each decoded by json.loads: the rebuild's floor."""
        events = 0
        sql = f"SELECT state FROM {self.table} ORDER BY {self.position}"
        if self.engine == "sqlite":
            for (state,) in self.conn.execute(sql):
                json.loads(state)
                events += 1
        else:
            with self.conn.transaction(), self.conn.cursor(name="raw_read") as cursor:
                cursor.itersize = 10_000
                cursor.execute(sql)
                for (state,) in cursor:
                    json.loads(bytes(state))
                    events += 1
        return events

    def sample(self, rows: int) -> list[tuple]:
        """The first rows of the log (id, version, topic, state), as stored."""
        sql = (
            f"SELECT originator_id, originator_version, topic, state FROM {self.table} "
            f"ORDER BY {self.position} LIMIT {rows}"
        )
        return list(self.conn.execute(sql).fetchall())

    def insert(self, rows: list[tuple], batch: int = 5_000) -> float:
        """Seconds to INSERT the rows into a table of the log's columns, `batch` rows per
        transaction (one executemany each)."""
        table = "bench_raw_insert"
        self._fresh(table)
        marks = "?, ?, ?, ?" if self.engine == "sqlite" else "%s, %s, %s, %s"
        sql = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            f"VALUES ({marks})"
        )
        began = time.perf_counter()
        for start in range(0, len(rows), batch):
            if self.engine == "sqlite":
                self.conn.execute("BEGIN")
                self.conn.executemany(sql, rows[start : start + batch])
                self.conn.execute("COMMIT")
            else:
                with self.conn.transaction(), self.conn.cursor() as cursor:
                    cursor.executemany(sql, rows[start : start + batch])
        seconds = time.perf_counter() - began
        self.conn.execute(f"DROP TABLE {table}")
        return seconds

    def copy(self, rows: list[tuple], batch: int = 5_000) -> float:
        """Seconds to binary-COPY the rows (PostgreSQL), `batch` rows per transaction."""
        table = "bench_raw_copy"
        self._fresh(table)
        began = time.perf_counter()
        for start in range(0, len(rows), batch):
            with (
                self.conn.transaction(),
                self.conn.cursor() as cursor,
                cursor.copy(
                    f"COPY {table} (originator_id, originator_version, topic, state) "
                    "FROM STDIN (FORMAT BINARY)"
                ) as copy,
            ):
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for row in rows[start : start + batch]:
                    copy.write_row(row)
        seconds = time.perf_counter() - began
        self.conn.execute(f"DROP TABLE {table}")
        return seconds

    def _fresh(self, table: str) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS {table}")
        if self.engine == "sqlite":
            self.conn.execute(
                f"CREATE TABLE {table} (originator_id TEXT, originator_version INTEGER, "
                "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
            )
        else:
            self.conn.execute(
                f"CREATE TABLE {table} (originator_id uuid NOT NULL, originator_version "
                "bigint NOT NULL, topic text, state bytea, notification_id bigserial UNIQUE, "
                "PRIMARY KEY (originator_id, originator_version))"
            )


def generate(data: DataSet) -> None:
    """A fresh database filled by `registry generate`, beside the raw writes of its rows."""
    drop_database(data.url)
    ensure_database(data.url)
    Run(registry_command("init"), data.env())()
    run = Run(
        registry_command(
            "generate",
            f"--teachers={data.teachers}",
            f"--years={data.years}",
            f"--end={END.isoformat()}",
            "--json",
        ),
        data.env(),
    )
    before = load()
    summary = json.loads(run().stdout)
    rate = summary["events"] / summary["elapsed_s"]
    print(
        f"{data.label}: generate {summary['events']:,} events in {summary['elapsed_s']:.0f} s "
        f"= {rate:,.0f} events/s ({summary['workers']} workers; before: {before}; after: "
        f"{load()})",
        flush=True,
    )
    print(f"  {run.memory()}", flush=True)
    with data.raw() as raw:
        rows = raw.sample(RAW_ROWS)
        seconds = raw.insert(rows)
        raw_rate = len(rows) / seconds
        print(
            f"  yardstick, raw batched INSERT of {len(rows):,} of its rows (5,000 per "
            f"transaction): {raw_rate:,.0f} rows/s; generate = {rate / raw_rate:.2f} x ({load()})",
            flush=True,
        )
        if data.engine == "postgresql":
            copy_rate = len(rows) / raw.copy(rows)
            print(
                f"  yardstick, raw binary COPY of them: {copy_rate:,.0f} rows/s; generate = "
                f"{rate / copy_rate:.2f} x ({load()})",
                flush=True,
            )


def raw_read(data: DataSet) -> None:
    """The rebuild's yardstick: the whole log read and decoded without the library."""
    with data.raw() as raw:
        began = time.perf_counter()
        events = raw.read_all()
        floor = events / (time.perf_counter() - began)
    print(
        f"{data.label}: yardstick, raw read + json.loads of the whole log: {events:,} events "
        f"at {floor:,.0f} events/s ({load()})",
        flush=True,
    )


def rebuild(data: DataSet, processes: int) -> None:
    """`registry projections rebuild` (its rate to set beside `raw_read`'s), the size."""
    events = data.events()
    run = Run(registry_command("projections", "rebuild", f"--processes={processes}"), data.env())
    before = load()
    run()
    print(
        f"{data.label}: registry projections rebuild ({processes} processes): {events:,} "
        f"events in {run.seconds:.0f} s = {events / run.seconds:,.0f} events/s (before: "
        f"{before}; after: {load()})",
        flush=True,
    )
    print(f"  {run.memory()}", flush=True)
    size = data.size()
    print(f"  database size {size / GB:.2f} GB ({size / events:,.0f} bytes/event)", flush=True)


# -- memory of the streaming commands and downloads ------------------------------------------


def child(kind: str, url: str, workdir: Path) -> None:
    """One export in this process (started by `memory`): prints rows and bytes."""
    settings = Settings(
        database_url=url, instance_path=workdir, secret_key=SECRET.encode(), pool_size=4
    )
    rows = size = 0
    if kind == "events":
        app = open_registry(settings)
        try:
            for event in Queries(app).export_events():
                size += len(json.dumps(event, ensure_ascii=False, default=str)) + 1
                rows += 1
        finally:
            app.close()
    else:
        from registry.access import Actor
        from web import create_app

        web = create_app(
            {"TESTING": True, "REGISTRY_SETTINGS": settings, "SECRET_KEY": "bench"}
            | {"REGISTRY_FOLLOW": False}
        )
        services = web.extensions["registry"]
        password, name = "bench-national-password-1", "bench-national-admin"
        try:
            services.registry.create_account(
                Actor.system("bench"), name=name, role="admin", password=password
            )
        except Exception:  # made by an earlier run
            pass
        client = web.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        client.post("/sign-in", data={"csrf_token": token, "name": name, "password": password})
        path = {
            "statistics": f"/statistics/teachers.csv?as_of={END}",
            "due": f"/teachers/due.csv?status=overdue&as_of={END}",
        }[kind]
        response = client.get(path, buffered=False)
        assert response.status_code == 200, response.status_code
        for chunk in response.response:
            size += len(chunk)
            rows += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        response.close()
        services.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rows": rows, "bytes": size, "peak": peak}))


def exports(data: DataSet, kinds: tuple[str, ...] = ("events", "statistics", "due")) -> None:
    """Each streaming download in a process of its own, with its peak RSS."""
    script = str(Path(__file__).resolve())
    for kind, what in (
        ("events", "event log export (Queries.export_events, JSON Lines)"),
        ("statistics", "download /statistics/teachers.csv (pseudonymised, every teacher)"),
        ("due", "download /teachers/due.csv?status=overdue (the country)"),
    ):
        if kind not in kinds:
            continue
        run = Run(
            [sys.executable, script, "--child", kind, "--workdir", str(data.workdir)],
            data.env(),
        )
        answer = json.loads(run().stdout.strip().splitlines()[-1])
        print(
            f"{data.label}: {what}: {answer['rows']:,} rows, {mb(answer['bytes'])} in "
            f"{run.seconds:.0f} s; {run.memory()} ({load()})",
            flush=True,
        )


def replay(data: DataSet) -> None:
    """`registry replay` of the whole log into a new database (dropped afterwards)."""
    into = (
        data.url.replace(".db", "-replay.db") if data.engine == "sqlite" else f"{data.url}_replay"
    )
    drop_database(into)
    ensure_database(into)
    try:
        until = datetime.now(UTC).isoformat(timespec="seconds")
        run = Run(registry_command("replay", f"--until={until}", f"--into={into}"), data.env())
        run()
        print(
            f"{data.label}: registry replay of the whole log into a new database: "
            f"{run.seconds:.0f} s; {run.memory()} ({load()})",
            flush=True,
        )
    finally:
        drop_database(into)


def import_file(data: DataSet, rows: int) -> None:
    """`registry import` of a CSV of `rows` legacy certificates of the data set's teachers
    (it adds them: run it last)."""
    path = data.workdir / f"import-{data.engine}.csv"
    write_import_csv(data, path, rows)
    try:
        with path.open("rb") as file:
            run = Run(registry_command("import", "--json", "-"), data.env(), stdin=file)
            report = json.loads(run().stdout)
        recorded = report.get("recorded", report.get("summary", {}).get("recorded", "?"))
        print(
            f"{data.label}: registry import of a CSV of {rows:,} legacy certificates "
            f"({mb(path.stat().st_size)}): {recorded} recorded in {run.seconds:.0f} s = "
            f"{rows / run.seconds:,.0f} rows/s; {run.memory()} ({load()})",
            flush=True,
        )
    finally:
        path.unlink()


def write_import_csv(data: DataSet, path: Path, rows: int) -> int:
    """A legacy-certificate CSV for the data set's own teachers (one row each, cycling)."""
    app = open_registry(data.settings())
    try:
        pins = [r[0] for r in app.db.query("SELECT pin FROM teachers ORDER BY id")]
        provider = app.db.query_one("SELECT code FROM providers ORDER BY code LIMIT 1")[0]
    finally:
        app.close()
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["pin", "number", "provider_code", "title", "form", "hours", "issued_on"])
        for i in range(rows):
            issued = date(2019, 1, 1) + timedelta(days=i % 1500)
            writer.writerow(
                [
                    pins[i % len(pins)],
                    f"NAT-{i}",
                    provider,
                    f"Course {i % 50}",
                    "course",
                    72,
                    issued.isoformat(),
                ]
            )  # fmt: skip  (one row)
    return rows


# -- reads ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def read_cases(app, rng: random.Random, count: int) -> list[tuple[str, Callable[[], Any]]]:
    """(name, call) of each read, its arguments drawn at random: a distinct date per call,
    so no answer is served from the statistics' cache."""
    queries = Queries(app)
    pins = [r[0] for r in app.db.query("SELECT pin FROM teachers ORDER BY id")]
    district = app.db.query_one(
        "SELECT district FROM teachers GROUP BY district ORDER BY count(*) DESC LIMIT 1"
    )[0]
    provider = app.db.query_one(
        "SELECT provider_code FROM certificate_index GROUP BY provider_code "
        "ORDER BY count(*) DESC LIMIT 1"
    )[0]
    print(f"  the largest district: {district}; the busiest provider: {provider}", flush=True)
    names = [r[0].split()[0] for r in app.db.query("SELECT full_name FROM teachers LIMIT 2000")]
    first = END.replace(year=END.year - 10)
    days = [first + timedelta(days=d) for d in rng.sample(range(10 * 365), 10 * 365)]
    it = iter(days * 50)

    def day() -> date:
        return next(it)

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("compliance lookup", lambda: queries.compliance(rng.choice(pins), day())),
        ("dossier", lambda: queries.dossier(rng.choice(pins), as_of=day())),
        (
            "search (a surname, page of 25)",
            lambda: queries.search_teachers(rng.choice(names).lower(), limit=25),
        ),
        (
            "due list page (overdue, country)",
            lambda: queries.due_page(status="overdue", as_of=day(), limit=25),
        ),
        *[
            (f"statistics by {group}", lambda g=group: queries.compliance_statistics(day(), g))
            for group in ("region", "district", "subject", "position")
        ],
        (
            "due list of the largest district (overdue)",  # whole (up to 1,000), as printed
            lambda: queries.due_list(status="overdue", as_of=day(), district=district),
        ),
        (
            "due list page of the largest district",  # 25 rows and the total, as the page
            lambda: queries.due_page(status="overdue", as_of=day(), district=district, limit=25),
        ),
        ("open data by region", lambda: queries.open_data(day(), "region")),
        ("open data by district", lambda: queries.open_data(day(), "district")),
        (
            f"workload of {provider}, a year",
            lambda: (lambda d: queries.workload(provider, d - timedelta(days=365), d))(day()),
        ),
        (
            "activity by region, a year",
            lambda: (lambda d: queries.activity_statistics(d - timedelta(days=365), d, "region"))(
                day()
            ),
        ),
    ]  # fmt: skip  (one read a row)
    return cases


def ready_for_reads(data: DataSet):
    """The data set's registry, its views brought up to date and vacuumed."""
    app = open_registry(data.settings())
    began = time.perf_counter()
    worker = open_worker(app)
    worker.catch_up()
    # As the server's autovacuum would before long (this machine's PostgreSQL runs
    # without it): a view rebuilt by the catch-up (its definition changed) leaves its
    # pages unmarked, and a read from a covering index then visits the table anyway.
    app.db.analyze(vacuum=worker.table_names)
    teachers = app.db.query_one("SELECT count(*) FROM teachers")[0]
    print(
        f"{data.label}: reads ({teachers:,} teachers; views up to date in "
        f"{time.perf_counter() - began:.0f} s; {load()})",
        flush=True,
    )
    return app


def reads(
    data: DataSet, base: DataSet, count: int
) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """p50 and p99 (ms) of each read on the data set and on the baseline, call by call
    in turn (which goes first alternating), so that the machine's changes of speed, which
    moved a read's p50 by half between runs here, fall on both sides of the ratio."""
    apps = [ready_for_reads(data), ready_for_reads(base)]
    try:
        # The same seed: the same dates, in the same order, on both.
        cases = [dict(read_cases(app, random.Random(12), count)) for app in apps]
        found: tuple[dict[str, tuple[float, float]], ...] = ({}, {})
        for name in cases[0]:
            calls = [case[name] for case in cases]
            times: tuple[list[float], list[float]] = ([], [])
            for call in calls:
                call()  # warm-up
            for i in range(count):
                for side in (0, 1) if i % 2 == 0 else (1, 0):
                    started = time.perf_counter()
                    calls[side]()
                    times[side].append((time.perf_counter() - started) * 1000)
            for side in (0, 1):
                found[side][name] = (
                    percentile(times[side], 0.5),
                    percentile(times[side], 0.99),
                )
        return found[0], found[1]
    finally:
        for app in apps:
            app.close()


def flatness(
    label: str, big: dict[str, tuple[float, float]], small: dict[str, tuple[float, float]]
) -> None:
    print(f"{label}: reads, p50 / p99 ms, beside the baseline (flatness = p50 ratio; {load()})")
    for name, (p50, p99) in big.items():
        base = small.get(name)
        beside = (
            f"baseline {base[0]:8.2f} / {base[1]:8.2f}   x {p50 / base[0]:5.2f}" if base else ""
        )
        print(f"  {name:<46} {p50:8.2f} / {p99:8.2f}   {beside}", flush=True)


# -- the run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--baseline-teachers", type=int, default=20_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--only", default="ingest,rawread,rebuild,exports,replay,reads,import", help=PARTS
    )
    parser.add_argument("--rebuild-processes", type=int, default=2)
    parser.add_argument("--reads", type=int, default=50, help="calls of each read")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--workdir", default="/tmp/bench-national")
    parser.add_argument("--keep", action="store_true", help="leave the databases for a later run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if args.child:
        child(args.child, os.environ["REGISTRY_DATABASE_URL"], workdir)
        return
    parts = set(args.only.split(","))
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    free = shutil.disk_usage(workdir).free
    print(f"machine: {machine()}; disk free {free / GB:.0f} GB; {load()}", flush=True)
    made: list[DataSet] = []
    try:
        for engine in engines:
            data = DataSet(engine, args.teachers, args.years, workdir)
            base = DataSet(engine, args.baseline_teachers, args.years, workdir)
            made += [data, base]
            if "ingest" in parts or data.events() < data.teachers:
                generate(data)
            if "rawread" in parts:
                raw_read(data)
            if "rebuild" in parts:
                rebuild(data, args.rebuild_processes)
            if "exports" in parts:
                exports(data)
            elif "export-events" in parts:  # the log's export needs no view
                exports(data, ("events",))
            if "replay" in parts:
                replay(data)
            if "reads" in parts:
                if base.events() < base.teachers:
                    generate(base)
                    rebuild(base, args.rebuild_processes)
                flatness(data.label, *reads(data, base, args.reads))
            if "import" in parts:
                import_file(base if "import-baseline" in parts else data, args.import_rows)
    finally:
        if not args.keep:
            for data in made:
                drop_database(data.url)
    print(load())


if __name__ == "__main__":
    main()
