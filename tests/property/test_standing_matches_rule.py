"""For random histories: the standing view's statistics and due lists equal the rule.

Histories with transfers, departures, revocations, duplicates, corrected service starts
and policy versions, the views caught up in random batch sizes, the standing view's
teachers recomputed at once or marked and settled at the end of a catch-up (the steps
summed chunk by chunk or once at the settle's end). On random
dates from before the first event to ten years ahead, as known now:

- every teacher's row among those containing the date (due lists, the statisticians'
  table) has the status, hours and next due date `evaluate()` gives, and equals the
  per-teacher scan (`standing_sql`) column by column, place included;
- the statistics by every grouping, summed from the steps, equal those of the scan;
- the due lists of a district and of a school hold exactly the teachers the scan puts
  there with that status;
- a page of a due list by place (the country's, a region's, a district's; either
  direction; any offset), read a district at a time, is the scan's page, and the page's
  total the scan's count.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.bootstrap import open_worker
from registry.domain import clock
from registry.domain.compliance import DUE_SOON_DAYS
from registry.domain.dates import add_years
from registry.projections import standing
from registry.queries import statistics
from registry.queries.common import load_policies
from registry.queries.standing import STANDING_COLUMNS, Standard, standing_sql
from registry.queries.statistics import (
    COMPLIANCE_GROUPS,
    DUE_STATUSES,
    StatisticsQueries,
    intervals_sql,
    settled,
)
from tests.property.histories import PLACES, History, fresh_registry, histories, oracle, run

_MORE = int(os.environ.get("REGISTRY_PROPERTY_EXAMPLES", "0"))
EXAMPLES = {"sqlite": _MORE or 25, "postgresql": _MORE or 10}
EDGES = [date(1999, 12, 31), date(2000, 1, 1), date(2036, 12, 31)]
# The module's own settings, noted before any example patches them.
EAGER, BULK, SHARE, CHUNK = (
    standing.EAGER_TEACHERS,
    standing.StandingView.bulk_teachers,
    standing.StandingView.bulk_share,
    standing.StandingView.settle_chunk,
)
WALK_TEACHERS, AT_ONCE = statistics.SCHOOL_WALK_TEACHERS, statistics.SCHOOLS_AT_ONCE


def near(issued: list[date]) -> st.SearchStrategy[date]:
    """A date where a certificate starts or stops counting, or its coverage turns due
    soon, under some window, give or take a day."""
    return st.builds(
        lambda day, years, back, shift: add_years(day, years) - timedelta(days=back + shift),
        st.sampled_from(issued),
        st.integers(0, 6),
        st.sampled_from([0, DUE_SOON_DAYS]),
        st.integers(-1, 1),
    )


def check_history(base_url, tmp_path, steps, data, monkeypatch) -> None:
    eager = data.draw(st.sampled_from([0, 1, EAGER]), "eager teachers")
    monkeypatch.setattr(standing, "EAGER_TEACHERS", eager)
    # A settle sums the steps chunk by chunk, or once at its end (from one marked teacher
    # on), in chunks of one teacher or of many.
    bulk = data.draw(st.sampled_from([1, BULK]), "bulk from")
    monkeypatch.setattr(standing.StandingView, "bulk_teachers", bulk)
    monkeypatch.setattr(standing.StandingView, "bulk_share", 1_000_000 if bulk == 1 else SHARE)
    chunk = data.draw(st.sampled_from([1, CHUNK]), "settle chunk")
    monkeypatch.setattr(standing.StandingView, "settle_chunk", chunk)
    # A district's page by place is read a school at a time, or a few, or whole.
    walk = data.draw(st.sampled_from([0, WALK_TEACHERS]), "walk from")
    monkeypatch.setattr(statistics, "SCHOOL_WALK_TEACHERS", walk)
    at_once = data.draw(st.sampled_from([1, AT_ONCE]), "schools at once")
    monkeypatch.setattr(statistics, "SCHOOLS_AT_ONCE", at_once)
    with fresh_registry(base_url, tmp_path) as app:
        worker = open_worker(app)
        history = History(app)
        run(history, steps, lambda size: worker.catch_up(batch_size=size))
        worker.catch_up(batch_size=data.draw(st.sampled_from([1, 4, 500]), "last batch"))
        # Whether the engine's own sort stops at a page's end, or the page is walked.
        monkeypatch.setattr(app.db, "sorts_incrementally", data.draw(st.booleans(), "sorts"))
        stats = StatisticsQueries(app.db)
        yardstick = StatisticsQueries(app.db, scan=True)  # every teacher judged on the date
        now = clock.now()
        with app.db.reading() as cur:
            assert settled(cur), "a catch-up left teachers to recompute"
            policies = load_policies(cur)
            issued = [
                date.fromisoformat(r[0])
                for r in cur.query("SELECT issued_on FROM certificate_index")
            ] or [date(2010, 1, 1)]
        for _ in range(5):
            as_of = data.draw(
                st.one_of(
                    st.sampled_from(EDGES),
                    st.dates(date(1999, 1, 1), date(2036, 12, 31)),
                    near(issued),
                    near(issued),
                ),
                "as_of",
            )
            standard = Standard.on(as_of, policies)
            with app.db.reading() as cur:
                sql, params = intervals_sql(standard)
                got = {r[0]: dict(zip(STANDING_COLUMNS, r)) for r in cur.query(sql, params)}
                sql, params = standing_sql(standard)
                scan = {r[0]: dict(zip(STANDING_COLUMNS, r)) for r in cur.query(sql, params)}
                for group_by in COMPLIANCE_GROUPS:
                    assert stats._compliance_steps(cur, as_of, group_by) == (
                        stats._compliance_scan(cur, as_of, group_by)
                    ), f"statistics by {group_by} on {as_of}"
            for row in (*got.values(), *scan.values()):
                row["hours"] = int(row["hours"])
            assert got == scan, f"the intervals on {as_of} differ from the scan"

            for index, teacher_id in history.teacher_ids.items():
                expected = oracle(history, index, as_of, now)
                row = got.get(str(teacher_id))
                if app.repository.get(teacher_id).service_start > as_of:
                    assert row is None, "a teacher not yet in service has an interval"
                    continue
                assert row is not None and expected is not None
                assert (row["status"], row["hours"], standard.next_due(row)) == (
                    expected.status,
                    expected.hours,
                    expected.next_due,
                )

            status = data.draw(st.sampled_from(DUE_STATUSES), "status")
            _region, district, school = PLACES[data.draw(st.integers(0, len(PLACES) - 1))]
            for place in ({"district": district}, {"school": school}, {}):
                listed = stats.due_list(status=status, as_of=as_of, **place)
                wanted = [
                    r
                    for r in scan.values()
                    if r["status"] == status
                    and all(
                        r[k] == (standing.canonical_district(v) if k == "district" else v)
                        for k, v in place.items()
                    )
                ]
                assert sorted((r["region"], r["district"], r["school"]) for r in listed) == sorted(
                    (r["region"], r["district"], r["school"]) for r in wanted
                )
                assert len(listed) == len(wanted)
                assert stats.due_count(status=status, as_of=as_of, **place)[0] == len(wanted)

            # A page by place, read a district at a time (the steps saying where its rows
            # lie), is the page the per-teacher scan gives in one statement.
            sort = data.draw(st.sampled_from(["place", "-place"]), "sort")
            limit = data.draw(st.integers(1, 4), "limit")
            offset = data.draw(st.integers(0, len(scan)), "offset")
            for place in ({}, {"region": _region}, {"district": district}):
                page = {"status": status, "as_of": as_of, "sort": sort, **place}
                page.update(limit=limit, offset=offset)
                rows = yardstick.due_list(**page)
                assert stats.due_list(**page) == rows, page
                total = yardstick.due_count(status=status, as_of=as_of, **place)
                assert stats.due_page(**page) == (rows, *total), page


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
def test_standing_equals_the_rule_on_sqlite(sqlite_url, tmp_path, monkeypatch, steps, data):
    check_history(sqlite_url, tmp_path, steps, data, monkeypatch)


@pytest.mark.postgres
@settings(max_examples=EXAMPLES["postgresql"], **_SETTINGS)
@given(steps=histories(), data=st.data())
def test_standing_equals_the_rule_on_postgresql(postgres_url, tmp_path, monkeypatch, steps, data):
    check_history(postgres_url, tmp_path, steps, data, monkeypatch)
