"""Random registry histories for property tests, and the compliance rule read off the aggregates.

A history is a list of steps (register, certify, revoke, duplicate, depart, transfer,
correct, adopt a policy, catch the views up), each run through the application at its
own frozen instant, so that "known at" questions have exact answers. The oracle
evaluates spec §7 from the aggregates themselves (their versions and timestamps), never
from the views under test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from hypothesis import strategies as st

from registry.application import Registry
from registry.bootstrap import initialise
from registry.domain import clock
from registry.domain.certificate import Certificate
from registry.domain.clock import frozen_at
from registry.domain.compliance import (
    CertificateFact,
    Compliance,
    DepartureFact,
    PolicyVersion,
    evaluate,
)
from registry.domain.errors import RegistryError
from registry.domain.policy import CompliancePolicy
from tests import schema_reset
from tests.builders import ADMIN, programme, teacher
from tests.conftest import copy_of, make_settings, seeded_database

UTC = UTC
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # the first step's recorded time
PINS = ["21505198512345", "10203199000011", "20101197000022", "11111198000033"]
SPARE_PINS = ["20202199100044", "10303199200055", "21212198800066"]
PLACES = [
    ("KG-C", "Sokuluk", "School No. 3"),
    ("KG-GB", "Leninsky", "Lyceum 61"),
    ("KG-O", "Кара-Сууский", "School No. 7"),
]
PROVIDER = "KAE"

days = st.dates(min_value=date(2008, 1, 1), max_value=date(2024, 12, 31))
teacher_index = st.integers(0, len(PINS) - 1)
step = st.one_of(
    st.tuples(
        st.just("register"),
        teacher_index,
        st.dates(date(2004, 1, 1), date(2024, 6, 1)),
        st.integers(0, len(PLACES) - 1),
    ),
    st.tuples(
        st.just("legacy"),
        teacher_index,
        st.sampled_from(["seminar", "training", "course"]),
        st.integers(8, 120),
        days,
    ),
    st.tuples(st.just("course"), teacher_index, days),
    st.tuples(st.just("revoke"), st.integers(0, 30)),
    st.tuples(st.just("duplicate"), st.integers(0, 30), st.integers(0, 500)),
    st.tuples(st.just("depart"), teacher_index, days),
    st.tuples(
        st.just("service_start"), teacher_index, st.dates(date(2004, 1, 1), date(2024, 6, 1))
    ),
    st.tuples(st.just("transfer"), teacher_index, st.integers(0, len(PLACES) - 1), days),
    st.tuples(st.just("pin"), teacher_index, st.integers(0, len(SPARE_PINS) - 1)),
    st.tuples(
        st.just("policy"),
        st.dates(date(2012, 1, 1), date(2026, 1, 1)),
        st.integers(1, 6),
        st.sampled_from([24, 36, 72, 108, 144]),
    ),
    st.tuples(st.just("catch_up"), st.sampled_from([1, 3, 7, 1000])),
)
# Steps only the "as known at" property draws: open enrolments, assessments passed and
# failed, withdrawals, and corrections of a name or a school.
NAMES = ["Айгүл Токтогулова", "Бакыт Усонов", "Нургүл Асанова"]
SCHOOLS = ["Gymnasium No. 5", "School No. 12"]
more_step = st.one_of(
    st.tuples(st.just("enrol"), teacher_index, days),
    st.tuples(st.just("assess"), st.integers(0, 30), st.booleans(), days),
    st.tuples(st.just("withdraw"), st.integers(0, 30), days),
    st.tuples(
        st.just("rename"),
        teacher_index,
        st.sampled_from(NAMES),
        st.sampled_from(SCHOOLS),
    ),
    st.tuples(
        st.just("contacts"),
        teacher_index,
        st.sampled_from([None, "aigul@example.kg", "b.usonov@example.kg"]),
        st.sampled_from(["ky", "ru"]),
    ),
)
registrations = st.lists(
    st.tuples(st.dates(date(2004, 1, 1), date(2024, 6, 1)), st.integers(0, len(PLACES) - 1)),
    min_size=1,
    max_size=len(PINS) - 1,
)
certify = st.one_of(step.branches[1], step.branches[2])  # more certificates than other steps


@st.composite
def histories(draw) -> list[tuple]:
    """Some teachers registered first, then random steps (certificates twice as likely)."""
    first = [("register", i, start, place) for i, (start, place) in enumerate(draw(registrations))]
    return first + draw(st.lists(st.one_of(step, certify), min_size=5, max_size=40))


@st.composite
def rich_histories(draw, min_steps: int = 15, max_steps: int = 30) -> list[tuple]:
    """As `histories`, with every kind of step a teacher's record knows (enrolments left
    open, failed, withdrawn; names and schools corrected) beside the others."""
    first = [("register", i, start, place) for i, (start, place) in enumerate(draw(registrations))]
    steps = st.one_of(step, certify, more_step)
    return first + draw(st.lists(steps, min_size=min_steps, max_size=max_steps))


@dataclass
class History:
    """What a history recorded: the teachers' ids and each teacher's certificate numbers."""

    app: Registry
    instants: list[datetime] = field(default_factory=list)
    teacher_ids: dict[int, uuid.UUID] = field(default_factory=dict)
    numbers: list[tuple[str, int]] = field(default_factory=list)  # (number, teacher index)
    enrolments: list[str] = field(default_factory=list)  # ids of enrolments left open
    current_pin: dict[int, str] = field(default_factory=dict)
    pin_since: dict[str, datetime] = field(default_factory=dict)  # when each PIN was first known
    courses: int = 0

    def numbers_of(self, index: int) -> list[str]:
        return [number for number, owner in self.numbers if owner == index]


def run(
    history: History,
    steps: list[tuple],
    catch_up: Callable[[int], Any],
    spacing: timedelta = timedelta(hours=1),
) -> None:
    """Run the steps, each at its own instant, `spacing` after the previous one."""
    for i, s in enumerate(steps):
        instant = START + spacing * i
        history.instants.append(instant)
        with frozen_at(instant):
            if s[0] == "catch_up":
                catch_up(s[1])
                continue
            try:
                _step(history, s, i)
            except RegistryError:
                pass  # a step the rules refuse records nothing, as in real use


def _step(h: History, s: tuple, i: int) -> None:
    app, kind = h.app, s[0]
    if kind not in ("register", "revoke", "duplicate", "policy", "assess", "withdraw"):
        if not h.teacher_ids:
            return
        # Steps about a teacher pick one of those registered (an unknown PIN only fails).
        s = (kind, sorted(h.teacher_ids)[s[1] % len(h.teacher_ids)], *s[2:])
    if kind == "register":
        region, district, school = PLACES[s[3]]
        result = app.register_teacher(
            ADMIN,
            teacher(
                pin=PINS[s[1]], service_start=s[2], region=region, district=district, school=school
            ),
        )
        h.teacher_ids[s[1]] = uuid.UUID(result.data["id"])
        h.current_pin[s[1]] = PINS[s[1]]
        h.pin_since.setdefault(PINS[s[1]], clock.now())
    elif kind == "legacy":
        number = f"L-{i}"
        app.record_legacy_certificate(
            ADMIN,
            pin=_pin(h, s[1]),
            number=number,
            provider_code=PROVIDER,
            title="Seminar",
            form=s[2],
            hours=max(s[3], 72) if s[2] == "course" else s[3],
            issued_on=s[4],
        )
        h.numbers.append((number, s[1]))
    elif kind == "course":
        issued_on, code = s[2], f"C-{i}"
        prog = app.register_programme(
            ADMIN,
            programme(
                code=code,
                starts_on=issued_on - timedelta(days=20),
                ends_on=issued_on - timedelta(days=1),
            ),
        ).data
        enrolment = app.enrol(ADMIN, prog["id"], _pin(h, s[1])).data
        app.assess(ADMIN, enrolment["id"], passed=True, assessed_on=issued_on, score=80)
        app.issue_certificate(ADMIN, enrolment["id"], number=f"N-{i}", issued_on=issued_on)
        h.numbers.append((f"N-{i}", s[1]))
    elif kind == "revoke" and h.numbers:
        app.revoke_certificate(ADMIN, h.numbers[s[1] % len(h.numbers)][0], reason="error")
    elif kind == "duplicate" and h.numbers:
        number, owner = h.numbers[s[1] % len(h.numbers)]
        original = app.repository.get(Certificate.id_for(number))
        app.issue_duplicate(
            ADMIN,
            number,
            number=f"D-{i}",
            issued_on=min(original.issued_on + timedelta(days=s[2]), date(2024, 12, 31)),
        )
        h.numbers.append((f"D-{i}", owner))
    elif kind == "depart":
        app.record_departure(ADMIN, _pin(h, s[1]), effective_on=s[2], reason="retired")
    elif kind == "service_start":
        app.correct_teacher(ADMIN, _pin(h, s[1]), {"service_start": s[2]})
    elif kind == "transfer":
        region, district, school = PLACES[s[2]]
        app.transfer_teacher(
            ADMIN, _pin(h, s[1]), region=region, district=district, school=school, effective_on=s[3]
        )
    elif kind == "pin":
        app.correct_teacher(ADMIN, _pin(h, s[1]), {"pin": SPARE_PINS[s[2]]})
        h.current_pin[s[1]] = SPARE_PINS[s[2]]
        h.pin_since.setdefault(SPARE_PINS[s[2]], clock.now())
    elif kind == "enrol":
        prog = app.register_programme(
            ADMIN,
            programme(
                code=f"E-{i}", starts_on=s[2] - timedelta(days=20), ends_on=s[2] - timedelta(days=1)
            ),
        ).data
        h.enrolments.append(app.enrol(ADMIN, prog["id"], _pin(h, s[1])).data["id"])
    elif kind == "assess" and h.enrolments:
        app.assess(
            ADMIN, h.enrolments[s[1] % len(h.enrolments)], passed=s[2], assessed_on=s[3], score=60
        )
    elif kind == "withdraw" and h.enrolments:
        app.withdraw(
            ADMIN, h.enrolments[s[1] % len(h.enrolments)], effective_on=s[2], reason="moved away"
        )
    elif kind == "contacts":
        app.correct_teacher(ADMIN, _pin(h, s[1]), {"email": s[2], "language": s[3]})
    elif kind == "rename":
        app.correct_teacher(ADMIN, _pin(h, s[1]), {"full_name": s[2], "school": s[3]})
    elif kind == "policy":
        app.adopt_policy(ADMIN, effective_from=s[1], window_years=s[2], required_hours=s[3])


def _pin(h: History, index: int) -> str:
    return h.current_pin.get(index, PINS[index])


@contextmanager
def fresh_registry(base_url: str, tmp_path: Path) -> Iterator[Registry]:
    """A new, initialised registry for one example: on SQLite a copy of a file this worker
    initialised once (tests/conftest.py's `seeded_database`), on PostgreSQL a schema
    initialised once per test database and put back to that state before each later
    example (`tests.schema_reset`: 0.1 s, where initialising a schema took 3 s; a copy of
    a database, CREATE DATABASE ... TEMPLATE, waits for a checkpoint)."""
    if base_url.startswith("sqlite"):
        seeded = seeded_database(("histories",), "sqlite", _initialised, tmp_path / "seeded")
        settings = make_settings(
            copy_of(seeded, tmp_path, f"example-{uuid.uuid4().hex[:10]}.db"), tmp_path
        )
    else:
        settings = make_settings(f"{base_url}?schema=examples", tmp_path)
        with psycopg.connect(base_url) as conn:
            noted = _noted.get(base_url)
            if noted is None:
                _initialised(settings)
                _noted[base_url] = schema_reset.take(conn)
            else:
                assert schema_reset.restore(conn, noted), "an example changed the tables"
    app = Registry(settings)
    try:
        yield app
    finally:
        app.close()


_noted: dict[str, schema_reset.Snapshot] = {}  # by test database: its initialised state


def _initialised(settings) -> None:
    """What every example starts from: initialised the day before the first step, with
    the provider of every programme."""
    with frozen_at(START - timedelta(days=1)):
        initialise(settings)
        app = Registry(settings)
        try:
            app.register_provider(
                ADMIN, code=PROVIDER, name="Academy", kind="academy", region="KG-GB"
            )
        finally:
            app.close()


# -- the oracle: spec §7 evaluated on the aggregates ------------------------------------


def _state_at(app: Registry, aggregate_id: uuid.UUID, known_at: datetime) -> Any | None:
    aggregate = app.repository.get(aggregate_id)
    while aggregate.modified_on > known_at:
        if aggregate.version == 1:
            return None
        aggregate = app.repository.get(aggregate_id, version=aggregate.version - 1)
    return aggregate


def _first_time(
    app: Registry, aggregate_id: uuid.UUID, test: Callable[[Any], bool]
) -> datetime | None:
    latest = app.repository.get(aggregate_id)
    for version in range(1, latest.version + 1):
        aggregate = app.repository.get(aggregate_id, version=version)
        if test(aggregate):
            return aggregate.modified_on
    return None


def policies_of(app: Registry) -> list[PolicyVersion]:
    policy_id = CompliancePolicy.id_for()
    latest = app.repository.get(policy_id)
    versions = []
    for version in range(1, latest.version + 1):
        aggregate = app.repository.get(policy_id, version=version)
        effective_from, window, hours = aggregate.versions[-1]
        versions.append(PolicyVersion(effective_from, window, hours, aggregate.modified_on))
    return versions


def oracle(h: History, index: int, as_of: date, known_at: datetime) -> Compliance | None:
    """What spec §7 says of a teacher, read from the aggregates (None: not known at K)."""
    app, teacher_id = h.app, h.teacher_ids[index]
    known = _state_at(app, teacher_id, known_at)
    if known is None:
        return None
    certificates = []
    for number in h.numbers_of(index):
        c = app.repository.get(Certificate.id_for(number))
        certificates.append(
            CertificateFact(
                number=c.number,
                hours=c.hours,
                issued_on=c.issued_on,
                recorded_at=c.created_on,
                revoked_at=_first_time(app, c.id, lambda a: a.revoked),
                duplicate_of=c.duplicate_of,
                form=c.form,
                provider_code=c.provider_code,
            )
        )
    departed_at = _first_time(app, teacher_id, lambda a: a.departed_on is not None)
    departures = (
        [DepartureFact(app.repository.get(teacher_id).departed_on, departed_at)]
        if departed_at
        else []
    )
    return evaluate(
        service_start=known.service_start,
        certificates=certificates,
        departures=departures,
        policies=policies_of(app),
        as_of=as_of,
        known_at=known_at,
    )
