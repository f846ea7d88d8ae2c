"""Many clients at once: 50 readers and 4 writers for 60 s against gunicorn on PostgreSQL.

    python benchmarks/bench_load.py                     # 20,000 teachers, reused if built
    python benchmarks/bench_load.py --duration 10 --teachers 2000 --database URL

Builds (once; kept for the next run) a generated national history of N teachers in the
PostgreSQL database `--database` and serves it as production does (bench_http's
topology: gunicorn with `infra/gunicorn.conf.py`, REGISTRY_FOLLOW=0, plus one projection
follower process). Then, in one run:

1. yardsticks: a raw psycopg SELECT of a teacher's directory row by PIN (the database's
   floor), and one keep-alive HTTP client reading GET /teachers/{pin}/compliance one
   request after another (the single-client figure of docs/performance.md, "HTTP");
2. the load: wrk with `--readers` connections for `--duration` seconds over a mix of
   reads (MIXED_READS_LUA), while `--writers` Python threads, each on its own keep-alive
   connection, register teachers and transfer them from school to school, every write
   with an Idempotency-Key, as fast as the server answers.

Prints p50/p99 and throughput of reads and writes, the errors (any answer but 200/201,
socket errors), and the machine's load before and after. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_http import SECRET, free_port, latency, prepare, start_server, wrk  # noqa: E402  (after the sys.path line above)
from benchmarks.common import ensure_database, load, require_tool  # noqa: E402  (after the sys.path line above)
from registry.settings import Settings  # noqa: E402  (after the sys.path line above)

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/registry_bench_load"

# Reads as a registry's users spread them (percent): a teacher's profile and compliance,
# their history, a search by name, a certificate, and the open-data compliance table,
# which is computed again whenever the views have moved (the writers keep them moving).
READ_MIX = {
    "profile": 35,
    "compliance": 35,
    "history": 10,
    "search": 10,
    "certificate": 5,
    "open_data": 5,
}

MIXED_READS_LUA = """
local pins, numbers, names = {}, {}, {}
for line in io.lines("%(pins)s") do pins[#pins + 1] = line end
for line in io.lines("%(numbers)s") do numbers[#numbers + 1] = line end
for line in io.lines("%(names)s") do names[#names + 1] = line end
local auth = {["Authorization"] = "Bearer %(token)s"}
local i = 0
request = function()
  i = i + 1
  local pin = pins[(i * 7919) %% #pins + 1]
  local pick = (i * 37) %% 100
  local path
  if pick < %(profile)d then path = "/api/v1/teachers/" .. pin
  elseif pick < %(compliance)d then path = "/api/v1/teachers/" .. pin .. "/compliance"
  elseif pick < %(history)d then path = "/api/v1/teachers/" .. pin .. "/history"
  elseif pick < %(search)d then path = "/api/v1/teachers?q=" .. names[i %% #names + 1] .. "&limit=20"
  elseif pick < %(certificate)d then path = "/api/v1/certificates/" .. numbers[i %% #numbers + 1]
  else path = "/api/v1/open-data/compliance?group_by=region" end
  return wrk.format("GET", path, auth)
end
"""


def mix_thresholds(open_data: int) -> dict[str, int]:
    """READ_MIX with the open-data share set (the difference goes to the profile reads),
    as the cumulative thresholds the Lua script compares with."""
    shares = {**READ_MIX, "open_data": open_data}
    shares["profile"] += READ_MIX["open_data"] - open_data
    out, total = {}, 0
    for name, share in shares.items():
        total += share
        out[name] = total
    return out


SEARCHES = ("Асан", "Айгүл", "Бакыт", "Нур", "Жылдыз", "Мирлан", "School No. 1")


def sample_numbers(settings: Settings, count: int = 500) -> list[str]:
    """Certificate numbers to read (ones without `/`: wrk's paths are not escaped here)."""
    from registry.bootstrap import open_registry

    app = open_registry(settings)
    try:
        return [
            r[0]
            for r in app.db.query(
                "SELECT number FROM certificate_index WHERE number NOT LIKE ? ORDER BY number "
                "LIMIT ?",
                ("%/%", count),
            )
        ]
    finally:
        app.close()


def analyse(url: str) -> None:
    """Give the planner its statistics, as autovacuum would have by now in production.

    This machine's PostgreSQL runs with autovacuum off: a freshly generated data set has
    no statistics at all, and the planner then believes each aggregate has thousands of
    events (a teacher's history walked the whole log: 130-230 ms instead of < 1 ms).
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def raw_select(url: str, pins: list[str], requests: int) -> list[float]:
    """A teacher's directory row by PIN through one plain psycopg connection; ms each."""
    import psycopg

    times = []
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(requests + 200):
            pin = pins[(i * 7919) % len(pins)]
            started = time.perf_counter()
            row = conn.execute(
                "SELECT t.* FROM teacher_pins p JOIN teachers t "
                "ON t.id = p.teacher_id WHERE p.pin = %s",
                (pin,),
            ).fetchone()
            elapsed = (time.perf_counter() - started) * 1000
            assert row is not None, pin
            if i >= 200:
                times.append(elapsed)
    return times


class WriterPool:
    """`count` threads writing as fast as the server answers, each on a keep-alive
    connection: a new teacher, then transfers of that teacher from school to school."""

    def __init__(self, port: int, token: str, count: int):
        self.port, self.token, self.count = port, token, count
        self.stop = threading.Event()
        self.times: list[float] = []  # ms of each 201
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._run = uuid.uuid4().hex[:6]
        # This run's PINs (a birth year, serials from a base) avoid earlier runs' teachers,
        # whom a reused data set keeps.
        rnd = random.Random(self._run)
        self._year, self._serials = 1960 + rnd.randrange(35), rnd.randrange(80_000)
        self._threads = [
            threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(count)
        ]

    def start(self) -> WriterPool:
        for thread in self._threads:
            thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(30)

    def _write(self, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        pin = teacher = None
        moves = 0
        serial = 0
        while not self.stop.is_set():
            if pin is None or moves >= 20:  # a new teacher now and then
                serial += 1
                # Sex digit, birth date DDMMYYYY (a day per writer), 5-digit serial.
                pin = (
                    f"2{n % 28 + 1:02d}{serial % 12 + 1:02d}{self._year}"
                    f"{self._serials + serial:05d}"
                )
                path, body, moves = (
                    "/api/v1/teachers",
                    {
                        "pin": pin,
                        "full_name": f"Load Writer {n} {serial}",
                        "region": "KG-C",
                        "district": "Sokuluk",
                        "school": "School No. 0",
                        "subject": "Physics",
                        "position": "teacher",
                        "service_start": "2012-09-01",
                    },
                    0,
                )
                teacher = pin
            else:
                moves += 1
                path, body = (
                    f"/api/v1/teachers/{teacher}/transfers",
                    {
                        "region": "KG-C",
                        "district": "Sokuluk",
                        "school": f"School No. {moves}",
                        "effective_on": "2020-09-01",
                    },
                )
            key = f"load-{self._run}-{n}-{serial}-{moves}"
            started = time.perf_counter()
            try:
                conn.request(
                    "POST", path, body=json.dumps(body), headers={**headers, "Idempotency-Key": key}
                )
                response = conn.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                self._record(None, f"{path}: {type(error).__name__}: {error}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.status == 201:
                self._record(elapsed, None)
            else:
                self._record(None, f"{path}: {response.status} {answer[:200]!r}")
                if response.status == 409 and path == "/api/v1/teachers":
                    pin = None  # a PIN of an earlier run: take the next
        conn.close()

    def _record(self, elapsed: float | None, error: str | None) -> None:
        with self._lock:
            if elapsed is not None:
                self.times.append(elapsed)
            if error is not None:
                self.errors.append(error)


def percentile(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100)[q - 1] if len(times) > 1 else float("nan")


def main() -> None:
    """Build or reuse the data set, serve it, measure the yardsticks, then the load."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pool-size", type=int, default=8)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument(
        "--open-data",
        type=int,
        default=READ_MIX["open_data"],
        help="Percent of reads that ask for the open-data table (0-40).",
    )
    parser.add_argument(
        "--answer-stale",
        type=float,
        default=None,
        help="REGISTRY_ANSWER_STALE_S for the server (default: the setting's own).",
    )
    parser.add_argument(
        "--requests", type=int, default=1000, help="Requests of each single-client yardstick."
    )
    args = parser.parse_args()
    if not 0 <= args.open_data <= 40:
        parser.error("--open-data is a percent from 0 to 40")
    require_tool("wrk")

    ensure_database(args.database)
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        REGISTRY_DATABASE_URL=args.database,
        REGISTRY_SECRET_KEY=SECRET,
        REGISTRY_INSTANCE_PATH=str(workdir),
        REGISTRY_FOLLOW="0",
        REGISTRY_WEB_WORKERS=str(args.web_workers),
        REGISTRY_WEB_THREADS=str(args.threads),
        REGISTRY_POOL_SIZE=str(args.pool_size),
    )
    if args.answer_stale is not None:
        env["REGISTRY_ANSWER_STALE_S"] = str(args.answer_stale)
    settings = Settings.from_env(env)
    token, pins = prepare(settings, args.teachers, args.years, args.seed)
    numbers = sample_numbers(settings)
    started = time.perf_counter()
    analyse(args.database)
    print(f"ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)
    print(
        f"{len(pins)} sample PINs, {len(numbers)} certificate numbers; gunicorn "
        f"{args.web_workers} workers x {args.threads} threads (pool {args.pool_size}) "
        f"+ 1 follower; {os.cpu_count()} cores",
        flush=True,
    )

    port = free_port()
    processes = start_server(env, port)
    try:
        print(f"before: {uptime()}", flush=True)
        floor = raw_select(args.database, pins, args.requests)
        print(
            f"yardstick, raw psycopg SELECT of a teacher's row by PIN, 1 connection, "
            f"{len(floor)} queries: median {statistics.median(floor):.3f} ms, "
            f"p99 {percentile(floor, 99):.3f} ms",
            flush=True,
        )
        single = latency(port, token, pins, args.requests)
        print(
            f"yardstick, GET /teachers/{{pin}}/compliance, 1 keep-alive client, "
            f"{len(single)} requests: median {statistics.median(single):.2f} ms, "
            f"p99 {percentile(single, 99):.2f} ms",
            flush=True,
        )

        (workdir / "pins.txt").write_text("\n".join(pins) + "\n")
        (workdir / "numbers.txt").write_text("\n".join(numbers) + "\n")
        (workdir / "names.txt").write_text("\n".join(quote(s) for s in SEARCHES) + "\n")
        script = MIXED_READS_LUA % {
            "pins": workdir / "pins.txt",
            "names": workdir / "names.txt",
            "numbers": workdir / "numbers.txt",
            "token": token,
            **mix_thresholds(args.open_data),
        }
        writers = WriterPool(port, token, args.writers).start()
        began = time.perf_counter()
        try:
            reads = wrk(script, port, args.duration, args.readers, 2)
        finally:
            writers.finish()
        elapsed = time.perf_counter() - began
        print(
            f"reads, wrk {args.readers} connections {args.duration} s (mixed, "
            f"{args.open_data} % open data): "
            f"{reads['ok_rps']:.0f} ok/s ({reads['total']} requests), latency p50 "
            f"{reads['p50']} p99 {reads['p99']}; errors: non-2xx {reads['non2xx']}, "
            f"socket {reads['socket_errors'] or 0}",
            flush=True,
        )
        writes = writers.times
        print(
            f"writes, {args.writers} writers at the same time: "
            f"{len(writes) / elapsed:.0f} written/s ({len(writes)} writes), latency p50 "
            f"{statistics.median(writes) if writes else float('nan'):.1f} ms p99 "
            f"{percentile(writes, 99):.1f} ms; errors: {len(writers.errors)}",
            flush=True,
        )
        for error in writers.errors[:10]:
            print(f"  {error}", flush=True)
        print(f"after: {uptime()}", flush=True)
        errors = reads["non2xx"] + len(writers.errors) + (1 if reads["socket_errors"] else 0)
        print(f"errors in total: {errors}", flush=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


def uptime() -> str:
    """`uptime` as the machine prints it (the load every figure depends on)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return load()


if __name__ == "__main__":
    main()
