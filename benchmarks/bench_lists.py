"""Long lists over a generated country: each list's page with its total, and the whole
country's downloads (time to the first byte and to the last), on each engine.

    python benchmarks/bench_lists.py --database sqlite:////tmp/lists-bench/r.db
    python benchmarks/bench_lists.py --database postgresql://postgres@127.0.0.1/lists_bench

The database holds a generated history (made here when it holds no teacher: --teachers
over --years); the views are brought up to date first. Each list is read as its page
reads it (`Queries.*_list` / `*_page`: a page of 25 or 50 with the total), --repeat times
after one warm-up read, timed with time.perf_counter in this thread; the total is timed
apart too where the list counts on its own (`due_count`, `pseudonymised_count`). The
downloads go through the Flask app (the pages' routes, a signed-in session), reading
the streamed body chunk by chunk. Prints one line per measurement and the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import ensure_database, load  # noqa: E402  (after the sys.path line above)
from registry.bootstrap import initialise, open_registry, open_worker  # noqa: E402  (after the sys.path line above)
from registry.queries import Queries  # noqa: E402  (after the sys.path line above)
from registry.settings import Settings  # noqa: E402  (after the sys.path line above)
from registry.storage.schema import is_initialised  # noqa: E402  (after the sys.path line above)

SECRET = b"bench-lists-secret"
PASSWORD = "bench-lists-password-1"


def prepare(url: str, workdir: Path, teachers: int, years: int):
    """The registry on `url`, generated if empty, its views up to date (the secret: the
    workdir's secret_key, made there if missing, as `registry init` makes one)."""
    ensure_database(url)
    secret_file = workdir / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(SECRET.hex())
    secret = secret_file.read_text().strip().encode()
    settings = Settings(database_url=url, instance_path=workdir, secret_key=secret, pool_size=4)
    if not is_initialised(settings):
        initialise(settings)
    app = open_registry(settings)
    if not app.db.query_one("SELECT 1 FROM teachers LIMIT 1") and not app.db.query_one(
        f"SELECT 1 FROM {app.db.events_table} WHERE topic LIKE ? LIMIT 1",
        ("%:Teacher.Registered",),
    ):
        from registry.generate import generate_history

        started = time.perf_counter()
        summary = generate_history(app, teachers=teachers, years=years, seed=1)
        print(f"  generated {summary.events} events in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    open_worker(app).catch_up()
    app.db.analyze()
    print(f"  views up to date in {time.perf_counter() - started:.1f} s", flush=True)
    return settings, app


def timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    answer = call()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - started) * 1000)
    return times, answer


def line(name: str, times: list[float], note: str = "") -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(
        f"  {name:<44} p50 {statistics.median(times):8.1f} ms  p95 {p95:8.1f}  "
        f"max {max(times):8.1f}  {note}",
        flush=True,
    )


