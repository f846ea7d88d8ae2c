"""Every read about a teacher as known at a moment: what was recorded later is not there.

One history, recorded at frozen moments from T0: a teacher registered, certified and
given a paper certificate, the paper one revoked and the course certificate replaced by
a duplicate, the name and PIN corrected and the teacher transferred, an enrolment
withdrawn, and the teacher's departure. Each read as known at a moment in between must
show the registry as it then stood.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.domain.clock import frozen_at
from registry.domain.errors import NotFoundError, RuleViolationError
from tests.builders import (
    ADMIN,
    PIN,
    certified_teacher,
    programme,
    store_malformed_transfer,
    teacher,
)
from tests.conftest import ENGINES, seeded_copy
from tests.readside import T0, at, caught_up

NEW_PIN = "21505198599999"


def record_history(settings) -> None:
    """The history above (begun the day before T0), views caught up: recorded once per
    worker and engine, each test reads (and may add to) a copy of it."""
    from registry.application import Registry
    from registry.bootstrap import initialise

    with frozen_at(T0 - timedelta(days=1)):
        initialise(settings)
    app = Registry(settings)
    try:
        _record(app)
        caught_up(app)
    finally:
        app.close()


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    return seeded_copy(request, tmp_path, record_history)


@pytest.fixture
def history(settings):
    """The registry with the history above, views caught up."""
    from registry.application import Registry

    app = Registry(settings)
    yield app, caught_up(app)
    app.close()


def _record(app) -> None:
    with frozen_at(at(0)):
        app.register_teacher(ADMIN, teacher(full_name="Айгүл Асанова", school="School No. 3"))
    with frozen_at(at(1)):
        certified_teacher(app, number="KAE-2024-0001")
        app.record_legacy_certificate(
            ADMIN,
            pin=PIN,
            number="OLD-1",
            provider_code="KAE",
            title="Paper course",
            form="course",
            hours=72,
            issued_on=date(2021, 6, 1),
        )
        other = app.register_programme(ADMIN, programme(code="ART-24")).data
        app.enrol(ADMIN, other["id"], PIN)
    with frozen_at(at(2)):
        app.revoke_certificate(ADMIN, "OLD-1", reason="forged")
        app.issue_duplicate(
            ADMIN, "KAE-2024-0001", number="KAE-2024-0001-D", issued_on=date(2024, 9, 1)
        )
    with frozen_at(at(3)):
        app.correct_teacher(ADMIN, PIN, {"pin": NEW_PIN, "full_name": "Айгүл Токтогулова"})
        app.transfer_teacher(
            ADMIN,
            NEW_PIN,
            region="KG-GB",
            district="Leninsky",
            school="Lyceum 61",
            effective_on=date(2024, 9, 1),
        )
        app.withdraw(
            ADMIN,
            _enrolment_id(app, other["id"]),
            effective_on=date(2024, 10, 1),
            reason="moved away",
        )
    with frozen_at(at(4)):
        app.record_departure(ADMIN, NEW_PIN, effective_on=date(2024, 12, 31), reason="retired")


def _enrolment_id(app, programme_id) -> str:
    from registry.domain.enrolment import Enrolment

    return str(Enrolment.id_for(programme_id, app.teacher_id_for_pin(PIN)))


def test_the_profile_is_as_it_stood_at_the_moment(history):
    _, queries = history
    then = queries.teacher(PIN, known_at=at(2.5))
    assert (then["pin"], then["previous_pins"], then["full_name"]) == (PIN, [], "Айгүл Асанова")
    assert (then["region"], then["school"], then["departed_on"]) == ("KG-C", "School No. 3", None)
    later = queries.teacher(PIN, known_at=at(3))
    assert (later["pin"], later["previous_pins"]) == (NEW_PIN, [PIN])
    assert (later["full_name"], later["school"]) == ("Айгүл Токтогулова", "Lyceum 61")
    assert later["departed_on"] is None
    assert queries.teacher(NEW_PIN, known_at=at(4))["departed_on"] == date(2024, 12, 31)
    assert queries.teacher(NEW_PIN) == queries.teacher(NEW_PIN, known_at=at(5))


def test_a_pin_not_yet_known_is_not_found_and_says_only_that(history):
    _, queries = history
    for read in (
        lambda: queries.teacher(NEW_PIN, known_at=at(2.5)),
        lambda: queries.compliance(NEW_PIN, date(2025, 1, 1), known_at=at(2.5)),
        lambda: queries.teacher_history(NEW_PIN, known_at=at(2.5)),
        lambda: queries.teacher(PIN, known_at=at(-1)),
        lambda: queries.teacher("10203199000011", known_at=at(2.5)),  # never registered
    ):
        with pytest.raises(NotFoundError) as unknown:
            read()
        assert unknown.value.code == "teacher_not_found"
        assert "was known at" in unknown.value.message


def test_certificates_show_only_what_was_recorded_by_then_with_their_status_then(history):
    _, queries = history

    def statuses(moment):
        found = queries.teacher_certificates(PIN, known_at=moment)
        return {c["number"]: (c["status"], c["replaced_by"]) for c in found}

    assert statuses(at(0.5)) == {}
    assert statuses(at(1)) == {"KAE-2024-0001": ("valid", []), "OLD-1": ("valid", [])}
    assert statuses(at(2)) == {
        "KAE-2024-0001": ("duplicate_issued", ["KAE-2024-0001-D"]),
        "KAE-2024-0001-D": ("valid", []),
        "OLD-1": ("revoked", []),
    }
    paper = queries.certificate("OLD-1", known_at=at(2) - timedelta(microseconds=1))
    assert (paper["status"], paper["revoked_at"], paper["revocation_reason"]) == (
        "valid",
        None,
        None,
    )
    assert queries.certificate("OLD-1", known_at=at(2))["revoked_at"] == at(2)
    # The teacher's name and PIN on a certificate are those of the moment too.
    assert queries.certificate("OLD-1", known_at=at(2.5))["full_name"] == "Айгүл Асанова"
    assert queries.certificate("OLD-1", known_at=at(3))["pin"] == NEW_PIN
    with pytest.raises(NotFoundError) as unknown:
        queries.certificate("KAE-2024-0001-D", known_at=at(1.5))
    assert unknown.value.code == "certificate_not_found" and "was known at" in unknown.value.message


def test_enrolments_have_their_status_as_of_the_moment(history):
    _, queries = history

    def statuses(moment):
        return sorted(
            (e["programme_code"], e["status"])
            for e in queries.teacher_enrolments(PIN, known_at=moment)
        )

    assert statuses(at(0.5)) == []
    assert statuses(at(1)) == [("ART-24", "enrolled"), ("MATH-72", "certified")]
    assert statuses(at(3)) == [("ART-24", "withdrawn"), ("MATH-72", "certified")]


def test_compliance_and_history_as_known_then(history):
    _, queries = history
    on = date(2024, 6, 1)
    assert queries.compliance(PIN, on, known_at=at(1.5))["hours"] == 144
    assert queries.compliance(PIN, on, known_at=at(2))["hours"] == 72
    assert queries.compliance(PIN, date(2025, 1, 1), known_at=at(4))["status"] == "inactive"
    events = queries.teacher_history(PIN, known_at=at(2))
    assert events and all(e["recorded_at"] <= at(2) for e in events)
    assert "Certificate.Revoked" in {e["type"] for e in events}
    assert "Teacher.Corrected" not in {e["type"] for e in events}
    everything = queries.teacher_history(NEW_PIN)
    assert [e for e in everything if e["recorded_at"] <= at(2)] == events


def test_the_dossier_reads_every_part_from_one_moment(history):
    _, queries = history
    parts = queries.dossier(PIN, as_of=date(2024, 6, 1), known_at=at(1), history=True)
    assert parts["teacher"] == queries.teacher(PIN, known_at=at(1))
    assert parts["certificates"] == queries.teacher_certificates(PIN, known_at=at(1))
    assert parts["enrolments"] == queries.teacher_enrolments(PIN, known_at=at(1))
    assert parts["history"] == queries.teacher_history(PIN, known_at=at(1))
    assert parts["compliance"] == queries.compliance(PIN, date(2024, 6, 1), known_at=at(1))


@pytest.mark.parametrize(
    ("known_at", "code"),
    [
        ("garbage", "invalid_known_at"),
        ("2025-03-03", "invalid_known_at"),
        ("2025-03-03T10:00", "known_at_without_offset"),
        ("2999-12-31T00:00:00+00:00", "known_at_in_future"),
        ("2001-01-01T00:00:00+06:00", "known_at_before_first_event"),
        ("0001-01-01T00:00:00+00:00", "date_out_of_range"),
    ],
)
def test_a_bad_moment_is_refused_naming_the_field(history, known_at, code):
    _, queries = history
    for read in (
        lambda: queries.teacher(PIN, known_at=known_at),
        lambda: queries.certificate("OLD-1", known_at=known_at),
        lambda: queries.compliance(PIN, known_at=known_at),
    ):
        with pytest.raises(RuleViolationError) as refused:
            read()
        assert (refused.value.code, list(refused.value.fields)) == (code, ["known_at"])


def test_a_moment_with_an_offset_means_the_same_instant_in_utc(history):
    _, queries = history
    bishkek = (at(2) + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S+06:00")
    assert queries.teacher_certificates(PIN, known_at=bishkek) == (
        queries.teacher_certificates(PIN, known_at=at(2))
    )


def test_records_the_views_have_not_applied_yet_are_known_all_the_same(history):
    app, queries = history
    with frozen_at(at(5)):
        app.record_legacy_certificate(
            ADMIN,
            pin=NEW_PIN,
            number="LATE-1",
            provider_code="KAE",
            title="Paper seminar",
            form="seminar",
            hours=8,
            issued_on=date(2019, 1, 1),
        )
    # No catch-up: the certificate index does not list it yet, the log does.
    assert "LATE-1" not in {c["number"] for c in queries.teacher_certificates(NEW_PIN)}
    then = queries.teacher_certificates(NEW_PIN, known_at=at(5))
    assert "LATE-1" in {c["number"] for c in then}


def test_an_event_the_views_set_aside_is_set_aside_as_known_then_too(history):
    app, queries = history
    with frozen_at(at(5)):
        store_malformed_transfer(app, NEW_PIN)
    queries = caught_up(app)
    now = queries.teacher(NEW_PIN)["incomplete"]
    # Views no teacher read looks at (the statistics, the standing and the activity
    # behind them).
    assert {d["view"] for d in now} == {"statistics", "standing", "activity"}
    assert queries.teacher(NEW_PIN, known_at=at(5))["incomplete"] == now
    assert queries.teacher(NEW_PIN, known_at=at(4))["incomplete"] == []
