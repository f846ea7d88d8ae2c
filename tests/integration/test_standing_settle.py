"""A settle of the standing view that sums the steps once at its end, stopped midway."""

from __future__ import annotations

from datetime import date

import pytest

from registry.bootstrap import open_worker
from registry.projections import standing
from registry.projections.settling import STALE
from registry.queries.statistics import COMPLIANCE_GROUPS, StatisticsQueries, settled
from tests.builders import ADMIN, certified_teacher, provider, teacher
from tests.property.histories import PINS, PLACES

DATES = [date(2009, 1, 1), date(2014, 6, 30), date(2024, 3, 21), date(2028, 9, 1)]


def test_a_settle_stopped_midway_is_finished_by_the_next_and_the_statistics_stay_right(
    registry, monkeypatch
):
    provider(registry)
    for index, pin in enumerate(PINS):
        region, district, school = PLACES[index % len(PLACES)]
        registry.register_teacher(
            ADMIN,
            teacher(
                pin=pin,
                service_start=date(2005 + index, 9, 1),
                region=region,
                district=district,
                school=school,
            ),
        )
    certified_teacher(registry, pin=PINS[0])
    certified_teacher(registry, number="KAE-2024-0002", pin=PINS[1], code="PHYS-72")
    # Every teacher marked, the steps summed at the settle's end, a teacher a chunk...
    monkeypatch.setattr(standing, "EAGER_TEACHERS", 0)
    monkeypatch.setattr(standing.StandingView, "bulk_teachers", 1)
    monkeypatch.setattr(standing.StandingView, "settle_chunk", 1)
    recompute, calls = standing.StandingView._recompute, []

    def stopped_at_the_third_chunk(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the process was stopped")
        recompute(self, *args)

    # ...and the process stopped after two chunks.
    monkeypatch.setattr(standing.StandingView, "_recompute", stopped_at_the_third_chunk)
    with pytest.raises(RuntimeError, match="stopped"):
        open_worker(registry).catch_up()
    with registry.db.reading() as cur:
        marked = sorted(r[0] for r in cur.query("SELECT teacher_id FROM standing_dirty"))
        assert marked[0] == STALE and len(marked) == 1 + len(PINS) - 2
        assert not settled(cur)  # so the statistics are read from every teacher meanwhile

    monkeypatch.setattr(standing.StandingView, "_recompute", recompute)
    open_worker(registry).catch_up()

    statistics = StatisticsQueries(registry.db)
    with registry.db.reading() as cur:
        assert settled(cur)
        assert sorted(cur.query("SELECT * FROM standing_steps")) == sorted(
            cur.query(standing.steps_sql())
        ), "the steps are not the sums of every teacher's intervals"
        for day in DATES:
            for group_by in COMPLIANCE_GROUPS:
                steps = statistics._compliance_steps(cur, day, group_by)
                assert steps == statistics._compliance_scan(cur, day, group_by)
        counted = statistics._compliance_steps(cur, date(2024, 3, 21), "district")
    assert sum(line["total"] for line in counted) == len(PINS)  # every teacher in service
