"""The statistics answer cache computes an answer once for everyone asking at the same
time, may answer a little behind while it recomputes, and never below a read's
min_position."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from registry.bootstrap import open_worker
from registry.queries import Queries
from registry.queries.cache import PositionedCache, begin_read, require_position
from registry.queries.statistics import StatisticsQueries
from tests.builders import ADMIN, OTHER_PIN, PIN, teacher

AS_OF = date(2024, 6, 1)
READERS = 8
THIRD_PIN = "21505198500001"


@pytest.fixture(autouse=True)
def a_new_read():
    """Each test is a read of its own: a position an earlier test's read required on this
    thread (outside any request, which forgets it at its end) does not carry over."""
    begin_read()


def total(answer: list[dict]) -> int:
    return sum(line["total"] for line in answer)


def register_and_apply(registry, pin: str) -> int:
    """A new teacher, applied by every view; the write's position."""
    position = registry.register_teacher(ADMIN, teacher(pin=pin)).position
    open_worker(registry).catch_up()
    return position


def read_together(cache: PositionedCache, compute, readers: int = READERS) -> list:
    """`readers` threads asking for one key at the same moment; their answers."""
    start = threading.Barrier(readers)
    answers: list = [None] * readers

    def read(i: int) -> None:
        start.wait()
        answers[i] = cache.get("compliance", compute)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def slow(statistics: StatisticsQueries, seconds: float = 0.3):
    """The real compliance computation, made long enough for every reader to arrive."""

    def compute():
        time.sleep(seconds)
        return statistics._compliance(AS_OF, "region")

    return compute


def test_readers_arriving_together_share_one_computation(registry):
    register_and_apply(registry, PIN)
    statistics = StatisticsQueries(registry.db)
    cache = PositionedCache(registry.db, max_stale_s=0)

    answers = read_together(cache, slow(statistics))

    assert cache.computations == 1
    assert [total(answer) for answer in answers] == [1] * READERS


def test_readers_after_a_write_get_the_previous_answer_at_once_and_one_recomputation(
    registry,
):
    register_and_apply(registry, PIN)
    statistics = StatisticsQueries(registry.db)
    cache = PositionedCache(registry.db, max_stale_s=30, refresh_factor=0)
    assert total(cache.get("compliance", slow(statistics, 0))) == 1
    register_and_apply(registry, OTHER_PIN)  # the views move

    answers = read_together(cache, slow(statistics))

    # Nobody waited for the recomputation: every reader answered the previous table (at
    # most 30 s old) while one computation ran in the background...
    assert [total(answer) for answer in answers] == [1] * READERS
    cache.settle()
    assert cache.computations == 2
    # ...and the next reader gets the table with the write.
    assert total(cache.get("compliance", slow(statistics, 0))) == 2
    assert cache.computations == 2


def test_a_key_is_recomputed_at_most_once_per_multiple_of_its_last_computation(registry):
    register_and_apply(registry, PIN)
    statistics = StatisticsQueries(registry.db)
    # A computation of 0.3 s: the next may start 100 x 0.3 s later (capped at 15 s, half
    # of the staleness allowed), however often the views move meanwhile.
    cache = PositionedCache(registry.db, max_stale_s=30, refresh_factor=100)
    assert total(cache.get("compliance", slow(statistics, 0.3))) == 1
    for pin in (OTHER_PIN, THIRD_PIN):
        register_and_apply(registry, pin)
        assert total(cache.get("compliance", slow(statistics, 0))) == 1
    cache.settle()

    assert cache.computations == 1


def test_a_failed_background_recomputation_is_tried_again_by_a_later_read(registry):
    register_and_apply(registry, PIN)
    statistics = StatisticsQueries(registry.db)
    cache = PositionedCache(registry.db, max_stale_s=30, refresh_factor=0)
    assert total(cache.get("compliance", slow(statistics, 0))) == 1
    register_and_apply(registry, OTHER_PIN)

    def failing():
        raise ConnectionError("the database went away")

    assert total(cache.get("compliance", failing)) == 1  # the previous answer, at once
    cache.settle()
    assert total(cache.get("compliance", slow(statistics, 0))) == 1  # starts a new one
    cache.settle()
    assert total(cache.get("compliance", slow(statistics, 0))) == 2


def test_a_read_with_min_position_never_gets_the_previous_answer(registry):
    register_and_apply(registry, PIN)
    statistics = StatisticsQueries(registry.db)
    cache = PositionedCache(registry.db, max_stale_s=30, refresh_factor=0)
    assert total(cache.get("compliance", slow(statistics, 0))) == 1
    register_and_apply(registry, OTHER_PIN)
    # A recomputation starts (in the background) from the views' positions after the
    # second teacher...
    started = threading.Event()

    def stalled():
        started.set()
        time.sleep(0.5)
        return statistics._compliance(AS_OF, "region")

    first = threading.Thread(target=lambda: cache.get("compliance", stalled))
    first.start()
    assert started.wait(10)
    # ...then a third is written and applied, and a read asks for its position while
    # the previous answer (one teacher) is still young enough to be served to others.
    position = register_and_apply(registry, THIRD_PIN)
    answer: list = []

    def read_at_position() -> None:
        require_position(position)
        answer.extend(cache.get("compliance", slow(statistics, 0)))

    reader = threading.Thread(target=read_at_position)
    reader.start()
    reader.join(timeout=30)
    first.join(timeout=30)

    assert total(answer) == 3


def test_the_statistics_with_min_position_after_a_write_include_it(registry):
    queries = Queries(registry)
    register_and_apply(registry, PIN)
    assert total(queries.compliance_statistics(AS_OF, "region", actor=ADMIN)) == 1
    position = registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN)).position
    open_worker(registry).catch_up()

    queries.wait_for(position)
    assert total(queries.compliance_statistics(AS_OF, "region", actor=ADMIN)) == 2


def test_the_followers_own_row_neither_lowers_an_answers_position_nor_voids_it(registry):
    """The follower notes when it last looked at the log in a row of its own, a few
    seconds apart, so it may name a position below the views': an answer is judged by
    the views alone, at or above the position its read waited for (X-Registry-Position),
    and a new look of the follower's computes nothing again."""
    from registry.projections.checks import record_check
    from registry.queries.cache import served_position

    position = register_and_apply(registry, PIN)
    record_check(registry, position - 1)  # looked just before the write's last event
    statistics = StatisticsQueries(registry.db)
    require_position(position)
    assert total(statistics.compliance(AS_OF, "region")) == 1
    assert served_position() == position
    computations = statistics.cache.computations
    record_check(registry, position - 2)  # another look: no view moved
    begin_read()
    require_position(position)
    assert total(statistics.compliance(AS_OF, "region")) == 1
    assert statistics.cache.computations == computations
    assert served_position() == position


def test_a_warmed_registry_answers_the_public_tables_without_computing_them(registry):
    register_and_apply(registry, PIN)
    queries = Queries(registry)
    cache = queries._statistics.cache
    queries.warm()  # as a server worker starts
    assert cache.computations == 2  # open data by region and by district, today

    by_region = queries.open_data(None, "region")
    by_district = queries.open_data(None, "district")

    assert cache.computations == 2
    assert [line["suppressed"] for line in by_region + by_district] == [True, True]
