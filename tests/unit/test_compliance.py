"""The compliance rule, read as the product contract: on day D, as known at moment K."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.compliance import (
    DUE_SOON_DAYS,
    INITIAL_POLICY,
    STATUSES,
    CertificateFact,
    Compliance,
    CountedCertificate,
    DepartureFact,
    PolicyVersion,
    evaluate,
    policy_in_force,
)
from registry.domain.dates import add_years

UTC = UTC

# Facts are recorded long before the default moment of knowledge unless a test says otherwise.
RECORDED = datetime(2000, 1, 2, tzinfo=UTC)
KNOWN = datetime(2090, 1, 1, tzinfo=UTC)
LONG_SERVING = date(2000, 1, 1)  # service started so long ago that grace is over


def at(year: int, month: int = 1, day: int = 1, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def cert(
    number: str,
    hours: int,
    issued_on: date,
    *,
    recorded_at: datetime = RECORDED,
    revoked_at: datetime | None = None,
    duplicate_of: str | None = None,
    form: str = "course",
    provider_code: str = "",
) -> CertificateFact:
    return CertificateFact(
        number=number,
        hours=hours,
        issued_on=issued_on,
        recorded_at=recorded_at,
        revoked_at=revoked_at,
        duplicate_of=duplicate_of,
        form=form,
        provider_code=provider_code,
    )


def judge(
    *certificates: CertificateFact,
    as_of: date,
    known_at: datetime = KNOWN,
    service_start: date = LONG_SERVING,
    departures: tuple[DepartureFact, ...] = (),
    policies: tuple[PolicyVersion, ...] = (INITIAL_POLICY,),
) -> Compliance:
    return evaluate(
        service_start=service_start,
        certificates=certificates,
        departures=departures,
        policies=policies,
        as_of=as_of,
        known_at=known_at,
    )


def counts_of(result: Compliance) -> dict[str, bool]:
    return {c.number: c.counts for c in result.certificates}


# --- the law's two paths (W=5, H=72) -----------------------------------------


def test_the_initial_policy_is_seventy_two_hours_within_five_years_since_2000():
    assert (
        PolicyVersion(date(2000, 1, 1), 5, 72, datetime(2000, 1, 1, tzinfo=UTC)) == INITIAL_POLICY
    )


def test_one_course_of_seventy_two_hours_makes_a_teacher_compliant():
    result = judge(cert("C-1", 72, date(2023, 3, 1)), as_of=date(2024, 1, 1))
    assert result.status == "compliant"
    assert result.hours == 72
    assert result.missing_hours == 0
    assert result.next_due == date(2028, 3, 1)
    assert (result.required_hours, result.window_years) == (72, 5)


def test_one_course_of_more_than_seventy_two_hours_makes_a_teacher_compliant():
    result = judge(cert("C-1", 144, date(2023, 3, 1)), as_of=date(2024, 1, 1))
    assert (result.status, result.hours, result.missing_hours) == ("compliant", 144, 0)


def test_several_seminars_adding_up_to_seventy_two_hours_within_five_years_make_a_teacher_compliant():
    result = judge(
        cert("S-1", 24, date(2020, 5, 1), form="seminar"),
        cert("S-2", 24, date(2021, 5, 1), form="seminar"),
        cert("S-3", 24, date(2022, 5, 1), form="seminar"),
        as_of=date(2023, 1, 1),
    )
    assert (result.status, result.hours, result.missing_hours) == ("compliant", 72, 0)
    assert result.next_due == date(
        2025, 5, 1
    )  # the oldest seminar is needed, so it sets the due date


def test_a_course_and_seminars_together_make_a_teacher_compliant():
    result = judge(
        cert("C-1", 40, date(2021, 1, 10)),
        cert("S-1", 32, date(2022, 1, 10), form="seminar"),
        as_of=date(2023, 1, 1),
    )
    assert (result.status, result.hours) == ("compliant", 72)


def test_seventy_one_hours_are_not_enough():
    result = judge(
        cert("S-1", 35, date(2022, 1, 1)),
        cert("S-2", 36, date(2023, 1, 1)),
        as_of=date(2024, 1, 1),
    )
    assert (result.status, result.hours, result.missing_hours, result.next_due) == (
        "overdue",
        71,
        1,
        None,
    )


def test_a_teacher_without_any_certificate_after_grace_is_overdue():
    result = judge(as_of=date(2024, 1, 1))
    assert (result.status, result.hours, result.missing_hours, result.next_due) == (
        "overdue",
        0,
        72,
        None,
    )
    assert result.certificates == ()


def test_seminars_spread_over_more_than_five_years_do_not_add_up():
    result = judge(
        cert("S-1", 36, date(2018, 6, 1)),
        cert("S-2", 36, date(2023, 6, 2)),
        as_of=date(2023, 6, 2),
    )
    assert result.status == "overdue"
    assert result.hours == 36
    assert counts_of(result) == {"S-1": False, "S-2": True}


# --- the window's boundaries ---------------------------------------------------


def test_a_certificate_counts_on_the_day_it_is_issued():
    result = judge(cert("C-1", 72, date(2023, 3, 1)), as_of=date(2023, 3, 1))
    assert counts_of(result) == {"C-1": True}
    assert result.hours == 72


def test_a_certificate_still_counts_the_day_before_the_fifth_anniversary_of_its_issue():
    result = judge(cert("C-1", 72, date(2020, 3, 1)), as_of=date(2025, 2, 28))
    assert counts_of(result) == {"C-1": True}
    assert result.status == "due_soon"
    assert result.next_due == date(2025, 3, 1)


def test_a_certificate_stops_counting_on_the_fifth_anniversary_of_its_issue():
    result = judge(cert("C-1", 72, date(2020, 3, 1)), as_of=date(2025, 3, 1))
    assert counts_of(result) == {"C-1": False}
    assert (result.status, result.hours, result.missing_hours) == ("overdue", 0, 72)


def test_a_certificate_issued_after_the_day_in_question_does_not_count_but_is_listed():
    result = judge(cert("C-1", 72, date(2024, 1, 2)), as_of=date(2024, 1, 1))
    assert counts_of(result) == {"C-1": False}
    assert result.hours == 0


def test_a_certificate_issued_on_the_29th_of_february_stops_counting_on_the_28th_five_years_later():
    issued = date(2020, 2, 29)
    assert judge(cert("C-1", 72, issued), as_of=date(2025, 2, 27)).hours == 72
    stopped = judge(cert("C-1", 72, issued), as_of=date(2025, 2, 28))
    assert stopped.hours == 0
    assert stopped.status == "overdue"


def test_the_due_date_of_a_certificate_issued_on_the_29th_of_february_is_the_28th_in_a_common_year():
    result = judge(cert("C-1", 72, date(2020, 2, 29)), as_of=date(2020, 3, 1))
    assert result.next_due == date(2025, 2, 28)


def test_the_due_date_of_a_certificate_issued_on_the_29th_of_february_stays_the_29th_in_a_leap_year():
    result = judge(
        cert("C-1", 36, date(2024, 2, 29)),
        cert("C-2", 36, date(2024, 2, 29)),
        as_of=date(2024, 3, 1),
        policies=(INITIAL_POLICY, PolicyVersion(date(2024, 1, 1), 4, 72, at(2023))),
    )
    assert result.next_due == date(2028, 2, 29)


# --- ties and the due date -----------------------------------------------------


def test_two_certificates_issued_on_the_same_day_both_count():
    result = judge(
        cert("S-2", 36, date(2023, 4, 1)),
        cert("S-1", 36, date(2023, 4, 1)),
        as_of=date(2024, 1, 1),
    )
    assert (result.status, result.hours, result.next_due) == ("compliant", 72, date(2028, 4, 1))
    assert [c.number for c in result.certificates] == ["S-1", "S-2"]


def test_the_running_total_reaching_the_requirement_exactly_sets_the_due_date():
    result = judge(
        cert("S-1", 30, date(2023, 1, 1)),
        cert("S-2", 42, date(2022, 1, 1)),
        as_of=date(2023, 6, 1),
    )
    assert (result.status, result.hours, result.next_due) == ("compliant", 72, date(2027, 1, 1))


def test_the_due_date_comes_from_where_the_newest_first_total_first_reaches_the_requirement():
    result = judge(
        cert("NEW", 30, date(2024, 1, 1)),
        cert("MID", 42, date(2022, 1, 1)),
        cert("OLD", 50, date(2021, 1, 1)),
        as_of=date(2024, 6, 1),
    )
    # 30 (2024) + 42 (2022) = 72 reaches H, so the older certificate is not needed for the due date...
    assert result.next_due == date(2027, 1, 1)
    # ...but it still counts towards the hours.
    assert result.hours == 122
    assert counts_of(result) == {"OLD": True, "MID": True, "NEW": True}


def test_a_recent_big_course_alone_sets_the_due_date_even_when_older_certificates_count():
    result = judge(
        cert("NEW", 80, date(2024, 1, 1)),
        cert("OLD", 72, date(2021, 1, 1)),
        as_of=date(2024, 6, 1),
    )
    assert (result.hours, result.next_due) == (152, date(2029, 1, 1))


def test_the_due_date_follows_issue_dates_newest_first_not_the_largest_certificate():
    result = judge(
        cert("SMALL-NEW", 10, date(2024, 3, 1)),
        cert("BIG-OLD", 72, date(2022, 1, 1)),
        as_of=date(2024, 6, 1),
    )
    assert result.next_due == date(2027, 1, 1)


def test_a_certificate_issued_on_the_day_of_reaching_the_requirement_shares_its_due_date():
    result = judge(
        cert("A", 50, date(2023, 5, 5)),
        cert("B", 22, date(2023, 5, 5)),
        cert("C", 50, date(2020, 1, 1)),
        as_of=date(2024, 1, 1),
    )
    assert result.next_due == date(2028, 5, 5)


def test_the_order_in_which_certificates_are_given_does_not_matter():
    certs = [
        cert("S-3", 20, date(2023, 1, 1)),
        cert("S-1", 30, date(2021, 1, 1)),
        cert("S-2", 30, date(2022, 1, 1)),
    ]
    forward = judge(*certs, as_of=date(2024, 1, 1))
    backward = judge(*reversed(certs), as_of=date(2024, 1, 1))
    assert forward == backward
    assert forward.next_due == date(2026, 1, 1)


# --- due soon --------------------------------------------------------------------


def _due_on(next_due: date, as_of: date) -> Compliance:
    return judge(cert("C-1", 72, add_years(next_due, -5)), as_of=as_of)


def test_a_due_date_exactly_one_hundred_and_eighty_days_ahead_is_due_soon():
    as_of = date(2025, 1, 1)
    result = _due_on(as_of + timedelta(days=180), as_of)
    assert (result.status, result.next_due, result.missing_hours) == (
        "due_soon",
        date(2025, 6, 30),
        0,
    )


def test_a_due_date_one_hundred_and_eighty_one_days_ahead_is_still_compliant():
    as_of = date(2025, 1, 1)
    result = _due_on(as_of + timedelta(days=181), as_of)
    assert (result.status, result.next_due) == ("compliant", date(2025, 7, 1))


def test_a_due_date_tomorrow_is_due_soon():
    as_of = date(2025, 1, 1)
    assert _due_on(date(2025, 1, 2), as_of).status == "due_soon"


# --- duplicates --------------------------------------------------------------------


def test_a_duplicate_never_adds_hours_but_the_original_keeps_counting():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1)),
        cert("C-1-DUP", 72, date(2023, 1, 1), duplicate_of="C-1"),
        as_of=date(2024, 1, 1),
    )
    assert result.hours == 72
    assert counts_of(result) == {"C-1": True, "C-1-DUP": False}


def test_two_duplicates_of_a_thirty_six_hour_seminar_do_not_make_seventy_two_hours():
    result = judge(
        cert("S-1", 36, date(2023, 1, 1)),
        cert("S-1-A", 36, date(2023, 1, 2), duplicate_of="S-1"),
        as_of=date(2024, 1, 1),
    )
    assert (result.status, result.hours, result.missing_hours) == ("overdue", 36, 36)


def test_a_duplicate_whose_original_is_unknown_still_does_not_count():
    result = judge(cert("DUP", 72, date(2023, 1, 1), duplicate_of="LOST"), as_of=date(2024, 1, 1))
    assert result.hours == 0
    assert counts_of(result) == {"DUP": False}


# --- revocations ---------------------------------------------------------------------


def test_a_revocation_recorded_after_the_moment_of_knowledge_is_ignored():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1), revoked_at=at(2024, 6, 1)),
        as_of=date(2024, 1, 1),
        known_at=at(2024, 5, 31),
    )
    assert counts_of(result) == {"C-1": True}
    assert result.status == "compliant"


def test_a_revocation_recorded_exactly_at_the_moment_of_knowledge_removes_the_hours():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1), revoked_at=at(2024, 6, 1)),
        as_of=date(2024, 1, 1),
        known_at=at(2024, 6, 1),
    )
    assert counts_of(result) == {"C-1": False}
    assert (result.status, result.hours, result.missing_hours) == ("overdue", 0, 72)


def test_a_revocation_recorded_before_the_moment_of_knowledge_removes_the_hours_but_keeps_the_listing():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1), revoked_at=at(2023, 6, 1)), as_of=date(2024, 1, 1)
    )
    assert [c.number for c in result.certificates] == ["C-1"]
    assert result.hours == 0


def test_a_revocation_removes_hours_even_on_days_before_it_was_recorded():
    # revocation means "this never was valid": a later reader sees no hours on any earlier day
    result = judge(
        cert("C-1", 72, date(2023, 1, 1), revoked_at=at(2024, 6, 1)), as_of=date(2023, 2, 1)
    )
    assert result.hours == 0


# --- certificates recorded after the moment of knowledge --------------------------------


def test_a_certificate_recorded_after_the_moment_of_knowledge_is_invisible():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1), recorded_at=at(2024, 2, 1)),
        as_of=date(2024, 1, 1),
        known_at=at(2024, 1, 31),
    )
    assert result.certificates == ()
    assert (result.status, result.hours) == ("overdue", 0)


def test_a_certificate_recorded_exactly_at_the_moment_of_knowledge_is_visible():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1), recorded_at=at(2024, 2, 1)),
        as_of=date(2024, 1, 1),
        known_at=at(2024, 2, 1),
    )
    assert counts_of(result) == {"C-1": True}


def test_a_late_recorded_certificate_changes_the_past_only_for_readers_who_know_it():
    late = cert("C-1", 72, date(2022, 1, 1), recorded_at=at(2025, 1, 1))
    assert judge(late, as_of=date(2023, 1, 1), known_at=at(2024, 1, 1)).status == "overdue"
    assert judge(late, as_of=date(2023, 1, 1), known_at=at(2025, 1, 1)).status == "compliant"


def test_a_moment_of_knowledge_in_another_time_zone_is_compared_as_an_instant():
    bishkek = timezone(timedelta(hours=6))
    c = cert("C-1", 72, date(2023, 1, 1), recorded_at=at(2024, 2, 1, hour=3))
    # 08:59 in Bishkek is 02:59 UTC, before the recording; 09:00 is exactly the recording.
    assert (
        judge(c, as_of=date(2024, 1, 1), known_at=datetime(2024, 2, 1, 8, 59, tzinfo=bishkek)).hours
        == 0
    )
    assert (
        judge(c, as_of=date(2024, 1, 1), known_at=datetime(2024, 2, 1, 9, 0, tzinfo=bishkek)).hours
        == 72
    )


# --- departures -------------------------------------------------------------------------


def test_a_departure_known_at_the_moment_of_knowledge_makes_the_teacher_inactive():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1)),
        as_of=date(2024, 1, 1),
        departures=(DepartureFact(date(2023, 9, 1), at(2023, 9, 2)),),
    )
    assert (result.status, result.next_due) == ("inactive", None)
    assert (result.hours, result.missing_hours) == (72, 0)
    assert counts_of(result) == {"C-1": True}


def test_a_departure_effective_on_the_day_in_question_makes_the_teacher_inactive():
    result = judge(
        as_of=date(2024, 1, 1), departures=(DepartureFact(date(2024, 1, 1), at(2023, 12, 1)),)
    )
    assert result.status == "inactive"


def test_a_departure_recorded_exactly_at_the_moment_of_knowledge_makes_the_teacher_inactive():
    result = judge(
        as_of=date(2024, 1, 1),
        known_at=at(2024, 3, 1),
        departures=(DepartureFact(date(2023, 9, 1), at(2024, 3, 1)),),
    )
    assert result.status == "inactive"


def test_a_departure_recorded_after_the_moment_of_knowledge_is_ignored():
    result = judge(
        as_of=date(2024, 1, 1),
        known_at=at(2024, 2, 29),
        departures=(DepartureFact(date(2023, 9, 1), at(2024, 3, 1)),),
    )
    assert result.status == "overdue"


def test_a_departure_effective_after_the_day_in_question_does_not_make_the_teacher_inactive():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1)),
        as_of=date(2024, 1, 1),
        departures=(DepartureFact(date(2024, 1, 2), at(2023, 12, 1)),),
    )
    assert result.status == "compliant"


def test_an_inactive_teacher_still_shows_missing_hours():
    result = judge(
        cert("S-1", 30, date(2023, 1, 1)),
        as_of=date(2024, 1, 1),
        departures=(DepartureFact(date(2023, 6, 1), at(2023, 6, 1)),),
    )
    assert (result.status, result.hours, result.missing_hours, result.next_due) == (
        "inactive",
        30,
        42,
        None,
    )


def test_inactivity_takes_precedence_over_grace():
    result = judge(
        as_of=date(2024, 1, 1),
        service_start=date(2022, 9, 1),
        departures=(DepartureFact(date(2023, 6, 1), at(2023, 6, 1)),),
    )
    assert (result.status, result.next_due) == ("inactive", None)


def test_any_one_known_departure_is_enough_among_several():
    result = judge(
        as_of=date(2024, 1, 1),
        known_at=at(2024, 1, 1),
        departures=(
            DepartureFact(date(2025, 1, 1), at(2023, 1, 1)),  # effective later
            DepartureFact(date(2023, 1, 1), at(2024, 6, 1)),  # recorded later
            DepartureFact(date(2023, 5, 1), at(2023, 5, 1)),  # this one applies
        ),
    )
    assert result.status == "inactive"


# --- policy changes -----------------------------------------------------------------------

REFORM = PolicyVersion(
    date(2025, 9, 1), window_years=1, required_hours=36, recorded_at=at(2025, 6, 1)
)


def test_without_any_policy_version_the_initial_policy_applies():
    assert policy_in_force([], date(2024, 1, 1), KNOWN) is INITIAL_POLICY
    result = evaluate(
        service_start=LONG_SERVING,
        certificates=[],
        departures=[],
        policies=[],
        as_of=date(2024, 1, 1),
        known_at=KNOWN,
    )
    assert (result.required_hours, result.window_years) == (72, 5)


def test_a_new_version_applies_from_its_effective_date():
    policies = (INITIAL_POLICY, REFORM)
    assert policy_in_force(policies, date(2025, 9, 1), KNOWN) == REFORM
    assert policy_in_force(policies, date(2025, 8, 31), KNOWN) == INITIAL_POLICY


def test_a_thirty_six_hour_seminar_is_enough_under_the_reform_but_not_the_day_before():
    seminar = cert("S-1", 36, date(2025, 6, 1))
    before = judge(seminar, as_of=date(2025, 8, 31), policies=(INITIAL_POLICY, REFORM))
    after = judge(seminar, as_of=date(2025, 9, 1), policies=(INITIAL_POLICY, REFORM))
    assert (before.status, before.required_hours, before.window_years, before.missing_hours) == (
        "overdue",
        72,
        5,
        36,
    )
    assert (after.status, after.required_hours, after.window_years, after.missing_hours) == (
        "compliant",
        36,
        1,
        0,
    )
    assert after.next_due == date(2026, 6, 1)


def test_the_reformed_one_year_window_drops_certificates_older_than_a_year():
    result = judge(
        cert("C-1", 72, date(2024, 6, 1)), as_of=date(2025, 9, 1), policies=(INITIAL_POLICY, REFORM)
    )
    assert counts_of(result) == {"C-1": False}
    assert result.status == "overdue"


def test_a_version_recorded_after_the_moment_of_knowledge_is_ignored():
    known_at = at(2025, 5, 31)
    assert policy_in_force((INITIAL_POLICY, REFORM), date(2025, 10, 1), known_at) == INITIAL_POLICY
    result = judge(
        cert("S-1", 36, date(2025, 6, 1)),
        as_of=date(2025, 10, 1),
        known_at=known_at,
        policies=(INITIAL_POLICY, REFORM),
    )
    assert (result.required_hours, result.status) == (72, "overdue")


def test_a_version_recorded_exactly_at_the_moment_of_knowledge_is_known():
    assert policy_in_force((INITIAL_POLICY, REFORM), date(2025, 10, 1), at(2025, 6, 1)) == REFORM


def test_of_two_versions_with_the_same_effective_date_the_later_recorded_one_wins():
    first = PolicyVersion(date(2025, 9, 1), 1, 36, at(2025, 6, 1))
    correction = PolicyVersion(date(2025, 9, 1), 2, 48, at(2025, 7, 1))
    for order in ((INITIAL_POLICY, first, correction), (correction, first, INITIAL_POLICY)):
        assert policy_in_force(order, date(2025, 9, 1), KNOWN) == correction
        assert policy_in_force(order, date(2025, 9, 1), at(2025, 6, 30)) == first


def test_the_latest_started_version_wins_over_an_earlier_one_recorded_later():
    older_but_late = PolicyVersion(date(2010, 1, 1), 3, 60, at(2024, 1, 1))
    assert (
        policy_in_force((INITIAL_POLICY, REFORM, older_but_late), date(2025, 10, 1), KNOWN)
        == REFORM
    )
    assert (
        policy_in_force((INITIAL_POLICY, REFORM, older_but_late), date(2025, 1, 1), KNOWN)
        == older_but_late
    )


def test_a_day_before_every_known_version_uses_the_earliest_known_version():
    later = PolicyVersion(date(2030, 1, 1), 2, 40, at(2025, 1, 1))
    assert policy_in_force((later, REFORM), date(2020, 1, 1), KNOWN) == REFORM
    assert policy_in_force((INITIAL_POLICY,), date(1999, 1, 1), KNOWN) == INITIAL_POLICY


def test_a_day_before_every_known_version_prefers_the_later_recorded_of_two_earliest_versions():
    first = PolicyVersion(date(2025, 9, 1), 1, 36, at(2025, 6, 1))
    correction = PolicyVersion(date(2025, 9, 1), 2, 48, at(2025, 7, 1))
    assert policy_in_force((correction, first), date(2020, 1, 1), KNOWN) == correction


def test_when_no_version_is_known_yet_the_initial_policy_applies():
    assert policy_in_force((REFORM,), date(2026, 1, 1), at(2025, 1, 1)) is INITIAL_POLICY


def test_the_grace_period_follows_the_window_of_the_policy_in_force():
    result = judge(
        as_of=date(2025, 10, 1), service_start=date(2025, 1, 1), policies=(INITIAL_POLICY, REFORM)
    )
    assert (result.status, result.next_due) == ("grace", date(2026, 1, 1))


# --- grace for newcomers ---------------------------------------------------------------------


def test_a_newcomer_without_hours_is_in_grace_until_the_window_after_service_start():
    result = judge(as_of=date(2024, 1, 1), service_start=date(2022, 9, 1))
    assert (result.status, result.next_due, result.missing_hours) == ("grace", date(2027, 9, 1), 72)


def test_a_newcomer_is_still_in_grace_the_day_before_the_end_of_the_window():
    result = judge(as_of=date(2027, 8, 31), service_start=date(2022, 9, 1))
    assert (result.status, result.next_due) == ("grace", date(2027, 9, 1))


def test_a_newcomer_is_overdue_exactly_at_the_end_of_the_window_after_service_start():
    result = judge(as_of=date(2027, 9, 1), service_start=date(2022, 9, 1))
    assert (result.status, result.next_due, result.missing_hours) == ("overdue", None, 72)


def test_a_newcomer_in_grace_with_some_hours_sees_what_is_missing():
    result = judge(
        cert("S-1", 24, date(2023, 1, 1)), as_of=date(2024, 1, 1), service_start=date(2022, 9, 1)
    )
    assert (result.status, result.hours, result.missing_hours) == ("grace", 24, 48)


def test_a_newcomer_with_enough_hours_is_compliant_rather_than_in_grace():
    result = judge(
        cert("C-1", 72, date(2023, 1, 1)), as_of=date(2024, 1, 1), service_start=date(2022, 9, 1)
    )
    assert (result.status, result.next_due) == ("compliant", date(2028, 1, 1))


def test_a_newcomer_who_started_on_the_29th_of_february_is_due_on_the_28th_five_years_later():
    result = judge(as_of=date(2024, 3, 1), service_start=date(2024, 2, 29))
    assert result.next_due == date(2029, 2, 28)


def test_a_teacher_whose_service_starts_after_the_day_in_question_is_in_grace():
    result = judge(as_of=date(2024, 1, 1), service_start=date(2024, 9, 1))
    assert (result.status, result.next_due) == ("grace", date(2029, 9, 1))


# --- missing hours in every status -------------------------------------------------------------


@pytest.mark.parametrize(
    ("certificates", "service_start", "departures", "expected"),
    [
        ((cert("C-1", 100, date(2023, 1, 1)),), LONG_SERVING, (), ("compliant", 100, 0)),
        ((cert("C-1", 72, date(2019, 3, 1)),), LONG_SERVING, (), ("due_soon", 72, 0)),
        ((cert("S-1", 50, date(2023, 1, 1)),), date(2022, 1, 1), (), ("grace", 50, 22)),
        ((cert("S-1", 50, date(2023, 1, 1)),), LONG_SERVING, (), ("overdue", 50, 22)),
        (
            (cert("S-1", 50, date(2023, 1, 1)),),
            LONG_SERVING,
            (DepartureFact(date(2023, 6, 1), RECORDED),),
            ("inactive", 50, 22),
        ),
        (
            (cert("C-1", 90, date(2023, 1, 1)),),
            LONG_SERVING,
            (DepartureFact(date(2023, 6, 1), RECORDED),),
            ("inactive", 90, 0),
        ),
    ],
)
def test_missing_hours_are_what_is_left_to_reach_the_requirement_in_every_status(
    certificates, service_start, departures, expected
):
    result = judge(
        *certificates, as_of=date(2024, 1, 1), service_start=service_start, departures=departures
    )
    assert (result.status, result.hours, result.missing_hours) == expected


# --- the listing of certificates -----------------------------------------------------------------


def test_the_listing_is_oldest_issued_first_then_by_number_with_form_and_provider():
    result = judge(
        cert("B", 10, date(2023, 1, 1), form="seminar", provider_code="KAO"),
        cert("A", 10, date(2023, 1, 1)),
        cert("Z", 10, date(2021, 1, 1), provider_code="IPK"),
        as_of=date(2024, 1, 1),
    )
    assert isinstance(result.certificates, tuple)
    assert result.certificates == (
        CountedCertificate("Z", 10, date(2021, 1, 1), "course", "IPK", True),
        CountedCertificate("A", 10, date(2023, 1, 1), "course", "", True),
        CountedCertificate("B", 10, date(2023, 1, 1), "seminar", "KAO", True),
    )


def test_the_listing_shows_expired_revoked_duplicate_and_future_certificates_as_not_counting():
    result = judge(
        cert("EXPIRED", 72, date(2015, 1, 1)),
        cert("REVOKED", 72, date(2023, 1, 1), revoked_at=at(2023, 2, 1)),
        cert("VALID", 20, date(2023, 1, 1)),
        cert("DUP", 20, date(2023, 2, 1), duplicate_of="VALID"),
        cert("FUTURE", 72, date(2024, 5, 1)),
        as_of=date(2024, 1, 1),
    )
    assert counts_of(result) == {
        "EXPIRED": False,
        "REVOKED": False,
        "VALID": True,
        "DUP": False,
        "FUTURE": False,
    }
    assert result.hours == 20


def test_iterables_such_as_generators_are_accepted():
    result = evaluate(
        service_start=LONG_SERVING,
        certificates=(c for c in [cert("C-1", 72, date(2023, 1, 1))]),
        departures=iter([]),
        policies=iter([INITIAL_POLICY]),
        as_of=date(2024, 1, 1),
        known_at=KNOWN,
    )
    assert result.status == "compliant"


# --- guarding the inputs ------------------------------------------------------------------------


def test_a_naive_moment_of_knowledge_is_refused():
    with pytest.raises(ValueError, match="known_at must be timezone-aware"):
        judge(as_of=date(2024, 1, 1), known_at=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="known_at must be timezone-aware"):
        policy_in_force([INITIAL_POLICY], date(2024, 1, 1), datetime(2024, 1, 1))


def test_a_day_given_as_a_datetime_is_refused():
    with pytest.raises(TypeError, match="as_of must be a date"):
        judge(as_of=datetime(2024, 1, 1, tzinfo=UTC))


def test_naive_recording_moments_in_facts_are_refused():
    with pytest.raises(ValueError, match="recorded_at must be timezone-aware"):
        cert("C-1", 72, date(2023, 1, 1), recorded_at=datetime(2023, 1, 1))
    with pytest.raises(ValueError, match="revoked_at must be timezone-aware"):
        cert("C-1", 72, date(2023, 1, 1), revoked_at=datetime(2023, 1, 1))
    with pytest.raises(ValueError, match="recorded_at must be timezone-aware"):
        DepartureFact(date(2023, 1, 1), datetime(2023, 1, 1))
    with pytest.raises(ValueError, match="recorded_at must be timezone-aware"):
        PolicyVersion(date(2023, 1, 1), 5, 72, datetime(2023, 1, 1))


def test_a_policy_must_require_some_hours_within_some_window():
    with pytest.raises(ValueError, match="window_years"):
        PolicyVersion(date(2023, 1, 1), 0, 72, at(2023))
    with pytest.raises(ValueError, match="required_hours"):
        PolicyVersion(date(2023, 1, 1), 5, 0, at(2023))


def test_a_certificate_cannot_carry_negative_hours():
    with pytest.raises(ValueError, match="hours must not be negative"):
        cert("C-1", -1, date(2023, 1, 1))


def test_facts_and_verdicts_are_immutable():
    result = judge(cert("C-1", 72, date(2023, 1, 1)), as_of=date(2024, 1, 1))
    for value, field in (
        (result, "status"),
        (result.certificates[0], "counts"),
        (INITIAL_POLICY, "required_hours"),
    ):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)


# --- properties ----------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
MOMENTS = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)

certificate_facts = st.builds(
    CertificateFact,
    number=st.text(alphabet="ABC123", min_size=1, max_size=4),
    hours=st.integers(min_value=0, max_value=100),
    issued_on=DAYS,
    recorded_at=MOMENTS,
    revoked_at=st.none() | MOMENTS,
    duplicate_of=st.none() | st.just("ORIG"),
    form=st.sampled_from(["course", "seminar", "other"]),
    provider_code=st.sampled_from(["", "IPK", "KAO"]),
)
departure_facts = st.builds(DepartureFact, effective_on=DAYS, recorded_at=MOMENTS)
policy_versions = st.builds(
    PolicyVersion,
    effective_from=DAYS,
    window_years=st.integers(min_value=1, max_value=6),
    required_hours=st.integers(min_value=1, max_value=120),
    recorded_at=MOMENTS,
)

scenarios = st.fixed_dictionaries(
    {
        "service_start": DAYS,
        "certificates": st.lists(certificate_facts, max_size=8),
        "departures": st.lists(departure_facts, max_size=2),
        "policies": st.lists(policy_versions, max_size=3).map(lambda ps: [INITIAL_POLICY, *ps]),
        "as_of": DAYS,
        "known_at": MOMENTS,
    }
)


@settings(max_examples=300)
@given(scenarios)
def test_the_verdict_is_internally_consistent(s):
    result = evaluate(**s)
    policy = policy_in_force(s["policies"], s["as_of"], s["known_at"])
    H = policy.required_hours
    assert result.status in STATUSES
    assert (result.required_hours, result.window_years) == (H, policy.window_years)
    assert result.hours >= 0
    assert result.missing_hours == max(0, H - result.hours)
    assert result.hours == sum(c.hours for c in result.certificates if c.counts)
    assert [(c.issued_on, c.number) for c in result.certificates] == sorted(
        (c.issued_on, c.number) for c in result.certificates
    )
    if result.status != "inactive":
        assert (result.status in ("compliant", "due_soon")) == (result.hours >= H)
    assert (result.next_due is None) == (result.status in ("overdue", "inactive"))
    if result.next_due is not None:
        assert result.next_due > s["as_of"]
        soon = result.next_due <= s["as_of"] + timedelta(days=DUE_SOON_DAYS)
        if result.status in ("compliant", "due_soon"):
            assert (result.status == "due_soon") == soon


@settings(max_examples=300)
@given(scenarios)
def test_the_due_date_rests_on_the_fewest_newest_certificates_that_reach_the_requirement(s):
    result = evaluate(**s)
    if result.status not in ("compliant", "due_soon"):
        return
    counting = [c for c in result.certificates if c.counts]
    # E is a counting issue date W years before next_due (29 Feb and 28 Feb may both map to 28 Feb)
    candidates = {
        c.issued_on
        for c in counting
        if add_years(c.issued_on, result.window_years) == result.next_due
    }
    assert any(
        sum(c.hours for c in counting if c.issued_on >= e) >= result.required_hours
        and sum(c.hours for c in counting if c.issued_on > e) < result.required_hours
        for e in candidates
    )


@settings(max_examples=300)
@given(
    scenarios,
    certificate_facts,
    departure_facts,
    policy_versions,
    st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=4000)),
)
def test_facts_recorded_after_the_moment_of_knowledge_never_change_the_verdict(
    s, extra_cert, extra_departure, extra_policy, delay
):
    later = s["known_at"] + delay
    changed = dict(
        s,
        certificates=[*s["certificates"], dataclasses.replace(extra_cert, recorded_at=later)],
        departures=[*s["departures"], dataclasses.replace(extra_departure, recorded_at=later)],
        policies=[*s["policies"], dataclasses.replace(extra_policy, recorded_at=later)],
    )
    assert evaluate(**changed) == evaluate(**s)


@settings(max_examples=200)
@given(scenarios, st.randoms(use_true_random=False))
def test_the_order_of_the_facts_never_changes_the_verdict(s, rnd):
    shuffled = {k: (rnd.sample(v, len(v)) if isinstance(v, list) else v) for k, v in s.items()}
    # identical policy keys, or certificates sharing issue date and number, are ambiguous by construction
    policy_keys = [(p.effective_from, p.recorded_at) for p in s["policies"]]
    cert_keys = [(c.issued_on, c.number) for c in s["certificates"]]
    if len(set(policy_keys)) != len(policy_keys) or len(set(cert_keys)) != len(cert_keys):
        return
    assert evaluate(**shuffled) == evaluate(**s)


@settings(max_examples=200)
@given(scenarios, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)))
def test_a_revocation_can_only_take_hours_away(s, delay):
    revoked = dict(
        s,
        certificates=[
            dataclasses.replace(c, revoked_at=c.recorded_at + delay) if c.revoked_at is None else c
            for c in s["certificates"]
        ],
    )
    assert evaluate(**revoked).hours <= evaluate(**s).hours
