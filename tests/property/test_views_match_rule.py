"""For random histories: views built bit by bit equal a rebuild, and answer as the rule does.

Three readings of the same history must agree: the views caught up incrementally (at
random points, in random batch sizes), the views rebuilt from position 0 in one go, and
spec §7 evaluated directly on the aggregates, for random as_of / known_at pairs. The
statuses judged in SQL for statistics must agree with the rule too.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.bootstrap import open_worker
from registry.domain import clock
from registry.domain.errors import NotFoundError
from registry.projections.catalogue import view_classes
from registry.queries import Queries
from tests.property.histories import History, fresh_registry, histories, oracle, run

# More with REGISTRY_PROPERTY_EXAMPLES=N (a deeper run than every commit can afford).
_MORE = int(os.environ.get("REGISTRY_PROPERTY_EXAMPLES", "0"))
EXAMPLES = {"sqlite": _MORE or 30, "postgresql": _MORE or 12}


def dump(app) -> dict[str, list[tuple]]:
    """Every row of every view table, in a stable order."""
    tables = [t.name for cls in view_classes() for t in cls.tables]
    return {name: sorted(app.db.query(f"SELECT * FROM {name}"), key=repr) for name in tables}


def check_history(base_url, tmp_path, steps, data) -> None:
    with fresh_registry(base_url, tmp_path) as app:
        worker = open_worker(app)
        history = History(app)
        run(history, steps, lambda size: worker.catch_up(batch_size=size))
        worker.catch_up(batch_size=data.draw(st.sampled_from([1, 4, 500]), "last batch"))
        incremental = dump(app)

        worker.rebuild()
        assert dump(app) == incremental, "a rebuild from scratch differs from the live views"

        queries = Queries(app)
        moments = history.instants or [clock.now()]
        for _ in range(6):
            as_of = data.draw(st.dates(date(2006, 1, 1), date(2031, 12, 31)), "as_of")
            known_at = data.draw(st.sampled_from(moments), "known_at") + data.draw(
                st.sampled_from([timedelta(0), timedelta(microseconds=-1), timedelta(minutes=30)]),
                "offset",
            )
            for index in history.teacher_ids:
                expected = oracle(history, index, as_of, known_at)
                pin = history.current_pin[index]
                if expected is None or history.pin_since[pin] > known_at:
                    # Unknown then, or known by a PIN that came later (a correction).
                    with pytest.raises(NotFoundError):
                        queries.compliance(pin, as_of, known_at)
                    continue
                got = queries.compliance(pin, as_of, known_at)
                assert (
                    got["status"],
                    got["hours"],
                    got["next_due"],
                    got["missing_hours"],
                    got["required_hours"],
                    got["window_years"],
                ) == (
                    expected.status,
                    expected.hours,
                    expected.next_due,
                    expected.missing_hours,
                    expected.required_hours,
                    expected.window_years,
                )
                assert [(c["number"], c["counts"]) for c in got["certificates"]] == [
                    (c.number, c.counts) for c in expected.certificates
                ]

            # Statistics judge everyone in SQL, as known now: the same verdicts.
            now = clock.now()
            table = {row["key"]: row for row in queries.pseudonymised_teachers(as_of)}
            for index, teacher_id in history.teacher_ids.items():
                expected = oracle(history, index, as_of, now)
                row = table.get(app.keys.pseudonym(teacher_id))
                service_start = app.repository.get(teacher_id).service_start
                if service_start > as_of:
                    assert row is None, "a teacher not yet in service was counted"
                    continue
                assert row is not None
                assert (row["status"], row["hours"]) == (expected.status, expected.hours)


@settings(
    max_examples=EXAMPLES["sqlite"],
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(steps=histories(), data=st.data())
def test_views_equal_a_rebuild_and_the_rule_on_sqlite(sqlite_url, tmp_path, steps, data):
    check_history(sqlite_url, tmp_path, steps, data)


@pytest.mark.postgres
@settings(
    max_examples=EXAMPLES["postgresql"],
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(steps=histories(), data=st.data())
def test_views_equal_a_rebuild_and_the_rule_on_postgresql(postgres_url, tmp_path, steps, data):
    check_history(postgres_url, tmp_path, steps, data)
