"""The one folding of names and schools for search (registry.domain.search)."""

from __future__ import annotations

import pytest

from registry.domain.search import fold, search_key, terms


@pytest.mark.parametrize(
    "typed",
    [
        "Асанова Айгүл",
        "асанова айгул",  # у for ү
        "АСАНОВА  АЙГҮЛ",
        "Asanova Aigul",
        "Asanova Aygul",
        "Asanova Aigül",
    ],
)
def test_one_name_however_typed_folds_to_one_key(typed):
    assert fold(typed) == "asanova aigul"


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Жылдыз", "Jyldyz"),
        ("Жылдыз", "Zhyldyz"),
        ("Чыңгыз", "Chyngyz"),
        ("Өмүрбек", "Omurbek"),
        ("Юлия", "Yuliya"),
        ("Елена", "Yelena"),
        ("Хасан", "Khasan"),
        ("Нурлан", "Nurlan"),
        ("Бакыт", "Bakyt"),
    ],
)
def test_cyrillic_and_its_usual_latin_spellings_meet(cyrillic, latin):
    assert fold(cyrillic) == fold(latin)


def test_only_letters_digits_and_single_spaces_remain():
    assert fold("Школа №5 «Ала-Тоо»") == "shkola no5 ala too"
    assert fold("О'Нил") == "onil"
    assert fold("%_\\'\"; --") == ""


def test_the_search_key_marks_word_starts_and_keeps_parts_apart():
    assert search_key("Айгүл Асанова", "School No. 3") == " aigul asanova | school no 3 |"


def test_terms_are_distinct_and_longest_first():
    assert terms("ай Асанова ай а") == ["asanova", "ai", "a"]
