"""Searching teachers and programmes as people type: case, Kyrgyz letters and script make
no difference, the best matches come first, the total is told, bad input is refused."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.errors import InvalidInputError, RegistryError
from tests.builders import ADMIN, OTHER_PIN, PIN, programme, provider, teacher
from tests.readside import caught_up

PINS = [f"1010119900{n:04d}" for n in range(10)]


def names(found: dict) -> list[str]:
    return [t["full_name"] for t in found["teachers"]]


def register(registry, *people: tuple[str, str]) -> None:
    for pin, (full_name, school) in zip(PINS, people):
        registry.register_teacher(ADMIN, teacher(pin=pin, full_name=full_name, school=school))


def test_kyrgyz_letters_case_and_latin_script_find_the_same_teacher(registry):
    register(registry, ("Асанова Айгүл", "School No. 3"), ("Бакыт Усонов", "Lyceum 61"))
    queries = caught_up(registry)
    for typed in (
        "Асанова Айгүл",
        "асанова айгул",  # у typed for ү, as on a Russian keyboard
        "АСАНОВА",
        "Asanova Aigul",
        "asanova aygul",
        "Айгул Асанова",  # the words in another order
        "Ай",  # two letters: the start of a word
    ):
        assert names(queries.search_teachers(typed)) == ["Асанова Айгүл"], typed
    assert names(queries.search_teachers("Usonov")) == ["Бакыт Усонов"]
    assert names(queries.search_teachers("лицей")) == []
    assert names(queries.search_teachers("lyceum")) == ["Бакыт Усонов"]  # the school


def test_exact_and_prefix_matches_come_before_the_rest_then_the_most_alike(registry):
    register(
        registry,
        ("Нурасанов Эрлан", "School No. 1"),
        ("Бакытбек Асанов", "School No. 2"),
        ("Асанова Айгүл", "School No. 3"),
        ("Асанов Бакыт", "School No. 4"),
        ("Эрмек Токтогулов", "Asanov school"),
    )
    queries = caught_up(registry)
    assert names(queries.search_teachers("asanov")) == [
        "Асанов Бакыт",  # the name starts with it, and is the most alike
        "Асанова Айгүл",  # starts with it
        "Эрмек Токтогулов",  # the school starts with it, the name is not alike
        "Бакытбек Асанов",  # a later word starts with it
        "Нурасанов Эрлан",  # inside a word
    ]
    assert names(queries.search_teachers("Асанов Бакыт"))[0] == "Асанов Бакыт"


def test_the_total_is_told_beside_each_page(registry):
    register(registry, *[(f"Асанова {first}", "School No. 3") for first in "АБВГДЕЖЗИК"])
    queries = caught_up(registry)
    first = queries.search_teachers("асанова", limit=4)
    last = queries.search_teachers("асанова", limit=4, offset=8)
    assert first["total"] == last["total"] == 10
    assert len(first["teachers"]) == 4 and len(last["teachers"]) == 2
    seen = names(first) + names(queries.search_teachers("асанова", limit=4, offset=4)) + names(last)
    assert len(set(seen)) == 10
    assert queries.search_teachers("асанова", offset=20) == {"total": 10, "teachers": []}


def test_a_pin_is_looked_up_exactly_current_or_former(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Усонов"))
    registry.correct_teacher(ADMIN, OTHER_PIN, {"pin": PINS[0]})
    queries = caught_up(registry)
    assert names(queries.search_teachers(PIN)) == ["Айгүл Асанова"]
    assert names(queries.search_teachers(OTHER_PIN)) == ["Бакыт Усонов"]
    assert names(queries.search_teachers(PINS[0])) == ["Бакыт Усонов"]
    assert queries.search_teachers(PINS[1]) == {"total": 0, "teachers": []}
    assert queries.search_teachers(PIN[:8])["total"] == 0  # part of a PIN finds no one
    assert queries.search_teachers(PIN, region="KG-GB")["total"] == 0


def test_changed_names_and_schools_are_found_by_their_new_words(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.transfer_teacher(
        ADMIN,
        PIN,
        region="KG-C",
        district="Sokuluk",
        school="Gymnasium 5",
        effective_on=date(2020, 9, 1),
    )
    registry.correct_teacher(ADMIN, PIN, {"full_name": "Айгүл Токтогулова"})
    queries = caught_up(registry)
    assert names(queries.search_teachers("gimnasium")) == ["Айгүл Токтогулова"]
    assert queries.search_teachers("School No")["total"] == 0
    assert queries.search_teachers("Асанова")["total"] == 0
    assert names(queries.search_teachers("Toktogulova")) == ["Айгүл Токтогулова"]


def test_filters_alone_list_teachers_by_name(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.register_teacher(
        ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Усонов", region="KG-GB", district="Leninsky")
    )
    queries = caught_up(registry)
    assert names(queries.search_teachers("", region="KG-C")) == ["Айгүл Асанова"]
    assert queries.search_teachers()["total"] == 2
    assert names(queries.search_teachers(limit=1, offset=1)) == ["Бакыт Усонов"]
    assert names(queries.search_teachers("Бакыт", region="KG-C")) == []


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("а", "query_too_short"),
        ("%", "query_too_short"),
        ("_", "query_too_short"),
        ("'", "query_too_short"),
        ("a b c", "query_too_short"),
        ("я" * 201, "query_too_long"),
        (17, "invalid_query"),
    ],
)
def test_a_query_too_short_too_long_or_of_metacharacters_is_refused(registry, typed, code):
    queries = caught_up(registry)
    with pytest.raises(RegistryError) as refused:
        queries.search_teachers(typed)
    assert refused.value.code == code and "q" in refused.value.fields


def test_sql_and_like_metacharacters_are_only_text(registry):
    registry.register_teacher(ADMIN, teacher(full_name="Айгүл О'Нил-Асанова"))
    queries = caught_up(registry)
    assert names(queries.search_teachers("О'Нил")) == ["Айгүл О'Нил-Асанова"]
    assert names(queries.search_teachers("onil asanova")) == ["Айгүл О'Нил-Асанова"]
    for typed in ("as%a", "as_a", "'; DROP TABLE teachers; --", "асанова' OR '1'='1"):
        assert queries.search_teachers(typed)["total"] in (0, 1)
    assert queries.search_teachers()["total"] == 1  # the table is still there
    with pytest.raises(InvalidInputError):
        queries.search_teachers(limit=0)


def test_programmes_are_found_by_title_code_or_provider(registry):
    provider(registry)
    provider(registry, code="OSH-OI", kind="oblast_institute", region="KG-O")
    registry.register_programme(ADMIN, programme())
    registry.register_programme(
        ADMIN, programme(provider_code="OSH-OI", code="PHYS-1", title="Физика в школе")
    )
    queries = caught_up(registry)

    def codes(found: dict) -> list[str]:
        return [p["code"] for p in found["programmes"]]

    assert codes(queries.search_programmes("mathem")) == ["MATH-72"]
    assert codes(queries.search_programmes("fizika")) == ["PHYS-1"]
    assert codes(queries.search_programmes("физика", provider_code="KAE")) == []
    assert codes(queries.search_programmes("osh")) == ["PHYS-1"]
    assert queries.search_programmes("")["total"] == 2
    with pytest.raises(RegistryError, match="at least 2"):
        queries.search_programmes("ф")


def test_beyond_the_rank_limit_the_page_comes_by_name_with_the_true_total(registry, monkeypatch):
    from registry.queries import search

    register(registry, ("Айбек Асанов", "School No. 1"), ("Асанов Бакыт", "School No. 4"))
    queries = caught_up(registry)
    assert names(queries.search_teachers("asanov")) == ["Асанов Бакыт", "Айбек Асанов"]
    monkeypatch.setattr(search, "RANK_LIMIT", 1)
    found = queries.search_teachers("asanov")
    assert found["total"] == 2
    assert names(found) == ["Айбек Асанов", "Асанов Бакыт"]  # by name
    assert names(queries.search_teachers("asanov", region="KG-C")) == names(found)


# Names and schools whose words overlap: a word typed may be in the name, the school or
# both, for one teacher and not another (the search counts a school's teachers from the
# school's row, the others from their names).
MIXED = [
    ("Асанова Айгүл", "Secondary school No. 5"),
    ("Сейтов Бакыт", "Secondary school No. 15"),
    ("Семенова Айнура", "Gymnasium No. 5 named after Toktogul"),
    ("Токтогулов Эрмек", "Secondary school No. 50"),
    ("Школьникова Сезим", "Lyceum No. 2"),
    ("Асанов Бакыт", "Basic school No. 5 named after A. S. Pushkin"),
    ("Пушкина Айым", "Secondary school No. 7"),
    ("Айтматов Нурлан", "Lyceum No. 55 named after Ch. Aitmatov"),
    ("Бакытбек Сейитов", "Gymnasium No. 1"),
    ("Нурасанов Эрлан", "Primary school No. 5"),
]
MIXED_QUERIES = (
    "5 school",
    "school 5",
    "se",
    "as",
    "ai",
    "sch ai",
    "toktogul",
    "5 toktogul",
    "pushkin",
    "school",
    "no 5",
    "5 sec",
    "a 55",
    "semen 5",
    "ait ma",
    "asanov school",
    "bakit 1",
    "liceum",
)


def expected(people: list[tuple[str, str]], typed: str) -> list[str]:
    """The names of the teachers the search must find, by the rule itself: every word
    typed in the name or the school, a word of one or two letters at a word's start."""
    from registry.domain.search import search_key, terms

    def has(key: str, word: str) -> bool:
        return word in key if len(word) > 2 else f" {word}" in key

    return sorted(n for n, s in people if all(has(search_key(n, s), w) for w in terms(typed)))


