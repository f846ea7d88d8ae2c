"""For random histories: activity for a period from the activity view equals the reading
of every certificate of the period (`_activity_scan`, how it was read before the view),
what providers delivered by day (`certificate_days`, their workload's certificates)
equals the count of the certificates that count (not revoked, not duplicates), and a
provider's workload for a period read from whole months and partial months' days equals
the sum of its days alone.

Histories with certificates on an enrolment and on paper, revocations, duplicates,
transfers dated in the past, corrected subjects, positions and places, the views caught
up in random batch sizes; periods from a day to decades, across month and year ends, by
every grouping: certificates, hours and teachers reached per group equal the scan's,
whether each batch counted its teachers at once or marked them for the end of the
catch-up (`settle`).
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.bootstrap import open_worker
from registry.domain import clock
from registry.domain.errors import RegistryError
from registry.projections import activity as activity_view
from registry.projections.certificates import CERTIFICATE_DAYS, CERTIFICATE_MONTHS
from registry.projections.workload import WORKLOAD_DAYS, WORKLOAD_MONTHS
from registry.queries.activity import activity
from registry.queries.providers import COUNTERS, _workload_sql
from registry.queries.statistics import ACTIVITY_GROUPS, StatisticsQueries
from registry.storage.tables import Table
from tests.builders import ADMIN
from tests.property.histories import PLACES, START, History, _pin, _step, fresh_registry, step
from tests.property.histories import certify as certify_step

_MORE = int(os.environ.get("REGISTRY_PROPERTY_EXAMPLES", "0"))
EXAMPLES = {"sqlite": _MORE or 25, "postgresql": _MORE or 10}

# Corrections the activity groups by: subject, position, the current place.
correction = st.tuples(
    st.just("correct"),
    st.integers(0, 3),
    st.sampled_from(
        [
            {"subject": "primary"},
            {"subject": "kyrgyz"},
            {"position": "senior_teacher"},
            {"region": PLACES[0][0], "district": PLACES[0][1]},
            {"district": "Сокулук"},
        ]
    ),
)
registrations = st.lists(
    st.tuples(st.dates(date(2004, 1, 1), date(2024, 6, 1)), st.integers(0, len(PLACES) - 1)),
    min_size=1,
    max_size=3,
)


@st.composite
def histories(draw) -> list[tuple]:
    first = [("register", i, start, place) for i, (start, place) in enumerate(draw(registrations))]
    steps = st.one_of(step, certify_step, certify_step, correction)
    return first + draw(st.lists(steps, min_size=5, max_size=40))


def run(history: History, steps: list[tuple], catch_up) -> None:
    for i, s in enumerate(steps):
        with clock.frozen_at(START + timedelta(hours=i)):
            if s[0] == "catch_up":
                catch_up(s[1])
                continue
            try:
                if s[0] == "correct":
                    if history.teacher_ids:
                        index = sorted(history.teacher_ids)[s[1] % len(history.teacher_ids)]
                        history.app.correct_teacher(ADMIN, _pin(history, index), s[2])
                else:
                    _step(history, s, i)
            except RegistryError:
                pass


def periods(issued: list[date]) -> st.SearchStrategy[tuple[date, date]]:
    """A period: around the certificates' dates, or anywhere, a day to decades long."""
    day = st.one_of(
        st.sampled_from(issued),
        st.dates(date(2006, 1, 1), date(2026, 12, 31)),
        st.sampled_from([date(2010, 1, 1), date(2015, 12, 31), date(2020, 2, 29)]),
    )
    return st.tuples(
        st.builds(lambda d, back: d - timedelta(days=back), day, st.sampled_from([0, 1, 40, 400])),
        st.builds(lambda d, ahead: d + timedelta(days=ahead), day, st.sampled_from([0, 1, 31])),
    ).map(lambda p: (min(p), max(p)))


# The module's own settings, noted before any example patches them.
EAGER, BULK, SHARE, CHUNK = (
    activity_view.EAGER_TEACHERS,
    activity_view.ActivityView.bulk_teachers,
    activity_view.ActivityView.bulk_share,
    activity_view.ActivityView.settle_chunk,
)