def measure_lists(app, as_of: date, repeat: int) -> None:
    q = Queries(app)
    biggest = app.db.query_one(
        "SELECT provider_code, count(*) FROM certificate_index GROUP BY provider_code "
        "ORDER BY count(*) DESC LIMIT 1"
    )
    region, district = app.db.query_one(
        "SELECT region, district FROM teachers GROUP BY region, district "
        "ORDER BY count(*) DESC LIMIT 1"
    )
    cases: list[tuple[str, Callable[[], Any], str]] = [
        ("programmes: first page", lambda: q.programme_list(limit=25), "programmes"),
        ("programmes: words 'metod'", lambda: q.programme_list(text="metod"), "programmes"),
        (
            "programmes: year, sorted by title",
            lambda: q.programme_list(year=as_of.year - 1, sort="title", limit=25),
            "programmes",
        ),
        ("providers: first page", lambda: q.provider_list(limit=25), "providers"),
        (
            f"certificates of {biggest[0]}: newest",
            lambda: q.certificate_list(biggest[0], limit=25),
            "certificates",
        ),
        (
            f"certificates of {biggest[0]}: valid, by name p.40",
            lambda: q.certificate_list(
                biggest[0], status="valid", sort="name", limit=25, offset=975
            ),
            "certificates",
        ),
        (
            "due: overdue, country, page 1",
            lambda: q.due_page(status="overdue", as_of=as_of, limit=25),
            "teachers",
        ),
        (
            "due: overdue, country, page 200",
            lambda: q.due_page(status="overdue", as_of=as_of, limit=25, offset=4975),
            "teachers",
        ),
        (
            f"due: overdue, {region}, by name",
            lambda: q.due_page(status="overdue", as_of=as_of, region=region, sort="name", limit=25),
            "teachers",
        ),
        (
            f"due: due_soon, {district}",
            lambda: q.due_page(status="due_soon", as_of=as_of, district=district, limit=25),
            "teachers",
        ),
        ("pseudonymised: page 1", lambda: q.pseudonymised_page(as_of, limit=50), "teachers"),
        (
            "pseudonymised: page 1000",
            lambda: q.pseudonymised_page(as_of, limit=50, offset=49_950),
            "teachers",
        ),
        (
            f"pseudonymised: {region}, overdue",
            lambda: q.pseudonymised_page(as_of, region=region, status="overdue", limit=50),
            "teachers",
        ),
    ]  # fmt: skip  (one case a row)
    for name, call, rows in cases:
        times, answer = timed(call, repeat)
        line(name, times, f"(total {answer['total']}, rows {len(answer[rows])})")
    statistics_queries = q._statistics
    for name, call in (
        (
            "  due_count: overdue, country",
            lambda: statistics_queries.due_count(status="overdue", as_of=as_of),
        ),
        ("  pseudonymised_count: country", lambda: statistics_queries.pseudonymised_count(as_of)),
    ):  # fmt: skip  (one case a row)
        times, answer = timed(call, repeat)
        line(name, times, f"(total {answer[0]})")


def measure_downloads(settings: Settings, app, as_of: date) -> None:
    from registry.access import Actor
    from web import create_app

    admin = Actor.system("bench")
    name = "bench-lists-admin"
    try:
        app.create_account(admin, name=name, role="admin", password=PASSWORD)
    except Exception:  # made by an earlier run
        pass
    web = create_app(
        {
            "TESTING": True,
            "REGISTRY_SETTINGS": settings,
            "SECRET_KEY": "bench",
            "REGISTRY_FOLLOW": False,
        }
    )
    client = web.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    client.post("/sign-in", data={"csrf_token": token, "name": name, "password": PASSWORD})
    day = as_of.isoformat()
    for path in (
        f"/teachers/due.csv?status=overdue&as_of={day}",
        f"/teachers/due.xlsx?status=overdue&as_of={day}",
        f"/statistics/teachers.csv?as_of={day}",
        f"/statistics/teachers.xlsx?as_of={day}",
    ):
        started = time.perf_counter()
        response = client.get(path, buffered=False)
        first, size = None, 0
        for chunk in response.response:
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
        response.close()
        total = time.perf_counter() - started
        print(
            f"  download {path.split('?')[0]:<30} status {response.status_code}  first byte "
            f"{(first or 0) * 1000:7.0f} ms  all {total:6.1f} s  {size / 2**20:6.1f} MiB",
            flush=True,
        )
    web.extensions["registry"].close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", action="append", required=True)
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    parser.add_argument(
        "--workdir",
        default="/tmp/bench-lists",
        help="holds the data set's secret_key (an instance folder of `registry init` will do)",
    )
    parser.add_argument("--no-downloads", action="store_true")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for url in args.database:
        print(f"{url.split('@')[-1]}: {load()}", flush=True)
        settings, app = prepare(url, workdir, args.teachers, args.years)
        try:
            count = app.db.query_one("SELECT count(*) FROM teachers")[0]
            print(f"  {count} teachers, on {args.as_of}", flush=True)
            measure_lists(app, args.as_of, args.repeat)
            if not args.no_downloads:
                measure_downloads(settings, app, args.as_of)
        finally:
            app.close()
    print(load())


if __name__ == "__main__":
    main()
