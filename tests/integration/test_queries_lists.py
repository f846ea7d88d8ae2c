"""Long lists on each engine: a page and the total, the filters, every offered sort in both
directions with pages that neither overlap nor skip, and no sort but the offered ones."""

from __future__ import annotations

from datetime import date

import pytest

from registry.access import Actor
from registry.domain.errors import ForbiddenError, InvalidInputError, NotFoundError
from registry.queries import listing, statistics
from registry.queries.certificates import CERTIFICATE_SORTS
from registry.queries.providers import PROGRAMME_SORTS, PROVIDER_SORTS
from registry.queries.statistics import DUE_SORTS, PSEUDONYM_SORTS, StatisticsQueries
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


STAFF = [  # pin, name, region, district, school
    ("21505198500001", "Жылдыз Абдыкадырова", "KG-C", "Sokuluk", "School No. 3"),
    ("21505198500002", "Айбек Токтосунов", "KG-C", "Sokuluk", "School No. 1"),
    ("21505198500003", "Бермет Исакова", "KG-C", "Alamüdün", "Lyceum 7"),
    ("21505198500004", "Нурлан Жумабеков", "KG-O", "Aravan", "School No. 5"),
    ("21505198500005", "Гүлнара Осмонова", "KG-O", "Aravan", "School No. 5"),
    ("21505198500006", "Эркин Садыков", "KG-O", "Kara-Suu", "School No. 9"),
    ("21505198500007", "Чолпон Касымова", "KG-C", "Sokuluk", "School No. 3"),
]
ON = date(2025, 1, 1)


@pytest.fixture
def staff(registry):
    """Seven teachers in service since 2000 in two regions, none with a certificate
    (overdue on 2025-01-01) but one with a 24-hour seminar in 2022."""
    provider(registry, "KAE")
    for pin, name, region, district, school in STAFF:
        registry.register_teacher(
            ADMIN,
            teacher(
                pin=pin,
                full_name=name,
                region=region,
                district=district,
                school=school,
                service_start=date(2000, 9, 1),
            ),
        )
    registry.record_legacy_certificate(
        ADMIN,
        pin=STAFF[3][0],
        number="S-1",
        provider_code="KAE",
        title="Методика",
        form="seminar",
        hours=24,
        issued_on=date(2022, 5, 5),
    )
    return caught_up(registry)


def names(found) -> list[str]:
    return [t["full_name"] for t in found["teachers"]]


def test_a_due_list_comes_a_page_at_a_time_by_place_with_its_total(staff):
    first = staff.due_page(status="overdue", as_of=ON, limit=3)
    rest = staff.due_page(status="overdue", as_of=ON, limit=3, offset=3)

    assert (first["total"], first["total_capped"], first["sort"]) == (7, False, "place")
    listed = (
        first["teachers"]
        + rest["teachers"]
        + staff.due_page(status="overdue", as_of=ON, limit=3, offset=6)["teachers"]
    )
    places = [(t["region"], t["district"], t["school"], t["full_name"]) for t in listed]
    assert places == sorted(places) and len(places) == 7


def test_a_districts_page_read_a_few_schools_at_a_time_is_the_page_of_every_teacher(
    staff, registry, monkeypatch
):
    # Sokuluk's overdue teachers at ten schools (names in two scripts and both cases, one
    # name at two schools); its pages, read a school or a few at a time, are those of
    # every teacher judged on the date, in the district, the region and the country.
    for n, (name, school) in enumerate(
        [
            ("Асель Бекова", "School No. 10"),
            ("Асель Бекова", "School No. 2"),
            ("Бакыт Уулу", "School No. 2"),
            ("Венера Ли", "Gymnasium 5"),
            ("Гуля Ким", "School No. 1"),
            ("Дина Ан", "School No. 1"),
            ("Жанар Оморова", "Школа № 4"),
            ("Зарина Алиева", "lyceum 2"),
            ("Ильяс Нуров", "School No. 9"),
        ]
    ):
        registry.register_teacher(
            ADMIN,
            teacher(
                pin=f"2150519860{n:04d}",
                full_name=name,
                region="KG-C",
                district="Sokuluk",
                school=school,
                service_start=date(2000, 9, 1),
            ),
        )
    caught_up(registry)
    every = StatisticsQueries(registry.db, answer_stale_s=0, scan=True)
    monkeypatch.setattr(statistics, "SCHOOL_WALK_TEACHERS", 0)
    # (PostgreSQL reads a district's page in the order of schools itself: walked anyway.)
    monkeypatch.setattr(registry.db, "sorts_incrementally", False)
    for at_once in (1, 2, 8):
        monkeypatch.setattr(statistics, "SCHOOLS_AT_ONCE", at_once)
        walked = StatisticsQueries(registry.db, answer_stale_s=0)
        for place in ({"district": "Sokuluk"}, {"region": "KG-C"}, {}):
            total = walked.due_page(status="overdue", as_of=ON, **place)[1]
            for limit in (1, 2, 5):
                for offset in range(total + 1):
                    page = {"status": "overdue", "as_of": ON, "limit": limit, "offset": offset}
                    assert walked.due_page(**page, **place) == every.due_page(**page, **place), (
                        at_once,
                        place,
                        limit,
                        offset,
                    )
    assert total == 7 + 9


