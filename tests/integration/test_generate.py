"""`generate_history`: a realistic national history, the same for the same seed, on both engines."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from registry.application import Registry
from registry.bootstrap import initialise
from registry.domain.compliance import INITIAL_POLICY, CertificateFact, DepartureFact, evaluate
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.reference import seed_entries
from registry.domain.regions import region_codes
from registry.domain.values import check_pin
from registry.generate import generate_history
from registry.storage.facts import EventLog
from tests.builders import ADMIN, teacher
from tests.conftest import create_postgres_database, drop_postgres_database, make_settings

END = date(2025, 6, 30)
# The realism checks' history: enough teachers for every region, rule and correction to
# appear; generation is seeded, so the same history is checked on every run.
TEACHERS = 500


def stored_rows(app: Registry, after: int) -> list[tuple]:
    """Every stored event after a position (the registry's own, from `init`), as stored."""
    rows = app.db.query(
        f"SELECT {app.db.position_column}, originator_id, originator_version, topic, state "
        f"FROM {app.db.events_table} WHERE {app.db.position_column} > ? "
        f"ORDER BY {app.db.position_column}",
        (after,),
    )
    return [(p, str(i).replace("-", ""), v, t, bytes(s)) for p, i, v, t, s in rows]


def all_facts(app: Registry) -> list:
    return [fact for batch in EventLog(app).iterate() for fact in batch]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def history(request, tmp_path_factory):
    """One generated national history per engine, shared by the realism checks."""
    tmp = tmp_path_factory.mktemp("generated")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'registry.db'}"
    else:
        admin_url = request.getfixturevalue("postgres_server")
        name = f"registry_gen_{uuid.uuid4().hex[:10]}"
        create_postgres_database(name)
        url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    settings = make_settings(url, tmp)
    initialise(settings)
    app = Registry(settings)
    initialised = app.max_position() or 0  # the first policy, the signing key
    summary = generate_history(app, teachers=TEACHERS, years=10, seed=11, end=END, workers=1)
    yield app, summary, [fact for fact in all_facts(app) if fact.position > initialised]
    app.close()
    if request.param == "postgresql":
        drop_postgres_database(name)


def generated_rows(settings, folder, **arguments) -> list[tuple]:
    """Generate into a new empty database of the same engine; the rows it stored."""
    fresh = _fresh_like(settings, folder)
    initialise(fresh)
    app = Registry(fresh)
    try:
        initialised = app.max_position() or 0  # init's own events differ (a new key each)
        summary = generate_history(app, end=END, **arguments)
        assert not summary.refused
        return stored_rows(app, initialised)
    finally:
        app.close()


def test_the_same_seed_writes_the_same_events_and_another_seed_other_ones(settings, tmp_path):
    first = generated_rows(settings, tmp_path / "a", teachers=120, years=4, seed=5, workers=1)
    again = generated_rows(settings, tmp_path / "b", teachers=120, years=4, seed=5, workers=1)
    other = generated_rows(settings, tmp_path / "c", teachers=120, years=4, seed=6, workers=1)
    assert len(first) > 1000
    assert again == first
    assert [row[4] for row in other] != [row[4] for row in first]


def test_two_processes_write_exactly_what_one_process_writes(settings, tmp_path):
    one = generated_rows(settings, tmp_path / "one", teachers=300, years=3, seed=9, workers=1)
    two = generated_rows(settings, tmp_path / "two", teachers=300, years=3, seed=9, workers=2)
    assert one == two


def test_recorded_times_increase_along_the_log_and_stay_inside_the_history(history):
    _app, summary, facts = history
    generated = facts  # init's own events left out
    times = [fact.recorded_at for fact in generated]
    assert times == sorted(times)
    start = datetime(summary.start.year, summary.start.month, summary.start.day, tzinfo=UTC)
    assert start <= times[0] and times[-1] <= datetime(2025, 7, 1, tzinfo=UTC)
    assert {fact.actor.get("name") for fact in generated} == {"generator"}
    assert not summary.refused


