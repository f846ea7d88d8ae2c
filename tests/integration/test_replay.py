"""Replay: the registry as known at a moment, rebuilt in a separate database, and the
"as known at" answers of the live registry checked against it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import psycopg
import pytest
from click.testing import CliRunner

from registry.application import Registry
from registry.bootstrap import initialise
from registry.cli import cli
from registry.domain.clock import frozen_at
from registry.domain.errors import ConflictError, InvalidInputError, RegistryError
from registry.ledger.chain import chain
from registry.queries import Queries
from registry.replay import parse_moment, replay
from tests.builders import ADMIN, certified_teacher, provider, teacher
from tests.conftest import ENGINES, SECRET, drop_postgres_database, seeded_copy

UTC = UTC
A_PIN, B_PIN, C_PIN = "21505198500001", "10203199000002", "20101198800003"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def record_live(settings) -> None:
    """A history recorded over 2024 (frozen clocks), so that moments in between split it:
    certificates in March, a revocation and a correction in June, a new teacher in July;
    views rebuilt. Recorded once per worker and engine; each test has a copy."""
    from registry.bootstrap import open_worker

    with frozen_at(at(2024, 1, 10, 9)):
        initialise(settings)
    app = Registry(settings)
    try:
        _record(app)
        open_worker(app).rebuild()
    finally:
        app.close()


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    return seeded_copy(request, tmp_path, record_live)


@pytest.fixture
def live(settings):
    """A registry with the history of `record_live`."""
    app = Registry(settings)
    yield app
    app.close()


def _record(app: Registry) -> None:
    with frozen_at(at(2024, 3, 25, 10)):
        certified_teacher(app, number="KAE-2024-0001", pin=A_PIN, code="MATH-A")
        certified_teacher(app, number="KAE-2024-0002", pin=B_PIN, code="MATH-B")
    with frozen_at(at(2024, 6, 3, 11)):
        app.revoke_certificate(ADMIN, "KAE-2024-0001", reason="forged attendance sheet")
        app.record_legacy_certificate(
            ADMIN,
            pin=B_PIN,
            number="PAPER-2020-17",
            provider_code="KAE",
            title="Paper course",
            form="course",
            hours=80,
            issued_on=date(2020, 5, 1),
        )
    with frozen_at(at(2024, 7, 1, 12)):
        app.register_teacher(ADMIN, teacher(pin=C_PIN, full_name="Бакыт Токтогулов"))


@pytest.fixture
def target(request, tmp_path):
    """Makes URLs of databases that do not exist yet, on the live registry's engine (an
    SQLite file when none is given)."""
    made: list[str] = []

    def make(live: Registry | None = None) -> str:
        if live is None or live.db.embedded:
            url = f"sqlite:///{tmp_path / f'replayed-{len(made)}.db'}"
        else:
            server = request.getfixturevalue("postgres_server")
            url = f"{server.rsplit('/', 1)[0]}/registry_replay_{uuid.uuid4().hex[:12]}"
        made.append(url)
        return url

    yield make
    for url in made:
        if url.startswith("postgresql"):
            drop_postgres_database(url.rsplit("/", 1)[1])


def opened(live: Registry, url: str) -> Registry:
    import dataclasses

    return Registry(dataclasses.replace(live.settings, database_url=url))


def test_a_replay_holds_exactly_the_events_recorded_up_to_the_moment(live, target):
    url = target(live)

    report = replay(live, at(2024, 5, 1), url)

    replayed = opened(live, url)
    try:
        recorded = [p for batch in live.db.read_raw() for p in batch]
        kept = [e for e in recorded if e.position <= report.copy.last_position]
        copied = [e for batch in replayed.db.read_raw() for e in batch]
        assert [(e.position, bytes(e.state)) for e in copied] == [
            (e.position, bytes(e.state)) for e in kept
        ]
        assert report.copy.later == len(recorded) - len(kept) > 0
        assert report.copy.is_prefix
        # Same positions and bytes, so the same chain: the ledger head then is provable now.
        assert report.ledger_head == {"position": kept[-1].position, "hash": chain(kept).hex()}
        assert report.rebuilt_events == len(kept)
    finally:
        replayed.close()


# PostgreSQL only: SQLite's file is never vacuumed (its positions are rowids).
@pytest.mark.parametrize("database_url", ENGINES[1:], indirect=True)
def test_a_replay_on_postgresql_leaves_its_views_vacuumed_and_its_log_only_analysed(live, target):
    url = target(live)

    replay(live, at(2024, 5, 1), url)

    with psycopg.connect(url, autocommit=True) as conn:
        rows = dict(
            conn.execute(
                "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('standing_dirty', 'teachers', 'registry_events')"
            ).fetchall()
        )
    assert rows == {"standing_dirty": True, "teachers": True, "registry_events": False}


def test_a_revocation_recorded_later_shows_as_compliant_then_and_overdue_now(live, target):
    report = replay(live, at(2024, 5, 1), target(live))

    comparison = report.comparison
    assert comparison.as_of == [date(2024, 5, 1)]
    assert (comparison.teachers, comparison.registered_later) == (2, 1)
    changed = {d.pin: d for d in comparison.differences}
    assert set(changed) == {A_PIN, B_PIN}
    a = changed[A_PIN]
    assert (a.then["status"], a.now["status"]) == ("compliant", "overdue")
    assert (a.then["hours"], a.now["hours"]) == (72, 0)
    assert any(
        "certificate KAE-2024-0001 revoked 2024-06-03" in r.text
        and "forged attendance sheet" in r.text
        for r in a.affecting
    )
    b = changed[B_PIN]  # still compliant, but with more hours and a paper certificate
    assert (b.then["status"], b.now["status"]) == ("compliant", "compliant")
    assert (b.then["hours"], b.now["hours"]) == (72, 152)
    assert any("legacy certificate PAPER-2020-17 (80 h" in r.text for r in b.affecting)


def test_a_policy_version_adopted_later_is_named_for_every_teacher_it_changes(live, target):
    with frozen_at(at(2024, 6, 10)):
        live.adopt_policy(
            ADMIN, effective_from=date(2024, 6, 1), window_years=1, required_hours=100
        )

    report = replay(live, at(2024, 5, 1), target(live), as_of=[date(2024, 7, 1)])

    comparison = report.comparison
    assert comparison.policy_changed and comparison.compared == comparison.teachers == 2
    changed = {d.pin: d for d in comparison.differences}
    b = changed[B_PIN]
    assert (b.then["status"], b.then["required_hours"]) == ("compliant", 72)
    assert (b.now["status"], b.now["required_hours"]) == ("overdue", 100)
    assert any(
        "policy adopted 2024-06-10" in r.text and "100 h in 1 years" in r.text for r in b.affecting
    )


def later_facts_that_change_nothing(live: Registry) -> None:
    """After the revocation of June: a paper certificate issued in July (after the date
    compared), a transfer, and a certificate recorded and revoked in August."""
    with frozen_at(at(2024, 8, 1, 9)):
        live.record_legacy_certificate(
            ADMIN,
            pin=A_PIN,
            number="PAPER-2024-5",
            provider_code="KAE",
            title="Summer school",
            form="seminar",
            hours=40,
            issued_on=date(2024, 7, 15),
        )
        live.transfer_teacher(
            ADMIN,
            A_PIN,
            region="KG-GB",
            district="Leninsky",
            school="Lyceum 61",
            effective_on=date(2024, 7, 20),
        )
    with frozen_at(at(2024, 8, 2, 9)):
        live.record_legacy_certificate(
            ADMIN,
            pin=A_PIN,
            number="PAPER-2023-9",
            provider_code="KAE",
            title="Recorded in error",
            form="course",
            hours=72,
            issued_on=date(2023, 9, 1),
        )
    with frozen_at(at(2024, 8, 2, 10)):
        live.revoke_certificate(ADMIN, "PAPER-2023-9", reason="another teacher's")
    from registry.bootstrap import open_worker

    open_worker(live).catch_up()


def test_the_facts_that_changed_an_answer_come_first_and_the_rest_change_nothing(live, target):
    later_facts_that_change_nothing(live)

    report = replay(live, at(2024, 5, 1), target(live))

    a = {d.pin: d for d in report.comparison.differences}[A_PIN]
    assert (a.then["hours"], a.now["hours"]) == (72, 0)
    # The revocation turned 72 h into none; it is listed first, however recorded.
    assert [r.text.split(" recorded")[0] for r in a.affecting] == [
        "certificate KAE-2024-0001 revoked 2024-06-03T11:00:00+00:00: forged attendance sheet"
    ]
    assert a.reasons[: len(a.affecting)] == a.affecting
    rest = [r.type for r in a.unaffecting]
    # The enrolment reopened by the revocation, a certificate issued after the date
    # compared, a transfer, and a certificate recorded and revoked since (together they
    # change nothing).
    assert rest == [
        "Enrolment.CertificateRevoked",
        "Certificate.LegacyRecorded",
        "Teacher.Transferred",
        "Certificate.LegacyRecorded",
        "Certificate.Revoked",
    ]
    assert [r.recorded_at for r in a.unaffecting] == sorted(r.recorded_at for r in a.unaffecting)


def test_on_a_later_date_the_certificate_issued_since_is_what_changed_the_answer(live, target):
    later_facts_that_change_nothing(live)

    report = replay(live, at(2024, 5, 1), target(live), as_of=[date(2024, 12, 1)])

    a = {d.pin: d for d in report.comparison.differences}[A_PIN]
    assert (a.then["hours"], a.now["hours"]) == (72, 40)
    assert {r.text.split(" (")[0] for r in a.affecting} == {
        "certificate KAE-2024-0001 revoked 2024-06-03T11:00:00+00:00: forged attendance sheet",
        "legacy certificate PAPER-2024-5",
    }
    assert {r.type for r in a.unaffecting} == {
        "Enrolment.CertificateRevoked",
        "Teacher.Transferred",
        "Certificate.LegacyRecorded",
        "Certificate.Revoked",
    }


def test_a_replay_after_everything_finds_no_difference(live, target):
    report = replay(live, at(2024, 12, 31), target(live), as_of=[date(2024, 12, 31)])
    assert report.copy.later == 0 and report.copy.is_prefix
    assert report.comparison.differences == []
    assert report.comparison.teachers == 3


@pytest.mark.parametrize(
    "known_at", [at(2024, 3, 1), at(2024, 5, 1), at(2024, 6, 15), at(2024, 12, 31)]
)
def test_as_known_at_answers_equal_the_answers_of_a_replay_until_that_moment(
    live, target, known_at
):
    url = target(live)
    replay(live, known_at, url, compare_answers=False)
    replayed = opened(live, url)
    try:
        now, then = Queries(live), Queries(replayed)
        for pin in (A_PIN, B_PIN, C_PIN):
            for day in (date(2024, 3, 1), date(2024, 5, 1), date(2026, 1, 1), date(2029, 3, 21)):
                assert answer(now, pin, day, known_at) == answer(then, pin, day, None), (
                    pin,
                    day,
                    known_at,
                )
    finally:
        replayed.close()


@pytest.mark.parametrize("known_at", [at(2024, 5, 1), at(2024, 6, 15)])
def test_the_event_log_as_known_at_a_moment_is_the_log_of_a_replay_until_then(
    live, target, known_at
):
    url = target(live)
    replay(live, known_at, url, compare_answers=False)
    replayed = opened(live, url)
    try:
        then = Queries(replayed).events(after=0, limit=1000)
        assert (
            Queries(live).events(after=0, limit=1000, recorded_to=known_at)["events"]
            == then["events"]
        )
        assert then["events"] and then["next"] == then["events"][-1]["position"]
    finally:
        replayed.close()


def answer(queries: Queries, pin: str, day: date, known_at: datetime | None):
    from registry.domain.errors import NotFoundError

    try:
        result = queries.compliance(pin, as_of=day, known_at=known_at)
    except NotFoundError:
        return "not registered"
    result.pop("known_at")
    return result


def test_events_are_chosen_by_recorded_time_not_by_position(live, target):
    # A late entry stamped earlier than events before it (a clock set back, say).
    with frozen_at(at(2024, 4, 20)):
        provider(live, "OBL", kind="oblast_institute", region="KG-O")
    url = target(live)
    report = replay(live, at(2024, 5, 1), url, compare_answers=False)
    replayed = opened(live, url)
    try:
        topics = [e.topic for b in replayed.db.read_raw() for e in b]
        assert topics[-1].endswith("Provider.Registered")
        assert not report.copy.is_prefix
    finally:
        replayed.close()


def test_replaying_into_the_live_database_is_refused(live, database_url):
    before = live.max_position()
    with pytest.raises(InvalidInputError, match="separate database"):
        replay(live, at(2024, 5, 1), database_url)
    assert live.max_position() == before


def test_replaying_into_a_database_that_holds_a_registry_is_refused(live, target):
    url = target(live)
    replay(live, at(2024, 5, 1), url, compare_answers=False)
    replayed = opened(live, url)
    head = replayed.max_position()
    replayed.close()

    with pytest.raises(ConflictError, match=r"not empty|already holds"):
        replay(live, at(2024, 12, 31), url)

    replayed = opened(live, url)
    assert replayed.max_position() == head
    replayed.close()


def test_a_moment_without_a_time_zone_is_refused(live, target):
    with pytest.raises(InvalidInputError):
        replay(live, datetime(2024, 5, 1), target())


def test_moments_from_the_command_line_are_read_as_the_api_reads_them():
    assert parse_moment("2024-05-01T06:00:00+06:00") == at(2024, 5, 1)
    assert parse_moment("2024-05-01T00:00:00Z") == at(2024, 5, 1)
    assert parse_moment("2024-05-01T00:00:00 06:00") == at(2024, 4, 30, 18)  # a + lost in a URL
    assert parse_moment("2024-05-01") == datetime(2024, 5, 1, 17, 59, 59, 999999, tzinfo=UTC)
    # What known_at refuses, --until refuses, naming itself: a time without an offset is
    # ambiguous (Bishkek or UTC?), and words or impossible dates are not moments.
    for text, code in (
        ("2024-05-01T00:00:00", "known_at_without_offset"),
        ("yesterday", "invalid_known_at"),
        ("2024-02-30", "invalid_moment"),
        ("2024-05-01T25:00:00Z", "invalid_known_at"),
        ("2999-01-01T00:00:00+06:00", "known_at_in_future"),  # nothing known of it yet
        ("2999-01-01", "known_at_in_future"),
    ):
        with pytest.raises(RegistryError) as refused:
            parse_moment(text)
        assert (list(refused.value.fields), refused.value.code) == (["until"], code), text


def test_registry_replay_prints_each_teacher_whose_answer_changed_and_why(
    live, target, database_url, tmp_path
):
    url = target(live)
    env = {"REGISTRY_INSTANCE_PATH": str(tmp_path / "cli"), "REGISTRY_SECRET_KEY": SECRET.decode()}

    result = CliRunner().invoke(
        cli,
        ["--database", database_url, "replay", "--until", "2024-05-01T00:00:00Z", "--into", url],
        env=env,
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    assert "compliant -> overdue: 1" in result.output
    assert A_PIN in result.output and "revoked 2024-06-03" in result.output


def test_registry_replay_lists_what_changed_an_answer_before_what_changed_nothing(
    live, target, database_url, tmp_path
):
    later_facts_that_change_nothing(live)
    env = {"REGISTRY_INSTANCE_PATH": str(tmp_path / "cli"), "REGISTRY_SECRET_KEY": SECRET.decode()}
    command = ["--database", database_url, "replay", "--until", "2024-05-01T00:00:00Z"]

    text = CliRunner().invoke(cli, [*command, "--into", target(live)], env=env)
    as_json = CliRunner().invoke(cli, [*command, "--into", target(live), "--json"], env=env)

    assert text.exit_code == 0 and as_json.exit_code == 0, text.output + as_json.output
    lines = text.output.split(f"{A_PIN} ", 1)[1].splitlines()
    assert "compliant (72 h) -> overdue (0 h)" in lines[0]
    assert lines[1].startswith("    certificate KAE-2024-0001 revoked 2024-06-03")
    assert lines[2] == "    also recorded later, not affecting this answer (5):"
    assert lines[3].startswith("      enrolment reopened: KAE-2024-0001 revoked")
    assert lines[4].startswith("      legacy certificate PAPER-2024-5 (40 h, issued 2024-07-15)")
    report = json.loads(as_json.output[as_json.output.index("{") :])
    (a,) = [d for d in report["comparison"]["differences"] if d["pin"] == A_PIN]
    assert [(r["type"], r["affects_answer"]) for r in a["reasons"]] == [
        ("Certificate.Revoked", True),
        ("Enrolment.CertificateRevoked", False),
        ("Certificate.LegacyRecorded", False),
        ("Teacher.Transferred", False),
        ("Certificate.LegacyRecorded", False),
        ("Certificate.Revoked", False),
    ]
    assert "revoked 2024-06-03" in a["reasons"][0]["text"]


def test_registry_replay_refuses_a_bad_moment_without_touching_the_target(
    live, target, database_url, tmp_path
):
    url = target()
    env = {"REGISTRY_INSTANCE_PATH": str(tmp_path / "cli"), "REGISTRY_SECRET_KEY": SECRET.decode()}
    result = CliRunner().invoke(
        cli, ["--database", database_url, "replay", "--until", "soon", "--into", url], env=env
    )
    assert result.exit_code != 0
    assert "until must be a date and time with a UTC offset" in result.output
    assert not (tmp_path / url.rsplit("/", 1)[1]).exists()