def test_a_due_list_is_sorted_by_each_offered_order_and_narrowed_by_place(staff):
    for sort in DUE_SORTS.choices:
        rows = every_page(
            lambda limit, offset, sort=sort: {
                "rows": staff.due_page(
                    status="overdue", as_of=ON, sort=sort, limit=limit, offset=offset
                )["teachers"],
                "total": 7,
            },
            2,
        )
        assert sorted(t["pin"] for t in rows) == sorted(p for p, *_ in STAFF), sort
        if sort.lstrip("-") in ("name", "hours"):
            key = {"name": "full_name"}[sort.lstrip("-")] if "name" in sort else "hours"
            values = [t[key] for t in rows]
            assert values == sorted(values, reverse=sort.startswith("-")), sort
    by_name = staff.due_page(status="overdue", as_of=ON, sort="-name", region="KG-O")
    assert names(by_name) == ["Эркин Садыков", "Нурлан Жумабеков", "Гүлнара Осмонова"]
    school = staff.due_page(status="overdue", as_of=ON, district="Sokuluk", school="School No. 3")
    assert (school["total"], sorted(names(school))) == (
        2,
        ["Жылдыз Абдыкадырова", "Чолпон Касымова"],
    )
    assert staff.due_page(status="overdue", as_of=ON, district="Сокулукский")["total"] == 3
    with pytest.raises(InvalidInputError):
        staff.due_page(status="overdue", sort="full_name")


def test_a_bound_commissions_due_list_and_its_total_keep_to_its_region(staff):
    found = staff.due_page(status="overdue", as_of=ON, actor=CHUY_COMMISSION)

    assert found["total"] == 4 and {t["region"] for t in found["teachers"]} == {"KG-C"}
    with pytest.raises(ForbiddenError):
        staff.due_page(status="overdue", as_of=ON, region="KG-O", actor=CHUY_COMMISSION)


def test_the_statisticians_table_pages_with_its_total_filters_and_orders(staff):
    every = staff.pseudonymised_page(ON, limit=100)
    keys = [t["key"] for t in every["teachers"]]

    assert every["total"] == 7 and keys == sorted(keys) and every["sort"] == "key"
    osh = staff.pseudonymised_page(ON, region="KG-O")
    assert osh["total"] == 3 and {t["region"] for t in osh["teachers"]} == {"KG-O"}
    assert staff.pseudonymised_page(ON, status="compliant")["total"] == 0
    for sort in PSEUDONYM_SORTS.choices:
        rows = every_page(
            lambda limit, offset, sort=sort: {
                "rows": staff.pseudonymised_page(ON, sort=sort, limit=limit, offset=offset)[
                    "teachers"
                ],
                "total": 7,
            },
            3,
        )
        assert sorted(t["key"] for t in rows) == sorted(keys), sort
    by_hours = staff.pseudonymised_page(ON, sort="-hours", limit=1)["teachers"]
    assert by_hours[0]["hours"] == 24


def test_the_statisticians_table_pages_on_after_a_key_for_downloads(staff):
    keys = [t["key"] for t in staff.pseudonymised_page(ON, limit=100)["teachers"]]

    after = staff.pseudonymised_teachers(ON, limit=100, after=keys[2])

    assert [t["key"] for t in after] == keys[3:]
    osh = staff.pseudonymised_teachers(ON, limit=100, region="KG-O", after=keys[0])
    assert all(t["region"] == "KG-O" and t["key"] > keys[0] for t in osh)
    with pytest.raises(InvalidInputError):
        staff.pseudonymised_teachers(ON, sort="hours", after=keys[0])