def test_every_region_has_teachers_and_most_teachers_are_women_with_valid_pins(history):
    _, _summary, facts = history
    registered = [f.data for f in facts if f.type == "Teacher.Registered"]
    assert len(registered) == TEACHERS  # exactly the teachers asked for
    assert {t["region"] for t in registered} == set(region_codes())
    pins = [t["pin"] for t in registered]
    assert len(set(pins)) == len(pins) and all(check_pin(pin) for pin in pins)
    women = sum(pin[0] == "1" for pin in pins) / len(pins)
    assert 0.82 <= women <= 0.92
    assert len({t["school"] + t["district"] for t in registered}) >= 45


def test_about_five_percent_of_assessments_fail_and_some_are_reassessed(history):
    _, _, facts = history
    assessed = [f for f in facts if f.type == "Enrolment.Assessed"]
    failed = sum(not f.data["passed"] for f in assessed) / len(assessed)
    assert 0.03 <= failed <= 0.09
    attempts = Counter(f.originator_id for f in assessed)
    assert any(count > 1 for count in attempts.values())


def test_both_paths_legacy_paper_and_every_correction_appear(history):
    _, _, facts = history
    types = Counter(f.type for f in facts)
    for kind in (
        "Certificate.LegacyRecorded",
        "Certificate.DuplicateIssued",
        "Certificate.Revoked",
        "Enrolment.Withdrawn",
        "Teacher.Transferred",
        "Teacher.Departed",
        "Teacher.Corrected",
        "Enrolment.CertificateRevoked",
    ):
        assert types[kind] > 0, kind
    issued = [f.data for f in facts if f.type == "Certificate.Issued"]
    assert any(c["form"] == "course" and c["hours"] >= 72 for c in issued)
    assert sum(c["form"] in ("seminar", "training") for c in issued) > len(issued) / 4
    legacy = [f.data for f in facts if f.type == "Certificate.LegacyRecorded"]
    assert all(c["issued_on"] < date(2015, 6, 30) for c in legacy)
    kinds = Counter(f.data["kind"] for f in facts if f.type == "Provider.Registered")
    assert {
        "academy",
        "republican_institute",
        "oblast_institute",
        "university",
        "methodological_centre",
        "district_department",
    } <= set(kinds)


def test_most_teachers_keep_compliant_and_a_realistic_minority_is_overdue(history):
    _, summary, facts = history
    statuses = Counter(compliance_from_log(facts, END).values())
    active = sum(n for status, n in statuses.items() if status != "inactive")
    assert (statuses["compliant"] + statuses["due_soon"]) / active > 0.6
    assert 0.03 <= statuses["overdue"] / active <= 0.25
    assert statuses["grace"] > 0 and statuses["inactive"] > 0
    assert statuses == summary.compliance


def test_generate_refuses_a_registry_that_already_holds_teachers(registry):
    registry.register_teacher(ADMIN, teacher())
    head = registry.max_position()
    with pytest.raises(ConflictError) as refused:
        generate_history(registry, teachers=10, years=2, seed=1, end=END)
    assert refused.value.code == "registry_not_empty"
    assert registry.max_position() == head


@pytest.mark.parametrize(
    "arguments, code",
    [
        ({"teachers": 0}, "invalid_teachers"),
        ({"years": 0}, "invalid_years"),
        ({"end": date(2999, 1, 1)}, "date_in_future"),
        ({"workers": 3}, "invalid_workers"),
    ],
)
def test_bad_generation_arguments_are_refused_and_record_nothing(registry, arguments, code):
    head = registry.max_position()
    with pytest.raises(RuleViolationError) as refused:
        generate_history(
            registry, **{"teachers": 10, "years": 2, "seed": 1, "end": END, **arguments}
        )
    assert refused.value.code == code
    assert registry.max_position() == head


