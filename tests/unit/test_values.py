"""The value rules: PINs, codes, hours, the course rule."""

from datetime import date

import pytest

from registry.domain.errors import RuleViolationError
from registry.domain.values import (
    check_certificate_number,
    check_course,
    check_district,
    check_hours,
    check_pin,
    pin_birth_date,
)


@pytest.mark.parametrize("pin", ["21505198512345", "10101200099999", "32902200012345"])
def test_a_pin_of_fourteen_digits_with_a_real_birth_date_is_accepted(pin):
    assert check_pin(pin) == pin


@pytest.mark.parametrize(
    "pin, why",
    [
        ("2150519851234", "13 digits"),
        ("215051985123456", "15 digits"),
        ("2150519851234a", "a letter"),
        ("23002198512345", "30 February"),
        ("21513198512345", "month 13"),
        ("22902202312345", "29 February of a common year"),
        ("20101209912345", "born in the future"),
        (21505198512345, "a number, not text"),
        ("", "empty"),
    ],
)
def test_a_malformed_pin_is_refused_with_the_invalid_pin_rule(pin, why):
    with pytest.raises(RuleViolationError) as caught:
        check_pin(pin)
    assert caught.value.code == "invalid_pin", why
    assert "pin" in caught.value.fields


def test_the_birth_date_is_read_from_digits_two_to_nine():
    assert pin_birth_date("21505198512345") == date(1985, 5, 15)


@pytest.mark.parametrize("hours", [0, 2001, -5, 1.5, True, "72"])
def test_hours_outside_one_to_two_thousand_are_refused(hours):
    with pytest.raises(RuleViolationError) as caught:
        check_hours(hours)
    assert caught.value.code == "hours_out_of_range"


def test_a_course_under_72_hours_breaks_the_course_rule():
    with pytest.raises(RuleViolationError) as caught:
        check_course("course", 71, "exam")
    assert caught.value.code == "course_too_short"


def test_a_course_without_an_assessment_breaks_the_course_rule():
    with pytest.raises(RuleViolationError) as caught:
        check_course("course", 72, "none")
    assert caught.value.code == "course_without_assessment"


def test_a_short_seminar_without_assessment_is_fine():
    check_course("seminar", 8, "none")


def test_a_district_of_another_region_is_refused_but_unlisted_towns_are_accepted():
    with pytest.raises(RuleViolationError) as caught:
        check_district("Sokuluk", "KG-B")
    assert caught.value.code == "district_not_in_region"
    assert check_district("Kyzyl-Kiya city", "KG-B") == "Kyzyl-Kiya city"


def test_a_district_named_in_kyrgyz_is_known_and_checked_against_its_region():
    assert check_district("Аламүдүн", "KG-C") == "Аламүдүн"  # kept as written
    with pytest.raises(RuleViolationError) as caught:
        check_district("Биринчи Май", "KG-C")  # Pervomaisky, a district of Bishkek
    assert caught.value.code == "district_not_in_region"


@pytest.mark.parametrize("number", ["", " ", "A" * 65, "KAE 2024", "№1"])
def test_a_malformed_certificate_number_is_refused(number):
    with pytest.raises(RuleViolationError):
        check_certificate_number(number)
