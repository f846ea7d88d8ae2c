"""Text entering the domain: NFC-normalised, free of control characters, within its named limit."""

import unicodedata

import pytest

from registry.domain.errors import RuleViolationError
from registry.domain.limits import MAX_LENGTH
from registry.domain.values import check_code, check_pin, check_text


@pytest.mark.parametrize(
    "bad",
    [
        "A\x00B",
        "A\x07B",
        "A\x1bB",
        "A\x7fB",
        "A\x85B",
        "A\x9fB",
        "A\ud800B",
        "A\nB",
        "A\tB",
        "A\rB",
    ],
)
def test_a_one_line_field_refuses_any_control_character(bad):
    with pytest.raises(RuleViolationError) as caught:
        check_text(bad, "full_name")
    assert caught.value.code == "control_character"
    assert "full_name" in caught.value.fields


@pytest.mark.parametrize("bad", ["why\x00not", "why\x0bnot", "why\x0cnot", "a\x9bb", "a\rb"])
def test_free_text_refuses_control_characters_other_than_newline_and_tab(bad):
    with pytest.raises(RuleViolationError) as caught:
        check_text(bad, "reason")
    assert caught.value.code == "control_character"


@pytest.mark.parametrize(
    "bad",
    [
        "Айгүл\u202eвоноса",  # right-to-left override: shows reversed
        "Айгүл\u2066Асанова\u2069",  # an isolate
        "Айгүл\u200bАсанова",  # zero-width space: two names that look alike
        "Айгүл\u200fАсанова",
        "\ufeffАйгүл",
        "Айгүл\ufffe",  # a noncharacter
        "Айгүл\ufdd0",
    ],
)
@pytest.mark.parametrize("field", ["full_name", "title", "reason"])
def test_invisible_and_direction_changing_characters_are_refused_by_name(bad, field):
    with pytest.raises(RuleViolationError) as caught:
        check_text(bad, field)
    assert caught.value.code == "invisible_character" and field in caught.value.fields
    assert "U+" in caught.value.message


def test_letters_of_every_script_a_name_is_written_in_pass():
    for name in ("Айгүл Асанова", "Нургүл Токтогулова", "Ömür Ýusupow", "Ли Вэй"):
        assert check_text(name, "full_name") == name


def test_free_text_keeps_its_lines_and_tabs_and_a_browsers_crlf_becomes_lf():
    assert check_text("first line\r\n\tsecond line\n", "reason") == "first line\n\tsecond line"
    assert check_text("Course\non didactics", "title") == "Course\non didactics"


def test_text_is_stored_in_composed_form_whatever_the_keyboard_sent():
    decomposed = unicodedata.normalize("NFD", "Айгүл Асанова")
    assert decomposed != "Айгүл Асанова"
    assert check_text(decomposed, "full_name") == "Айгүл Асанова"


def test_a_one_line_field_folds_runs_of_spaces():
    assert check_text("  Асанова   Айгүл ", "full_name") == "Асанова Айгүл"


@pytest.mark.parametrize("field", sorted(MAX_LENGTH))
def test_each_field_has_its_named_limit(field):
    limit = MAX_LENGTH[field]
    assert check_text("x" * limit, field) == "x" * limit
    with pytest.raises(RuleViolationError) as caught:
        check_text("x" * (limit + 1), field)
    assert caught.value.code == "too_long" and str(limit) in caught.value.message


def test_the_limit_counts_characters_after_normalisation():
    # 100 "ү" typed as у + combining diaeresis-like sequences would be 200 code points
    # before NFC; the limit applies to what is stored.
    decomposed = unicodedata.normalize("NFD", "й") * MAX_LENGTH["subject"]
    assert len(decomposed) == 2 * MAX_LENGTH["subject"]
    assert len(check_text(decomposed, "subject")) == MAX_LENGTH["subject"]


@pytest.mark.parametrize("check, value", [(check_pin, "21505198512345\n"), (check_code, "KAE\n")])
def test_a_trailing_newline_does_not_slip_through_a_pattern(check, value):
    with pytest.raises(RuleViolationError):
        check(value)


def test_a_date_outside_the_registrys_calendar_is_refused_by_name():
    from datetime import date

    from registry.domain.values import check_date

    assert check_date(date(1900, 1, 1), "starts_on") == date(1900, 1, 1)
    for outside in (date(1899, 12, 31), date(3000, 1, 1), date(1, 1, 1)):
        with pytest.raises(RuleViolationError) as caught:
            check_date(outside, "starts_on")
        assert caught.value.code == "date_out_of_range" and "starts_on" in caught.value.fields
