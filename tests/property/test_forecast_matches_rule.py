"""For random histories, the demand forecast equals a brute-force count of spec §7's
per-teacher rule (`oracle`, evaluated on the aggregates): each teacher counted in the
month their certificates stop sufficing, or in the backlog when already overdue, for a
random first month, length (1-60 months) and grouping, on each engine."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from registry.bootstrap import open_worker
from registry.domain import clock
from registry.domain.compliance import OVERDUE
from registry.queries import Queries
from registry.queries.forecast import FORECAST_GROUPS
from tests.property.histories import History, fresh_registry, histories, oracle, run

_MORE = int(os.environ.get("REGISTRY_PROPERTY_EXAMPLES", "0"))
EXAMPLES = {"sqlite": _MORE or 15, "postgresql": _MORE or 6}


def brute_force(history: History, start: date, months: int, group_by: str):
    """Counter of (month, group) due, Counter of group overdue: one teacher at a time."""
    now = clock.now()
    first = start.year * 12 + start.month - 1
    due: Counter = Counter()
    backlog: Counter = Counter()
    for index, teacher_id in history.teacher_ids.items():
        verdict = oracle(history, index, start, now)
        group = getattr(history.app.repository.get(teacher_id), group_by)
        if verdict.status == OVERDUE:
            backlog[group] += 1
        elif verdict.next_due is not None:
            month = verdict.next_due.year * 12 + verdict.next_due.month - 1
            if first <= month < first + months:
                due[(f"{verdict.next_due:%Y-%m}", group)] += 1
    return due, backlog


def check_forecast(base_url, tmp_path, steps, data) -> None:
    with fresh_registry(base_url, tmp_path) as app:
        history = History(app)
        worker = open_worker(app)
        run(history, steps, lambda size: worker.catch_up(batch_size=size))
        worker.catch_up()
        queries = Queries(app)
        for _ in range(4):
            start = data.draw(st.dates(date(2008, 1, 1), date(2032, 12, 31)), "start")
            months = data.draw(st.integers(1, 60), "months")
            group_by = data.draw(st.sampled_from(FORECAST_GROUPS), "group_by")
            got = queries.demand_forecast(start, months, group_by)
            due, backlog = brute_force(history, start, months, group_by)
            assert {(r["month"], r["group"]): r["due"] for r in got["rows"]} == dict(due)
            assert {r["group"]: r["overdue"] for r in got["backlog"]} == dict(backlog)
            event(f"teachers due in the window: {bool(due)}, overdue: {bool(backlog)}")
            assert len(got["totals"]) == months
            assert sum(t["due"] for t in got["totals"]) == sum(due.values())


_SETTINGS = dict(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@settings(max_examples=EXAMPLES["sqlite"], **_SETTINGS)
@given(steps=histories(), data=st.data())
def test_the_forecast_is_the_rule_counted_on_sqlite(sqlite_url, tmp_path, steps, data):
    check_forecast(sqlite_url, tmp_path, steps, data)


@pytest.mark.postgres
@settings(max_examples=EXAMPLES["postgresql"], **_SETTINGS)
@given(steps=histories(), data=st.data())
def test_the_forecast_is_the_rule_counted_on_postgresql(postgres_url, tmp_path, steps, data):
    check_forecast(postgres_url, tmp_path, steps, data)
