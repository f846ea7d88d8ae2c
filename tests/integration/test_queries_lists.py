"""Long lists on each engine: a page and the total, the filters, every offered sort in both
directions with pages that neither overlap nor skip, and no sort but the offered ones."""

from __future__ import annotations

from datetime import date

import pytest

from registry.access import Actor
from registry.domain.errors import InvalidInputError, NotFoundError
from registry.queries import listing
from registry.queries.certificates import CERTIFICATE_SORTS
from registry.queries.providers import PROGRAMME_SORTS, PROVIDER_SORTS
from tests.builders import ADMIN, OTHER_PIN, PIN, programme, provider, teacher
from tests.readside import caught_up

CHUY_COMMISSION = Actor(name="chuy", role="commission", region="KG-C")


@pytest.fixture
def catalogue(registry):
    """Three providers (one suspended) and seven programmes of two of them."""
    provider(registry, "KAE", kind="academy", region="KG-GB")
    provider(registry, "OSH-OI", kind="oblast_institute", region="KG-O")
    provider(registry, "BGU", kind="university", region="KG-GB")
    registry.suspend_provider(ADMIN, "BGU", reason="licence lapsed")
    for code, title, form, hours, starts in (
        ("MATH-72", "Teaching mathematics", "course", 72, date(2024, 3, 1)),
        ("PHYS-80", "Modern physics teaching", "course", 80, date(2023, 6, 1)),
        ("LAB-24", "Laboratory seminar", "seminar", 24, date(2022, 4, 1)),
        ("ART-12", "Art at school", "seminar", 12, date(2024, 10, 1)),
    ):
        registry.register_programme(
            ADMIN,
            programme(
                code=code,
                title=title,
                form=form,
                hours=hours,
                assessment="exam" if form == "course" else "none",
                starts_on=starts,
                ends_on=date(starts.year, starts.month, 25),
            ),
        )
    for code, title, starts in (
        ("OSH-1", "Методика преподавания", date(2023, 12, 20)),
        ("OSH-2", "Инклюзивное образование", date(2021, 5, 1)),
        ("OSH-3", "Цифровая школа", date(2024, 1, 10)),
    ):
        registry.register_programme(
            ADMIN,
            programme(
                provider_code="OSH-OI",
                code=code,
                title=title,
                form="training",
                hours=36,
                assessment="none",
                starts_on=starts,
                ends_on=date(
                    starts.year + (starts.month == 12),
                    1 if starts.month == 12 else starts.month,
                    28,
                ),
            ),
        )
    return caught_up(registry)


def every_page(read, size: int) -> list:
    """All rows of a list, read a page of `size` at a time."""
    rows, offset = [], 0
    while True:
        found = read(limit=size, offset=offset)
        rows += found["rows"]
        if offset + size >= found["total"]:
            return rows
        offset += size


def codes(found) -> list[str]:
    return [p["code"] for p in found["programmes"]]


def test_programmes_come_a_page_at_a_time_with_the_total_newest_first(catalogue):
    first = catalogue.programme_list(limit=3)
    second = catalogue.programme_list(limit=3, offset=3)
    beyond = catalogue.programme_list(limit=3, offset=30)

    assert (first["total"], first["total_capped"], first["sort"]) == (7, False, "-starts_on")
    assert codes(first) == ["ART-12", "MATH-72", "OSH-3"]
    assert codes(second) == ["OSH-1", "PHYS-80", "LAB-24"]
    assert (beyond["total"], beyond["programmes"]) == (7, [])


def test_every_programme_sort_pages_through_every_programme_once_in_its_order(catalogue):
    every = sorted(codes(catalogue.programme_list()))
    for sort in PROGRAMME_SORTS.choices:

        def read(limit, offset, sort=sort):
            found = catalogue.programme_list(sort=sort, limit=limit, offset=offset)
            return {"rows": found["programmes"], "total": found["total"]}

        rows = every_page(read, 2)

        assert sorted(p["code"] for p in rows) == every, sort
        key = {"provider": "provider_code"}.get(sort.lstrip("-"), sort.lstrip("-"))
        values = [p[key] for p in rows]
        assert values == sorted(values, reverse=sort.startswith("-")), sort