def check_history(base_url, tmp_path, steps, data, monkeypatch) -> None:
    eager = data.draw(st.sampled_from([0, 1, EAGER]), "eager teachers")
    monkeypatch.setattr(activity_view, "EAGER_TEACHERS", eager)
    # A settle adds the counts chunk by chunk, or sums them once at its end (from one
    # marked teacher on), in chunks of one teacher or of many.
    bulk = data.draw(st.sampled_from([1, BULK]), "bulk from")
    monkeypatch.setattr(activity_view.ActivityView, "bulk_teachers", bulk)
    monkeypatch.setattr(activity_view.ActivityView, "bulk_share", 1_000_000 if bulk == 1 else SHARE)
    chunk = data.draw(st.sampled_from([1, CHUNK]), "settle chunk")
    monkeypatch.setattr(activity_view.ActivityView, "settle_chunk", chunk)
    with fresh_registry(base_url, tmp_path) as app:
        worker = open_worker(app)
        history = History(app)
        run(history, steps, lambda size: worker.catch_up(batch_size=size))
        worker.catch_up(batch_size=data.draw(st.sampled_from([1, 4, 500]), "last batch"))
        assert app.db.query_one("SELECT 1 FROM activity_dirty") is None, "teachers left uncounted"
        scan = StatisticsQueries(app.db, answer_stale_s=0, scan=True)
        issued = [
            date.fromisoformat(r[0])
            for r in app.db.query("SELECT issued_on FROM certificate_index")
        ] or [date(2010, 1, 1)]
        for _ in range(6):
            first, last = data.draw(periods(issued), "period")
            for group_by in ACTIVITY_GROUPS:
                with app.db.reading() as cur:
                    got = activity(cur, first, last, group_by)
                assert got == scan._activity(first, last, group_by), (
                    f"activity by {group_by} from {first} to {last}"
                )
            for (provider,) in app.db.query("SELECT code FROM providers"):
                assert workload_by_runs(app.db, provider, first, last) == workload_by_days(
                    app.db, provider, first, last
                ), f"workload of {provider} from {first} to {last}"
        assert delivered_by_day(app.db) == delivered_scan(app.db)
        for days, months in (
            (WORKLOAD_DAYS, WORKLOAD_MONTHS),
            (CERTIFICATE_DAYS, CERTIFICATE_MONTHS),
        ):
            assert by_month(app.db, days) == by_month(app.db, months), (
                f"{months.name} are not {days.name} summed by month"
            )


DAY = "provider_code, on_date, form, mode, funding"


def _summed(rows) -> dict[tuple, tuple[int, ...]]:
    """Rows of (month, form, mode, funding, *counters) summed per month, form, mode and
    funding, the groups that count nothing left out: the workload read's groupings."""
    sums: dict[tuple, list[int]] = {}
    for month, form, mode, funding, *values in rows:
        for key in (("on_month", month), ("form", form), ("mode", mode), ("funding", funding)):
            line = sums.setdefault(key, [0] * len(values))
            for at, value in enumerate(values):
                line[at] += int(value or 0)
    return {key: tuple(values) for key, values in sums.items() if any(values)}


def workload_by_runs(db, provider: str, first: date, last: date) -> dict:
    """A provider's workload per grouping as the workload read sums it (in the database):
    whole months from the months' counters, partial months from the days'."""
    sql, params = _workload_sql(provider, first, last)
    rows = db.query(sql, params)
    return {(g, key): tuple(int(v or 0) for v in values) for g, key, *values in rows if any(values)}


def workload_by_days(db, provider: str, first: date, last: date) -> dict:
    """The same from the days' counters alone, summed here (as the workload was read before)."""
    parts = [
        "SELECT substr(on_date, 1, 7), form, mode, funding, "
        + ", ".join(name if name in table.counters else "0" for name in COUNTERS)
        + f" FROM {table.name} WHERE provider_code = ? AND on_date >= ? AND on_date <= ?"
        for table in (WORKLOAD_DAYS, CERTIFICATE_DAYS)
    ]
    span = (provider, first.isoformat(), last.isoformat())
    return _summed(db.query(" UNION ALL ".join(parts), span * 2))


def by_month(db, table: Table) -> set[tuple]:
    """A counters table's rows summed per provider, month and group (none counting nothing)."""
    month = "on_month" if "on_month" in table.key else "substr(on_date, 1, 7)"
    rows = db.query(
        f"SELECT provider_code, {month}, form, mode, funding, "
        + ", ".join(f"SUM({c})" for c in table.counters)
        + f" FROM {table.name} GROUP BY provider_code, {month}, form, mode, funding"
    )
    return {tuple(row) for row in rows if any(row[5:])}


def delivered_by_day(db) -> set[tuple]:
    """The certificates view's counters per provider and day (rows counting nothing left out:
    a revocation takes back what an issue added)."""
    return {
        tuple(row)
        for row in db.query(f"SELECT {DAY}, completions, certificates, hours FROM certificate_days")
        if any(row[5:])
    }


def delivered_scan(db) -> set[tuple]:
    """The same from every certificate, as the workload read them before the counters."""
    day = "provider_code, issued_on, form, COALESCE(mode, 'unknown'), COALESCE(funding, 'unknown')"
    return {
        tuple(row)
        for row in db.query(
            f"SELECT {day}, SUM(CASE WHEN enrolment_id IS NULL THEN 0 ELSE 1 END), COUNT(*), "
            "SUM(hours) FROM certificate_index WHERE revoked_at IS NULL AND duplicate_of IS NULL "
            f"GROUP BY {day}"
        )
    }


_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}


@settings(max_examples=EXAMPLES["sqlite"], **_SETTINGS)
@given(steps=histories(), data=st.data())
def test_activity_equals_the_scan_on_sqlite(sqlite_url, tmp_path, monkeypatch, steps, data):
    check_history(sqlite_url, tmp_path, steps, data, monkeypatch)


@pytest.mark.postgres
@settings(max_examples=EXAMPLES["postgresql"], **_SETTINGS)
@given(steps=histories(), data=st.data())
def test_activity_equals_the_scan_on_postgresql(postgres_url, tmp_path, monkeypatch, steps, data):
    check_history(postgres_url, tmp_path, steps, data, monkeypatch)
