"""The auditors' contract: every read about a teacher as known at K equals the same read,
without known_at, on a database made by `registry replay --until K`.

Random histories (registrations, name, school, contacts, service-start and PIN corrections,
transfers, departures, courses, open, failed and withdrawn enrolments, paper
certificates, revocations, duplicates, policy versions) are recorded a quarter of a
second apart, so that several fall within one second; K is drawn at, just before, and
between the recorded moments. For each K the live registry answers as known at K and a
replay until K answers as of now, and every answer must be equal: for each PIN ever used
(profile, contacts, certificates, enrolments, history, compliance on a few dates, or the
same 404), each certificate number ever used, and every due list (each status) on
those dates.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.application import Registry
from registry.bootstrap import open_worker
from registry.domain.errors import NotFoundError
from registry.queries import Queries
from registry.queries.statistics import DUE_STATUSES
from registry.replay import replay
from tests.property.histories import (
    PINS,
    SPARE_PINS,
    History,
    fresh_registry,
    rich_histories,
    run,
)

_MORE = int(os.environ.get("REGISTRY_PROPERTY_EXAMPLES", "0"))
# A handful per engine in CI (about 10 s on SQLite and 30 s on PostgreSQL, where each
# replay makes a schema); more with REGISTRY_PROPERTY_EXAMPLES=N.
EXAMPLES = {"sqlite": _MORE or 8, "postgresql": _MORE or 3}
MOMENTS = {"sqlite": 3, "postgresql": 2}  # K drawn per history
SPACING = timedelta(milliseconds=250)
NEAR = [timedelta(0), timedelta(microseconds=-1), timedelta(milliseconds=100)]


def answer(read) -> Any:
    """What a read answers, or which error it raises (the code, not the wording: the live
    read says "as known at K", the replay answers as of its own now)."""
    try:
        return read()
    except NotFoundError as error:
        return ("not found", error.code)


def without_moment(found: Any) -> Any:
    """A compliance answer without its known_at (K on one side, now on the other)."""
    if isinstance(found, dict):
        return {k: v for k, v in found.items() if k != "known_at"}
    return found


def reads(
    queries: Queries, known_at: datetime | None, numbers: list[str], days: list[date]
) -> dict[tuple, Any]:
    """Every teacher read the contract covers, for every PIN and number ever used."""
    out: dict[tuple, Any] = {}
    for pin in PINS + SPARE_PINS:
        out[("teacher", pin)] = answer(lambda: queries.teacher(pin, known_at=known_at))
        out[("certificates", pin)] = answer(
            lambda: queries.teacher_certificates(pin, known_at=known_at)
        )
        out[("enrolments", pin)] = answer(
            lambda: queries.teacher_enrolments(pin, known_at=known_at)
        )
        out[("history", pin)] = answer(lambda: queries.teacher_history(pin, known_at=known_at))
        out[("contacts", pin)] = answer(lambda: queries.teacher_contacts(pin, known_at=known_at))
        for day in days:
            out[("compliance", pin, day)] = without_moment(
                answer(lambda: queries.compliance(pin, day, known_at=known_at))
            )
    for number in numbers:
        out[("certificate", number)] = answer(
            lambda: queries.certificate(number, known_at=known_at)
        )
    return out


def due_lists(queries: Queries, known_at: datetime | None, days: list[date]) -> dict:
    """Every due list (each status, each date), whole."""
    return {
        ("due", status, day): queries.due_list(status=status, as_of=day, known_at=known_at)
        for status in DUE_STATUSES
        for day in days
    }


def replayed_url(base_url: str, tmp_path) -> str:
    """A new, empty database for a replay: an SQLite file, or a PostgreSQL schema."""
    name = uuid.uuid4().hex[:10]
    if base_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'replayed-{name}.db'}"
    return f"{base_url}?schema=rp_{name}"


def check(base_url: str, tmp_path, steps: list[tuple], data, moments: int) -> None:
    with fresh_registry(base_url, tmp_path) as app:
        worker = open_worker(app)
        worker.catch_up()  # the policy and the provider: the registry has begun
        history = History(app)
        run(history, steps, lambda size: worker.catch_up(batch_size=size), spacing=SPACING)
        if data.draw(st.booleans(), "views caught up at the end"):
            worker.catch_up()  # else they stand where the history left them: the reads
            # as known at K find what they lack in the log
        live = Queries(app)
        numbers = [number for number, _ in history.numbers] + ["NEVER-1"]
        for _ in range(moments):
            known_at = data.draw(st.sampled_from(history.instants), "K") + data.draw(
                st.sampled_from(NEAR), "near"
            )
            days = data.draw(
                st.lists(st.dates(date(2008, 1, 1), date(2031, 12, 31)), min_size=2, max_size=2),
                "as_of",
            )
            url = replayed_url(base_url, tmp_path)
            replay(app, known_at, url, compare_answers=False)
            replayed = Registry(dataclasses.replace(app.settings, database_url=url))
            try:
                then = reads(live, known_at, numbers, days)
                expected = reads(Queries(replayed), None, numbers, days)
                worker.catch_up()  # lists as known at K are read from the views
                then.update(due_lists(live, known_at, days))
                expected.update(due_lists(Queries(replayed), None, days))
            finally:
                replayed.close()
            for key, value in expected.items():
                assert then[key] == value, (key, known_at)


SETTINGS = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}


@settings(max_examples=EXAMPLES["sqlite"], **SETTINGS)
@given(steps=rich_histories(max_steps=30), data=st.data())
def test_every_teacher_read_as_known_at_k_equals_a_replay_until_k_on_sqlite(
    sqlite_url, tmp_path, steps, data
):
    check(sqlite_url, tmp_path, steps, data, MOMENTS["sqlite"])


@pytest.mark.postgres
@settings(max_examples=EXAMPLES["postgresql"], **SETTINGS)
@given(steps=rich_histories(max_steps=30), data=st.data())
def test_every_teacher_read_as_known_at_k_equals_a_replay_until_k_on_postgresql(
    postgres_url, tmp_path, steps, data
):
    check(postgres_url, tmp_path, steps, data, MOMENTS["postgresql"])