def test_programmes_are_found_by_provider_form_year_and_words(catalogue):
    assert codes(catalogue.programme_list(provider_code="OSH-OI", sort="code")) == [
        "OSH-1",
        "OSH-2",
        "OSH-3",
    ]
    assert codes(catalogue.programme_list(form="seminar", sort="code")) == ["ART-12", "LAB-24"]
    in_2024 = catalogue.programme_list(year=2024, sort="code")
    assert codes(in_2024) == ["ART-12", "MATH-72", "OSH-1", "OSH-3"]  # OSH-1 runs into 2024
    found = catalogue.programme_list(text="metodika")  # Latin letters find Cyrillic titles
    assert (found["total"], codes(found), found["sort"]) == (1, ["OSH-1"], None)
    both = catalogue.programme_list(text="teaching", provider_code="KAE", form="course")
    assert sorted(codes(both)) == ["MATH-72", "PHYS-80"] and both["total"] == 2


def test_a_programme_filter_out_of_its_vocabulary_is_refused_naming_the_field(catalogue):
    for arguments, field in (
        ({"form": "lecture"}, "form"),
        ({"year": 10_000}, "year"),
        ({"sort": "starts_on; DROP TABLE programmes"}, "sort"),
        ({"sort": "search_key"}, "sort"),  # a column, but not one the list offers
        ({"limit": 0}, "limit"),
    ):
        with pytest.raises(InvalidInputError) as refused:
            catalogue.programme_list(**arguments)
        assert list(refused.value.fields) == [field], arguments
    with pytest.raises(NotFoundError):
        catalogue.programme_list(provider_code="NOPE")
    assert catalogue.programme_list()["total"] == 7  # nothing was dropped


def test_providers_are_listed_in_every_offered_order(catalogue):
    for sort in PROVIDER_SORTS.choices:
        found = catalogue.provider_list(sort=sort)

        key = sort.lstrip("-")
        values = [p[key] for p in found["providers"]]
        assert found["total"] == 3, sort
        assert values == sorted(values, reverse=sort.startswith("-")), sort


def test_providers_are_found_by_kind_region_and_suspension(catalogue):
    def listed(**filters):
        return [p["code"] for p in catalogue.provider_list(**filters)["providers"]]

    assert listed(kind="oblast_institute") == ["OSH-OI"]
    assert listed(region="KG-GB") == ["BGU", "KAE"]
    assert listed(suspended=True) == ["BGU"]
    assert listed(suspended=False, sort="-code") == ["OSH-OI", "KAE"]
    page = catalogue.provider_list(limit=2, offset=2)
    assert page["total"] == 3 and [p["code"] for p in page["providers"]] == ["OSH-OI"]
    with pytest.raises(InvalidInputError):
        catalogue.provider_list(kind="school")


@pytest.fixture
def certified(registry):
    """KAE's certificates of two teachers (Chüy and Osh): issued, paper, a duplicate, a
    revoked one; one OSH-OI paper certificate."""
    provider(registry, "KAE")
    provider(registry, "OSH-OI", kind="oblast_institute", region="KG-O")
    registry.register_teacher(ADMIN, teacher())
    registry.register_teacher(
        ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Осмонов", region="KG-O", district="Aravan")
    )
    prog = registry.register_programme(ADMIN, programme()).data
    for pin, number in ((PIN, "KAE-1"), (OTHER_PIN, "KAE-2")):
        enrolment = registry.enrol(ADMIN, prog["id"], pin).data
        registry.assess(ADMIN, enrolment["id"], passed=True, assessed_on=date(2024, 3, 21))
        registry.issue_certificate(
            ADMIN, enrolment["id"], number=number, issued_on=date(2024, 3, 22)
        )
    for pin, number, code, issued in (
        (PIN, "KAE-P-2019", "KAE", date(2019, 2, 1)),
        (OTHER_PIN, "KAE-P-2020", "KAE", date(2020, 2, 1)),
        (OTHER_PIN, "OSH-P-2018", "OSH-OI", date(2018, 2, 1)),
    ):
        registry.record_legacy_certificate(
            ADMIN,
            pin=pin,
            number=number,
            provider_code=code,
            title="Методика",
            form="seminar",
            hours=18,
            issued_on=issued,
        )
    registry.issue_duplicate(ADMIN, "KAE-1", number="KAE-1-D", issued_on=date(2024, 6, 1))
    registry.revoke_certificate(ADMIN, "KAE-P-2020", reason="issued in error")
    return caught_up(registry)


