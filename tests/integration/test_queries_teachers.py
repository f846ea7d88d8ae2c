"""Reading about a teacher: profile, search, compliance on any date as known at any time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from registry.domain.clock import frozen_at
from registry.domain.errors import InvalidInputError, NotFoundError, RuleViolationError
from tests.builders import ADMIN, OTHER_PIN, PIN, certified_teacher, programme, provider, teacher
from tests.readside import T0, at, caught_up

NEW_PIN = "21505198599999"


@pytest.fixture
def registry(settings):
    """A fresh registry begun the day before T0, so that the recorded times these tests
    freeze (from T0 on) follow its first event, as real recorded times do."""
    from registry.application import Registry
    from registry.bootstrap import initialise

    with frozen_at(T0 - timedelta(days=1)):
        initialise(settings)
    app = Registry(settings)
    yield app
    app.close()


def test_a_teacher_is_found_by_current_and_former_pin(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.correct_teacher(ADMIN, PIN, {"pin": NEW_PIN, "full_name": "Айгүл Токтогулова"})
    queries = caught_up(registry)
    by_old, by_new = queries.teacher(PIN), queries.teacher(NEW_PIN)
    assert by_old == by_new
    assert by_new["pin"] == NEW_PIN and by_new["previous_pins"] == [PIN]
    assert by_new["full_name"] == "Айгүл Токтогулова"
    assert by_new["service_start"] == date(2010, 9, 1)
    assert by_new["registered_at"].tzinfo is not None


def test_an_unknown_or_malformed_pin_is_reported(registry):
    queries = caught_up(registry)
    with pytest.raises(NotFoundError):
        queries.teacher(PIN)
    with pytest.raises(InvalidInputError):
        queries.teacher("12345")
    with pytest.raises(InvalidInputError):
        queries.compliance("not a pin")


def test_compliance_answers_in_the_spec_shape(registry):
    certified_teacher(registry, issued_on=date(2024, 3, 21))
    answer = caught_up(registry).compliance(PIN, as_of=date(2025, 1, 1))
    assert answer["status"] == "compliant"
    assert (answer["hours"], answer["required_hours"], answer["missing_hours"]) == (72, 72, 0)
    assert answer["next_due"] == date(2029, 3, 21)
    assert answer["certificates"] == [
        {
            "number": "KAE-2024-0001",
            "hours": 72,
            "issued_on": date(2024, 3, 21),
            "form": "course",
            "provider_code": "KAE",
            "counts": True,
        }
    ]
    assert answer["as_of"] == date(2025, 1, 1) and answer["known_at"].tzinfo is not None


def test_compliance_on_an_earlier_date_ignores_later_certificates(registry):
    certified_teacher(registry, issued_on=date(2024, 3, 21))
    queries = caught_up(registry)
    before = queries.compliance(PIN, as_of=date(2024, 3, 20))
    assert (before["status"], before["hours"], before["missing_hours"]) == ("overdue", 0, 72)
    assert before["certificates"][0]["counts"] is False


def test_a_teacher_registered_after_the_known_at_moment_is_not_found(registry):
    with frozen_at(at(0)):
        provider(registry)
    with frozen_at(at(1)):
        registry.register_teacher(ADMIN, teacher())
    queries = caught_up(registry)
    with pytest.raises(NotFoundError):
        queries.compliance(PIN, date(2025, 1, 1), known_at=at(0.5))
    assert queries.compliance(PIN, date(2025, 1, 1), known_at=at(1))["status"] == "overdue"


def test_facts_recorded_after_the_known_at_moment_are_invisible(registry):
    """A revocation, a service_start correction and a departure, each recorded later."""
    with frozen_at(at(0)):
        provider(registry)
        registry.register_teacher(ADMIN, teacher(service_start=date(2010, 9, 1)))
    with frozen_at(at(1)):
        registry.record_legacy_certificate(
            ADMIN,
            pin=PIN,
            number="OLD-1",
            provider_code="KAE",
            title="Course",
            form="course",
            hours=72,
            issued_on=date(2021, 6, 1),
        )
    with frozen_at(at(2)):
        registry.revoke_certificate(ADMIN, "OLD-1", reason="forged")
    with frozen_at(at(3)):
        registry.correct_teacher(ADMIN, PIN, {"service_start": date(2022, 9, 1)})
    with frozen_at(at(4)):
        registry.record_departure(ADMIN, PIN, effective_on=date(2024, 6, 30), reason="retired")
    queries = caught_up(registry)
    on = date(2025, 1, 1)

    def status(known_at: datetime) -> tuple:
        answer = queries.compliance(PIN, on, known_at)
        return answer["status"], answer["hours"], answer["next_due"]

    assert status(at(0)) == ("overdue", 0, None)
    assert status(at(1)) == ("compliant", 72, date(2026, 6, 1))
    assert status(at(2) - timedelta(microseconds=1)) == ("compliant", 72, date(2026, 6, 1))
    assert status(at(2)) == ("overdue", 0, None)
    assert status(at(3)) == ("grace", 0, date(2027, 9, 1))
    assert status(at(4)) == ("inactive", 0, None)
    assert queries.compliance(PIN, date(2024, 6, 29), at(4))["status"] == "grace"


def test_compliance_refuses_a_moment_without_a_time_zone(registry):
    registry.register_teacher(ADMIN, teacher())
    queries = caught_up(registry)
    with pytest.raises(RuleViolationError) as refused:
        queries.compliance(PIN, date(2025, 1, 1), known_at=datetime(2025, 1, 1))
    assert (refused.value.code, list(refused.value.fields)) == (
        "known_at_without_offset",
        ["known_at"],
    )
    with pytest.raises(InvalidInputError):
        queries.compliance(PIN, as_of=datetime(2025, 1, 1, 12))


def test_enrolments_show_their_status_and_live_certificate(registry):
    _, enrolment, cert = certified_teacher(registry)
    other = registry.register_programme(
        ADMIN, programme(code="SEM-1", form="seminar", hours=16)
    ).data
    failed = registry.enrol(ADMIN, other["id"], PIN).data
    registry.assess(ADMIN, failed["id"], passed=False, assessed_on=date(2024, 3, 25), score=31)
    queries = caught_up(registry)
    statuses = {
        e["id"]: (e["status"], e["certificate_number"]) for e in queries.teacher_enrolments(PIN)
    }
    assert statuses == {
        enrolment["id"]: ("certified", cert["number"]),
        failed["id"]: ("failed", None),
    }
    assert {e["assessment"] for e in queries.teacher_enrolments(PIN)} == {"exam"}

    registry.revoke_certificate(ADMIN, cert["number"], reason="wrong hours")
    queries = caught_up(registry)
    reopened = next(e for e in queries.teacher_enrolments(PIN) if e["id"] == enrolment["id"])
    assert (reopened["status"], reopened["certificate_number"]) == ("passed", None)


def test_history_lists_every_event_about_the_teacher_oldest_first(registry):
    _, _enrolment, _cert = certified_teacher(registry)
    registry.correct_teacher(ADMIN, PIN, {"pin": NEW_PIN})
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))  # someone else
    history = caught_up(registry).teacher_history(NEW_PIN)
    types = [event["type"] for event in history]
    assert types == [
        "Teacher.Registered",
        "PinIndex.Created",
        "Enrolment.Enrolled",
        "Enrolment.Assessed",
        "Enrolment.Certified",
        "Certificate.Issued",
        "Teacher.Corrected",
        "PinIndex.Created",
    ]
    positions = [event["position"] for event in history]
    assert positions == sorted(positions)
    assert history[0]["actor"]["name"] == "admin"
    assert history[0]["data"]["service_start"] == "2010-09-01"
    assert history[0]["recorded_at"].tzinfo is not None
