"""Which facts recorded after a moment changed a teacher's answer, judged by the pure rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from registry.domain.compliance import CertificateFact, DepartureFact, PolicyVersion
from registry.queries.explain import RuleInputs, ServiceStart

K = datetime(2024, 5, 1, tzinfo=UTC)  # the moment compared with now
BEFORE = datetime(2024, 3, 1, tzinfo=UTC)
AFTER = datetime(2024, 6, 1, tzinfo=UTC)
LATER = datetime(2024, 7, 1, tzinfo=UTC)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
D = date(2024, 4, 1)  # the date compared
INITIAL = PolicyVersion(date(2000, 1, 1), 5, 72, datetime(2000, 1, 1, tzinfo=UTC))


def certificate(number: str, hours: int = 72, **changes) -> CertificateFact:
    values = {
        "number": number,
        "hours": hours,
        "issued_on": date(2023, 9, 1),
        "recorded_at": BEFORE,
        "revoked_at": None,
    }
    return CertificateFact(**{**values, **changes})


def inputs(*certificates, departures=(), policies=(), starts=None) -> RuleInputs:
    return RuleInputs(
        service_starts=tuple(starts or [ServiceStart(1, date(2010, 9, 1), BEFORE)]),
        certificates=tuple(certificates),
        departures=tuple(departures),
        policies=(INITIAL, *policies),
    )


def test_a_revocation_of_a_certificate_known_then_changed_the_answer():
    facts = inputs(certificate("A", revoked_at=AFTER))
    assert facts.changing_parts(D, K, NOW) == {("certificate", "A")}


def test_a_certificate_issued_after_the_date_compared_changed_nothing():
    facts = inputs(
        certificate("A"), certificate("B", issued_on=date(2027, 1, 1), recorded_at=AFTER)
    )
    assert facts.parts_after(K) == {("certificate", "B")}
    assert facts.changing_parts(D, K, NOW) == set()


def test_a_certificate_recorded_and_revoked_since_changed_nothing():
    facts = inputs(certificate("B", recorded_at=AFTER, revoked_at=LATER))
    assert facts.changing_parts(D, K, NOW) == set()


def test_a_certificate_recorded_since_that_counts_on_the_date_changed_the_answer():
    facts = inputs(certificate("A", hours=24), certificate("B", hours=40, recorded_at=AFTER))
    assert facts.changing_parts(D, K, NOW) == {("certificate", "B")}


def test_a_departure_changed_the_answer_only_if_effective_by_the_date_compared():
    gone = DepartureFact(date(2024, 2, 1), AFTER)
    assert inputs(departures=[gone]).changing_parts(D, K, NOW) == {("departure",)}
    leaving = DepartureFact(date(2024, 9, 1), AFTER)
    assert inputs(departures=[leaving]).changing_parts(D, K, NOW) == set()


def test_a_policy_version_changed_the_answer_only_if_in_force_on_the_date_compared():
    stricter = PolicyVersion(date(2024, 1, 1), 1, 100, AFTER)
    assert inputs(certificate("A"), policies=[stricter]).changing_parts(D, K, NOW) == {
        ("policy", "2024-06-01T00:00:00.000000Z", date(2024, 1, 1))
    }
    from_next_year = PolicyVersion(date(2025, 1, 1), 1, 100, AFTER)
    assert inputs(certificate("A"), policies=[from_next_year]).changing_parts(D, K, NOW) == set()


def test_a_corrected_service_start_changed_the_answer_when_it_moved_the_grace_period():
    starts = [ServiceStart(1, date(2010, 9, 1), BEFORE), ServiceStart(9, date(2022, 9, 1), AFTER)]
    assert inputs(starts=starts).changing_parts(D, K, NOW) == {("service_start", 9)}


def test_when_either_of_two_later_facts_alone_is_enough_both_are_named():
    # Two versions adopted since, each demanding 100 h from 2024: without either one the
    # other still does, so neither alone made the difference; both are named.
    first = PolicyVersion(date(2024, 1, 1), 1, 100, AFTER)
    second = PolicyVersion(date(2024, 2, 1), 1, 100, LATER)
    facts = inputs(certificate("A"), policies=[first, second])
    assert len(facts.changing_parts(D, K, NOW)) == 2