def numbers(found) -> list[str]:
    return [c["number"] for c in found["certificates"]]


def test_a_providers_certificates_come_newest_first_with_their_status_and_total(certified):
    found = certified.certificate_list("KAE")

    assert found["total"] == 5 and found["sort"] == "-issued_on"
    assert numbers(found) == ["KAE-1-D", "KAE-2", "KAE-1", "KAE-P-2020", "KAE-P-2019"]
    status = {c["number"]: c["status"] for c in found["certificates"]}
    assert status == {
        "KAE-1-D": "valid",
        "KAE-2": "valid",
        "KAE-1": "duplicate_issued",
        "KAE-P-2020": "revoked",
        "KAE-P-2019": "valid",
    }
    assert found["certificates"][1]["full_name"] == "Бакыт Осмонов"


def test_a_providers_certificates_are_found_by_dates_status_kind_and_form(certified):
    assert numbers(
        certified.certificate_list("KAE", date_from=date(2020, 1, 1), date_to=date(2024, 3, 31))
    ) == [
        "KAE-2",
        "KAE-1",
        "KAE-P-2020",
    ]
    assert numbers(certified.certificate_list("KAE", status="valid", sort="number")) == [
        "KAE-1-D",
        "KAE-2",
        "KAE-P-2019",
    ]
    assert numbers(certified.certificate_list("KAE", status="revoked")) == ["KAE-P-2020"]
    assert numbers(certified.certificate_list("KAE", status="duplicate_issued")) == ["KAE-1"]
    assert numbers(certified.certificate_list("KAE", kind="legacy", sort="issued_on")) == [
        "KAE-P-2019",
        "KAE-P-2020",
    ]
    assert certified.certificate_list("KAE", form="course")["total"] == 3
    assert numbers(certified.certificate_list("OSH-OI")) == ["OSH-P-2018"]
    with pytest.raises(InvalidInputError):
        certified.certificate_list("KAE", date_from=date(2024, 1, 1), date_to=date(2023, 1, 1))
    with pytest.raises(InvalidInputError):
        certified.certificate_list("KAE", status="lost")
    with pytest.raises(NotFoundError):
        certified.certificate_list("NOPE")


def test_every_certificate_sort_pages_through_every_certificate_once(certified):
    every = sorted(numbers(certified.certificate_list("KAE")))
    for sort in CERTIFICATE_SORTS.choices:

        def read(limit, offset, sort=sort):
            found = certified.certificate_list("KAE", sort=sort, limit=limit, offset=offset)
            return {"rows": found["certificates"], "total": found["total"]}

        rows = every_page(read, 2)

        assert sorted(c["number"] for c in rows) == every, sort
        key = {"name": "full_name"}.get(sort.lstrip("-"), sort.lstrip("-"))
        values = [(c[key], c["number"]) for c in rows]
        assert values == sorted(values, reverse=sort.startswith("-")), sort


def test_a_bound_commission_lists_only_its_regions_teachers_certificates(certified):
    found = certified.certificate_list("KAE", actor=CHUY_COMMISSION)

    assert (found["total"], numbers(found)) == (3, ["KAE-1-D", "KAE-1", "KAE-P-2019"])
    assert all(c["pin"] == PIN for c in found["certificates"])


def test_a_total_counts_no_further_than_its_bound(certified):
    with certified.app.db.reading() as cur:
        assert listing.count(cur, "certificate_index c", (), cap=3) == (3, True)
        assert listing.count(cur, "certificate_index c", (), cap=6) == (6, False)
        assert listing.count(cur, "certificate_index c WHERE c.hours > ?", (50,), cap=6) == (
            3,
            False,
        )
