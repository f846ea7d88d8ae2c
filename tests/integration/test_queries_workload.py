"""A provider's workload: enrolments, assessments, withdrawals, certificates and hours by period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from registry.domain.clock import frozen_at
from registry.domain.errors import InvalidInputError, NotFoundError
from tests.builders import ADMIN, OTHER_PIN, PIN, programme, provider, teacher
from tests.readside import caught_up

THIRD_PIN = "20101197000022"
MARCH_25 = datetime(2024, 3, 25, 6, 0, tzinfo=UTC)
APRIL_10 = datetime(2024, 4, 10, 6, 0, tzinfo=UTC)


def a_spring_of_work(registry) -> None:
    """Three teachers: one certified in March, one failed then certified (and revoked), one
    who withdrew from a distance seminar in April."""
    with frozen_at(MARCH_25):
        provider(registry)
        for pin in (PIN, OTHER_PIN, THIRD_PIN):
            registry.register_teacher(ADMIN, teacher(pin=pin))
        course = registry.register_programme(ADMIN, programme()).data
        a = registry.enrol(ADMIN, course["id"], PIN).data
        registry.assess(ADMIN, a["id"], passed=True, assessed_on=date(2024, 3, 21), score=90)
        registry.issue_certificate(ADMIN, a["id"], number="K-1", issued_on=date(2024, 3, 21))
        b = registry.enrol(ADMIN, course["id"], OTHER_PIN).data
        registry.assess(ADMIN, b["id"], passed=False, assessed_on=date(2024, 3, 22), score=20)
    with frozen_at(APRIL_10):
        registry.assess(ADMIN, b["id"], passed=True, assessed_on=date(2024, 4, 2), score=75)
        registry.issue_certificate(ADMIN, b["id"], number="K-2", issued_on=date(2024, 4, 3))
        registry.revoke_certificate(ADMIN, "K-2", reason="exam paper lost")
        seminar = registry.register_programme(
            ADMIN,
            programme(
                code="SEM-16",
                form="seminar",
                mode="distance",
                funding="contract",
                hours=16,
                assessment="none",
                starts_on=date(2024, 4, 1),
                ends_on=date(2024, 4, 5),
            ),
        ).data
        c = registry.enrol(ADMIN, seminar["id"], THIRD_PIN).data
        registry.withdraw(ADMIN, c["id"], effective_on=date(2024, 4, 5), reason="illness")
        registry.record_legacy_certificate(
            ADMIN,
            pin=THIRD_PIN,
            number="PAPER-9",
            provider_code="KAE",
            title="Old seminar",
            form="seminar",
            hours=24,
            issued_on=date(2024, 3, 5),
        )


def test_workload_counts_the_spring_by_month_and_form(registry):
    a_spring_of_work(registry)
    report = caught_up(registry).workload("KAE", date(2024, 3, 1), date(2024, 4, 30))
    # Completions: programmes finished with a valid certificate; certificates also count
    # the paper one recorded for the provider.
    assert report["totals"] == {
        "enrolments": 3,
        "withdrawals": 1,
        "assessments": 3,
        "passed": 2,
        "failed": 1,
        "pass_rate": 0.6667,
        "completions": 1,
        "certificates": 2,
        "hours_delivered": 96,
    }
    march, april = report["by_month"]
    assert (
        march["month"],
        march["enrolments"],
        march["assessments"],
        march["completions"],
        march["certificates"],
        march["hours_delivered"],
    ) == ("2024-03", 2, 2, 1, 2, 96)
    assert (
        april["month"],
        april["enrolments"],
        april["withdrawals"],
        april["assessments"],
        april["certificates"],
    ) == ("2024-04", 1, 1, 1, 0)
    assert report["by_form"]["seminar"]["withdrawals"] == 1
    assert report["by_form"]["course"]["pass_rate"] == 0.6667
    assert report["by_mode"]["distance"]["enrolments"] == 1
    assert report["by_funding"]["state"]["hours_delivered"] == 72
    assert (report["from"], report["to"]) == (date(2024, 3, 1), date(2024, 4, 30))


def test_workload_is_limited_to_the_dates_asked_for(registry):
    a_spring_of_work(registry)
    queries = caught_up(registry)
    april = queries.workload("KAE", date(2024, 4, 1), date(2024, 4, 30))["totals"]
    assert (april["enrolments"], april["assessments"], april["certificates"]) == (1, 1, 0)
    empty = queries.workload("KAE", date(2023, 1, 1), date(2023, 2, 28))
    assert empty["totals"]["enrolments"] == 0 and empty["totals"]["pass_rate"] is None
    assert [m["month"] for m in empty["by_month"]] == ["2023-01", "2023-02"]


def test_workload_refuses_an_unknown_provider_or_a_reversed_range(registry):
    a_spring_of_work(registry)
    queries = caught_up(registry)
    with pytest.raises(NotFoundError):
        queries.workload("NOPE", date(2024, 1, 1), date(2024, 12, 31))
    with pytest.raises(InvalidInputError):
        queries.workload("KAE", date(2024, 12, 31), date(2024, 1, 1))


def test_providers_and_programmes_are_listed(registry):
    a_spring_of_work(registry)
    registry.suspend_provider(ADMIN, "KAE", reason="licence expired")
    queries = caught_up(registry)
    assert queries.provider("KAE") == {
        "code": "KAE",
        "name": "Provider KAE",
        "kind": "academy",
        "region": "KG-GB",
        "suspended": True,
        "suspension_reason": "licence expired",
        "name_ky": None,  # no Kyrgyz or Russian name given: the pages fall back to `name`
        "name_ru": None,
    }
    assert [p["code"] for p in queries.providers()] == ["KAE"]
    programmes = queries.programmes("KAE")
    assert {p["code"] for p in programmes} == {"MATH-72", "SEM-16"}
    one = queries.programme(programmes[0]["id"])
    assert one == programmes[0] and isinstance(one["starts_on"], date)
    with pytest.raises(NotFoundError):
        queries.programmes("NOPE")
    with pytest.raises(NotFoundError):
        queries.programme("not-an-id")


def test_workload_refuses_a_span_of_more_than_a_century_or_outside_the_calendar(registry):
    provider(registry)
    queries = caught_up(registry)
    assert (
        len(queries.workload("KAE", date(1950, 1, 1), date(2050, 12, 31))["by_month"]) == 101 * 12
    )
    with pytest.raises(InvalidInputError) as caught:
        queries.workload("KAE", date(1900, 1, 1), date(2999, 12, 31))
    assert caught.value.code == "range_too_long"
    with pytest.raises(InvalidInputError) as caught:
        queries.workload("KAE", date(1, 1, 1), date(1, 12, 31))
    assert caught.value.code == "date_out_of_range"