@pytest.fixture
def mixed(registry):
    pins = [f"1010119900{n:04d}" for n in range(len(MIXED))]
    for pin, (full_name, school) in zip(pins, MIXED):
        registry.register_teacher(ADMIN, teacher(pin=pin, full_name=full_name, school=school))
    return caught_up(registry)


def test_words_in_names_schools_or_both_find_every_teacher_and_the_true_total(mixed, monkeypatch):
    from registry.queries import search

    for typed in MIXED_QUERIES:
        want = expected(MIXED, typed)
        found = mixed.search_teachers(typed)
        assert found["total"] == len(want), typed
        assert sorted(names(found)) == want, typed
    monkeypatch.setattr(search, "RANK_LIMIT", 1)  # past it: by name, pages of 2
    for typed in MIXED_QUERIES:
        want = expected(MIXED, typed)
        pages = [mixed.search_teachers(typed, limit=2, offset=at) for at in range(0, 12, 2)]
        assert {page["total"] for page in pages} == {len(want)}, typed
        assert [n for page in pages for n in names(page)] == want, typed


def test_filters_narrow_what_a_school_word_finds(mixed):
    assert mixed.search_teachers("5 school", school="Secondary school No. 5")["total"] == 1
    assert mixed.search_teachers("5 school", region="KG-GB")["total"] == 0
    district = mixed.search_teachers("se")["teachers"][0]["district"]  # as the rows keep it
    assert mixed.search_teachers("se", district=district)["total"] == len(expected(MIXED, "se"))
    assert mixed.search_teachers("se", district="Leninsky") == {"total": 0, "teachers": []}


def test_a_teacher_moved_or_corrected_to_another_school_is_found_by_its_words(registry):
    pins = [f"1010119900{n:04d}" for n in range(3)]
    for pin, name in zip(pins, ("Асанова Айгүл", "Бакыт Усонов", "Эрмек Токтогулов")):
        registry.register_teacher(
            ADMIN, teacher(pin=pin, full_name=name, school="Secondary school No. 5")
        )
    queries = caught_up(registry)
    assert queries.search_teachers("5 school")["total"] == 3
    registry.transfer_teacher(
        ADMIN,
        pins[0],
        region="KG-C",
        district="Sokuluk",
        school="Lyceum No. 9",
        effective_on=date(2020, 9, 1),
    )
    registry.correct_teacher(ADMIN, pins[1], {"school": "Gymnasium No. 5"})
    queries = caught_up(registry)
    assert names(queries.search_teachers("5 school")) == ["Эрмек Токтогулов"]
    assert names(queries.search_teachers("9 liceum")) == ["Асанова Айгүл"]
    assert names(queries.search_teachers("5 gimnasium")) == ["Бакыт Усонов"]
    assert queries.search_teachers("no 5")["total"] == 2