def compliance_from_log(facts: list, as_of: date) -> dict:
    """Each teacher's status on a day, judged from the stored events by the domain rule."""
    service, numbers, certificates, departures = {}, {}, {}, {}
    for fact in facts:
        data = fact.data
        if fact.type == "Teacher.Registered":
            service[fact.originator_id] = data["service_start"]
        elif fact.type == "Teacher.Departed":
            departures[fact.originator_id] = DepartureFact(data["effective_on"], fact.recorded_at)
        elif fact.type in (
            "Certificate.Issued",
            "Certificate.LegacyRecorded",
            "Certificate.DuplicateIssued",
        ):
            numbers[fact.originator_id] = data["number"]
            certificates[data["number"]] = [
                data["teacher_id"],
                CertificateFact(
                    number=data["number"],
                    hours=data["hours"],
                    issued_on=data["issued_on"],
                    recorded_at=fact.recorded_at,
                    revoked_at=None,
                    duplicate_of=data.get("duplicate_of"),
                ),
            ]
        elif fact.type == "Certificate.Revoked":
            entry = certificates[numbers[fact.originator_id]]
            entry[1] = CertificateFact(**{**entry[1].__dict__, "revoked_at": fact.recorded_at})
    held: dict = {}
    for teacher_id, certificate in certificates.values():
        held.setdefault(teacher_id, []).append(certificate)
    known_at = facts[-1].recorded_at
    return {
        teacher_id: evaluate(
            service_start=start,
            certificates=held.get(teacher_id, []),
            departures=[departures[teacher_id]] if teacher_id in departures else [],
            policies=[INITIAL_POLICY],
            as_of=as_of,
            known_at=known_at,
        ).status
        for teacher_id, start in service.items()
    }


def _fresh_like(settings, folder):
    """Settings for another empty database of the same engine (and the same secret)."""
    folder.mkdir(parents=True, exist_ok=True)
    if settings.database.backend == "sqlite":
        return make_settings(f"sqlite:///{folder / 'registry.db'}", folder)
    name = f"registry_gen_{uuid.uuid4().hex[:10]}"
    create_postgres_database(name)
    _FRESH_DATABASES.append(name)
    base = settings.database_url.rsplit("/", 1)[0]
    return make_settings(f"{base}/{name}", folder)


_FRESH_DATABASES: list[str] = []


@pytest.fixture(autouse=True)
def _drop_fresh_databases():
    yield
    while _FRESH_DATABASES:
        name = _FRESH_DATABASES.pop()
        drop_postgres_database(name)


def test_generated_teachers_carry_the_reference_lists_codes_their_region_s_districts(history):
    _, _summary, facts = history
    seeds = {(s.list_name, s.code): s for s in seed_entries()}
    registered = [f.data for f in facts if f.type == "Teacher.Registered"]
    transferred = [f.data for f in facts if f.type == "Teacher.Transferred"]
    for place in registered + transferred:
        assert seeds[("districts", place["district"])].region == place["region"]
    assert all(("subjects", t["subject"]) in seeds for t in registered)
    assert all(("positions", t["position"]) in seeds for t in registered)
    assert {t["position"] for t in registered} >= {"teacher", "senior_teacher"}


def test_every_generated_provider_has_its_kyrgyz_and_russian_names(history):
    """The pages show a provider in the reader's language: a generated one has all three."""
    _, summary, facts = history
    registered = {f.originator_id: f.data for f in facts if f.type == "Provider.Registered"}
    names = {f.originator_id: f.data for f in facts if f.type == "Provider.NamesTranslated"}
    assert len(registered) == summary.counts["providers"] > 60
    assert names.keys() == registered.keys()
    cyrillic = re.compile(r"^[А-Яа-яЁёӨөҮүҢң0-9 ,.()«»'-]+$")
    for key in ("name_ky", "name_ru"):
        texts = [n[key] for n in names.values()]
        assert all(cyrillic.match(text) for text in texts), texts
        assert len(set(texts)) == len(texts)  # no two providers named alike
    by_code = {data["code"]: names[pid] for pid, data in registered.items()}
    assert by_code["RONO-SOKULUK"] == {
        "name_ky": "Сокулук районунун билим берүү бөлүмү",
        "name_ru": "Сокулукский районный отдел образования",
    }
