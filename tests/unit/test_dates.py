"""Calendar helpers: anniversaries (with 29 February) and strict ISO parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.dates import add_years, parse_date, parse_datetime

UTC = UTC


# --- add_years ---------------------------------------------------------------


def test_adding_years_keeps_the_month_and_day():
    assert add_years(date(2020, 6, 15), 5) == date(2025, 6, 15)


def test_adding_zero_years_returns_the_same_day():
    assert add_years(date(2023, 12, 31), 0) == date(2023, 12, 31)


def test_subtracting_years_keeps_the_month_and_day():
    assert add_years(date(2025, 1, 1), -5) == date(2020, 1, 1)


def test_the_29th_of_february_becomes_the_28th_in_a_common_year():
    assert add_years(date(2020, 2, 29), 5) == date(2025, 2, 28)


def test_the_29th_of_february_stays_the_29th_in_a_leap_year():
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_the_29th_of_february_becomes_the_28th_when_going_back_to_a_common_year():
    assert add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)


def test_the_century_rule_makes_1900_a_common_year_and_2000_a_leap_year():
    assert add_years(date(1896, 2, 29), 4) == date(1900, 2, 28)
    assert add_years(date(1996, 2, 29), 4) == date(2000, 2, 29)


def test_the_28th_of_february_never_moves_to_the_29th():
    assert add_years(date(2023, 2, 28), 1) == date(2024, 2, 28)


def test_the_1st_of_march_stays_the_1st_of_march():
    assert add_years(date(2020, 3, 1), 1) == date(2021, 3, 1)


def test_adding_years_beyond_the_calendar_range_is_an_error():
    with pytest.raises(ValueError, match="out of range"):
        add_years(date(9999, 1, 1), 1)
    with pytest.raises(ValueError, match="out of range"):
        add_years(date(1, 1, 1), -1)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(8999, 12, 31)), st.integers(-999, 999))
def test_adding_years_changes_only_the_year_except_for_the_29th_of_february(d, n):
    result = add_years(d, n)
    assert result.year == d.year + n
    assert result.month == d.month
    if (d.month, d.day) == (2, 29):
        assert result.day in (28, 29)
    else:
        assert result.day == d.day


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(8999, 12, 31)), st.integers(-999, 999))
def test_adding_then_subtracting_years_round_trips_except_from_the_29th_of_february(d, n):
    back = add_years(add_years(d, n), -n)
    if (d.month, d.day) == (2, 29):
        assert back in (d, d - timedelta(days=1))
    else:
        assert back == d


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(8999, 12, 31)), st.integers(1, 999))
def test_adding_a_positive_number_of_years_always_moves_forward(d, n):
    assert add_years(d, n) > d


# --- parse_date --------------------------------------------------------------


def test_an_iso_date_is_parsed():
    assert parse_date("2025-02-28") == date(2025, 2, 28)


def test_the_29th_of_february_is_accepted_in_a_leap_year():
    assert parse_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-1-05",
        "2025-01-5",
        "25-01-05",
        "20250105",
        "2025/01/05",
        "05.01.2025",
        "2025-01-05T00:00:00",
        "2025-01-05 ",
        " 2025-01-05",
        "2025-W01-1",
        "2025-005",
        "+2025-01-05",
        "２０２５-01-05",
        "tomorrow",
    ],
)
def test_anything_but_yyyy_mm_dd_is_rejected_with_a_message_naming_the_format(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


@pytest.mark.parametrize(
    "text", ["2025-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "0000-01-01"]
)
def test_a_well_formed_but_impossible_date_is_rejected(text):
    with pytest.raises(ValueError, match="no such calendar day"):
        parse_date(text)


@pytest.mark.parametrize("value", [None, 20250105, date(2025, 1, 5), b"2025-01-05"])
def test_a_non_string_date_is_rejected_as_a_value_error(value):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(value)


@given(st.dates())
def test_every_date_round_trips_through_its_iso_form(d):
    assert parse_date(d.isoformat()) == d


# --- parse_datetime ----------------------------------------------------------


def test_a_datetime_in_utc_written_with_z_is_parsed():
    parsed = parse_datetime("2025-01-31T09:30:00Z")
    assert parsed == datetime(2025, 1, 31, 9, 30, tzinfo=UTC)
    assert parsed.tzinfo is UTC


def test_a_datetime_with_an_offset_is_converted_to_utc():
    parsed = parse_datetime("2025-01-31T09:30:00+06:00")
    assert parsed == datetime(2025, 1, 31, 3, 30, tzinfo=UTC)
    assert parsed.tzinfo is UTC
    assert parsed.hour == 3


def test_conversion_to_utc_can_move_the_moment_to_the_previous_day():
    assert parse_datetime("2025-01-01T02:00:00+06:00") == datetime(2024, 12, 31, 20, 0, tzinfo=UTC)


def test_fractional_seconds_are_kept():
    assert parse_datetime("2025-01-31T09:30:00.123456+00:00").microsecond == 123456


def test_a_naive_datetime_is_rejected_because_it_carries_no_offset():
    with pytest.raises(ValueError, match="offset is required"):
        parse_datetime("2025-01-31T09:30:00")


def test_a_bare_date_is_rejected_as_a_datetime_because_it_carries_no_offset():
    with pytest.raises(ValueError, match="offset is required"):
        parse_datetime("2025-01-31")


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2025-01-31T25:00:00Z", "2025-02-30T00:00:00Z", "31.01.2025 09:30"]
)
def test_a_malformed_datetime_is_rejected_with_a_message_naming_iso_8601(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_datetime(text)


@pytest.mark.parametrize("value", [None, 1738315800, datetime(2025, 1, 31, tzinfo=UTC)])
def test_a_non_string_datetime_is_rejected_as_a_value_error(value):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_datetime(value)


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_every_aware_datetime_round_trips_to_the_same_instant_in_utc(naive, offset_minutes):
    moment = naive.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    parsed = parse_datetime(moment.isoformat())
    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)
