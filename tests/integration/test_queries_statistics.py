"""Statistics, open data, due lists and the pseudonymised table, judged on a date in SQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.bootstrap import open_worker
from registry.domain.errors import InvalidInputError
from tests.builders import ADMIN, provider, teacher
from tests.readside import caught_up

PINS = [f"2150519850{n:04d}" for n in range(12)]


def legacy(
    registry,
    pin: str,
    number: str,
    hours: int,
    issued_on: date,
    form: str = "seminar",
    provider_code: str = "KAE",
) -> None:
    registry.record_legacy_certificate(
        ADMIN,
        pin=pin,
        number=number,
        provider_code=provider_code,
        title="Upgrading",
        form=form,
        hours=hours,
        issued_on=issued_on,
    )


def boundary_teachers(registry) -> None:
    """Teachers whose certificates, service starts and departures sit on the rule's edges."""
    provider(registry)
    places = {0: ("KG-C", "Sokuluk"), 1: ("KG-C", "Сокулукский"), 2: ("KG-GB", "Leninsky")}
    starts = [
        date(2000, 9, 1),
        date(2020, 2, 29),
        date(2000, 9, 1),
        date(2000, 9, 1),
        date(2000, 9, 1),
        date(2019, 9, 1),
    ]
    for n, start in enumerate(starts):
        region, district = places[n % 3]
        registry.register_teacher(
            ADMIN,
            teacher(
                pin=PINS[n],
                service_start=start,
                region=region,
                district=district,
                school=f"School {n % 2}",
            ),
        )
    legacy(registry, PINS[0], "B-0", 72, date(2020, 2, 29), form="course")
    legacy(registry, PINS[2], "B-2a", 36, date(2019, 6, 10))
    legacy(registry, PINS[2], "B-2b", 36, date(2021, 3, 1), form="training")
    legacy(registry, PINS[3], "B-3", 72, date(2021, 1, 15), form="course")
    registry.record_departure(ADMIN, PINS[3], effective_on=date(2023, 5, 1), reason="retired")
    legacy(registry, PINS[4], "B-4", 100, date(2016, 2, 29), form="course")
    legacy(registry, PINS[5], "B-5", 72, date(2023, 9, 1), form="course")
    registry.revoke_certificate(ADMIN, "B-5", reason="forged")


EDGES = [
    date(2021, 2, 28),
    date(2021, 3, 1),
    date(2024, 6, 10),
    date(2023, 5, 1),
    date(2024, 9, 1),
    date(2025, 2, 28),
    date(2024, 2, 29),
    date(2025, 1, 1),
    date(2019, 8, 31),
    date(2020, 2, 29),
]


def test_statuses_judged_in_sql_equal_the_rule_on_every_edge(registry):
    boundary_teachers(registry)
    queries = caught_up(registry)
    keys = {registry.keys.pseudonym(queries.teacher(pin)["id"]): pin for pin in PINS[:6]}
    for edge in EDGES:
        for as_of in (edge - timedelta(days=1), edge, edge + timedelta(days=1)):
            table = {keys[row["key"]]: row for row in queries.pseudonymised_teachers(as_of)}
            for pin in PINS[:6]:
                rule = queries.compliance(pin, as_of)
                if queries.teacher(pin)["service_start"] > as_of:
                    assert pin not in table
                    continue
                assert (table[pin]["status"], table[pin]["hours"]) == (
                    rule["status"],
                    rule["hours"],
                ), (pin, as_of)
                listed = queries.due_list(status=rule["status"], as_of=as_of)
                line = next(t for t in listed if t["pin"] == pin)
                assert (line["next_due"], line["missing_hours"]) == (
                    rule["next_due"],
                    rule["missing_hours"],
                ), (pin, as_of)


def test_the_edges_fall_where_the_regulation_puts_them(registry):
    boundary_teachers(registry)
    queries = caught_up(registry)

    def status(pin: str, on: date) -> str:
        return queries.compliance(pin, on)["status"]

    # 72 hours on 29 Feb 2020 count until 28 Feb 2025; due soon from 180 days before.
    assert [
        status(PINS[0], d)
        for d in (date(2024, 8, 31), date(2024, 9, 1), date(2025, 2, 27), date(2025, 2, 28))
    ] == ["compliant", "due_soon", "due_soon", "overdue"]
    assert [status(PINS[1], d) for d in (date(2025, 2, 27), date(2025, 2, 28))] == [
        "grace",
        "overdue",
    ]
    assert [
        status(PINS[2], d) for d in (date(2021, 2, 28), date(2021, 3, 1), date(2024, 6, 10))
    ] == ["overdue", "compliant", "overdue"]


def test_a_new_policy_version_changes_the_statistics_from_its_date(registry):
    boundary_teachers(registry)
    registry.adopt_policy(ADMIN, effective_from=date(2024, 1, 1), window_years=1, required_hours=36)
    queries = caught_up(registry)
    keys = {registry.keys.pseudonym(queries.teacher(pin)["id"]): pin for pin in PINS[:6]}
    for as_of in (date(2023, 12, 31), date(2024, 1, 1), date(2024, 6, 30)):
        table = {keys[row["key"]]: row["status"] for row in queries.pseudonymised_teachers(as_of)}
        assert table == {pin: queries.compliance(pin, as_of)["status"] for pin in table}
    assert queries.compliance(PINS[0], date(2024, 6, 30))["required_hours"] == 36


def test_compliance_statistics_count_teachers_by_group(registry):
    boundary_teachers(registry)
    queries = caught_up(registry)
    on = date(2025, 1, 1)
    by_region = {g["group"]: g for g in queries.compliance_statistics(on, "region")}
    assert set(by_region) == {"KG-C", "KG-GB"}
    assert sum(g["total"] for g in by_region.values()) == 6
    total = {
        s: sum(g[s] for g in by_region.values())
        for s in ("compliant", "due_soon", "grace", "overdue", "inactive")
    }
    assert total == {"compliant": 0, "due_soon": 1, "grace": 1, "overdue": 3, "inactive": 1}

    by_district = {g["group"]: g for g in queries.compliance_statistics(on, "district")}
    assert by_district["sokuluk"]["total"] == 4  # "Сокулукский" is the same district
    assert by_district["sokuluk"]["region"] == "KG-C"
    by_kind = {g["group"]: g["total"] for g in queries.compliance_statistics(on, "provider_kind")}
    assert by_kind == {"academy": 3, "none": 3}  # the provider of a counting certificate
    assert queries.compliance_statistics(date(2019, 9, 1), "position")[0]["total"] == 5
    with pytest.raises(InvalidInputError):
        queries.compliance_statistics(on, "pin")


def test_a_district_written_in_kyrgyz_russian_or_english_is_one_group(registry):
    names = ("Аламүдүн", "Аламудунский", "Alamüdün")  # Kyrgyz, Russian, English
    for n, name in enumerate(names):
        registry.register_teacher(ADMIN, teacher(pin=f"2150519850{n:04d}", district=name))
    queries = caught_up(registry)
    on = date(2025, 1, 1)
    by_district = {g["group"]: g["total"] for g in queries.compliance_statistics(on, "district")}
    assert list(by_district.values()) == [3]
    assert [g["group"] for g in queries.open_data(on, "district")] == list(by_district)


def test_open_data_hides_groups_of_fewer_than_five_teachers(registry):
    provider(registry)
    for n in range(7):
        region = "KG-C" if n < 5 else "KG-N"
        district = "Sokuluk" if n < 5 else "Kochkor"
        registry.register_teacher(ADMIN, teacher(pin=PINS[n], region=region, district=district))
    rows = {r["group"]: r for r in caught_up(registry).open_data(date(2025, 1, 1), "region")}
    assert rows["KG-C"]["suppressed"] is False and rows["KG-C"]["total"] == 5
    assert rows["KG-C"]["overdue"] == 5
    assert rows["KG-N"] == {
        "group": "KG-N",
        "suppressed": True,
        "total": None,
        "compliant": None,
        "due_soon": None,
        "grace": None,
        "overdue": None,
        "inactive": None,
    }


def test_due_lists_name_the_teachers_a_district_must_send_to_courses(registry):
    boundary_teachers(registry)
    queries = caught_up(registry)
    overdue = queries.due_list(status="overdue", as_of=date(2025, 1, 1), district="Sokuluk")
    assert [t["pin"] for t in overdue] == [PINS[4]]
    assert all(t["district"] == "Sokuluk" and t["status"] == "overdue" for t in overdue)
    assert all(t["missing_hours"] > 0 and t["next_due"] is None for t in overdue)
    grace = queries.due_list(status="grace", as_of=date(2025, 1, 1), region="KG-C")
    assert [(t["pin"], t["next_due"]) for t in grace] == [(PINS[1], date(2025, 2, 28))]
    assert (
        queries.due_list(
            status="due_soon", as_of=date(2025, 1, 1), school="School 1", region="KG-GB"
        )
        == []
    )
    with pytest.raises(InvalidInputError):
        queries.due_list(status="late")


def test_the_statisticians_table_carries_no_name_and_no_pin(registry):
    boundary_teachers(registry)
    queries = caught_up(registry)
    rows = queries.pseudonymised_teachers(date(2025, 1, 1))
    assert len(rows) == 6 and len({r["key"] for r in rows}) == 6
    text = repr(rows)
    assert not any(pin in text for pin in PINS) and "Айгүл" not in text
    assert set(rows[0]) == {
        "key",
        "region",
        "district",
        "school",
        "subject",
        "position",
        "service_years",
        "status",
        "hours",
    }
    by_key = {r["key"]: r for r in rows}
    assert by_key[registry.keys.pseudonym(queries.teacher(PINS[1])["id"])]["service_years"] == 4
    # Districts, subjects and positions as the statistics group them: by their codes.
    districts = {g["group"] for g in queries.compliance_statistics(date(2025, 1, 1), "district")}
    assert {r["district"] for r in rows} == districts
    assert queries.pseudonymised_teachers(date(2025, 1, 1), limit=2, offset=5) == rows[5:]


def test_activity_counts_certificates_hours_and_teachers_reached(registry):
    boundary_teachers(registry)
    registry.transfer_teacher(
        ADMIN,
        PINS[2],
        region="KG-C",
        district="Sokuluk",
        school="School 9",
        effective_on=date(2020, 1, 1),
    )
    queries = caught_up(registry)
    by_form = {
        g["group"]: g
        for g in queries.activity_statistics(date(2019, 1, 1), date(2021, 12, 31), "form")
    }
    assert by_form["course"] == {"group": "course", "certificates": 2, "hours": 144, "teachers": 2}
    assert by_form["seminar"]["hours"] == 36 and by_form["training"]["teachers"] == 1
    by_region = {
        g["group"]: g["certificates"]
        for g in queries.activity_statistics(date(2019, 1, 1), date(2021, 12, 31), "region")
    }
    # Teacher 2's 2019 seminar was earned in Bishkek, the 2021 training after the move to Chüy.
    assert by_region == {"KG-C": 3, "KG-GB": 1}
    assert {
        g["group"]
        for g in queries.activity_statistics(date(2016, 1, 1), date(2024, 12, 31), "mode")
    } == {"unknown"}
    with pytest.raises(InvalidInputError):
        queries.activity_statistics(date(2024, 1, 1), date(2023, 1, 1), "form")


def test_statistics_asked_again_follow_new_events_and_resist_callers_changes(registry):
    boundary_teachers(registry)
    queries = caught_up(registry)
    on = date(2025, 1, 1)
    first = queries.compliance_statistics(on, "region")
    first[0]["total"] = -1  # a caller's change must not reach the next caller
    assert queries.compliance_statistics(on, "region")[0]["total"] > 0
    written = registry.register_teacher(
        ADMIN, teacher(pin=PINS[9], region="KG-N", district="Kochkor")
    )
    assert "KG-N" not in {g["group"] for g in queries.compliance_statistics(on, "region")}
    open_worker(registry).catch_up()  # the same queries object sees the views move...
    # ...at once for a read that asks for the write's position (without it, the table
    # of a moment ago may answer while the new one is computed in the background).
    queries.wait_for(written.position)
    assert "KG-N" in {g["group"] for g in queries.compliance_statistics(on, "region")}


def test_open_data_hides_a_second_district_where_the_region_would_give_a_small_one_away(
    registry,
):
    """KG-C's row less its published districts would be Sokuluk's 3 teachers: the next
    smallest district of the region is suppressed with it, so the difference is a group
    of 8 (two districts) and no group under five can be worked out."""
    sizes = {"Sokuluk": 3, "Alamüdün": 5, "Kemin": 6}
    n = 0
    for district, size in sizes.items():
        for _ in range(size):
            registry.register_teacher(
                ADMIN, teacher(pin=f"2150519850{n:04d}", region="KG-C", district=district)
            )
            n += 1
    queries = caught_up(registry)
    on = date(2025, 1, 1)
    rows = {r["group"]: r for r in queries.open_data(on, "district")}
    assert {g: r["suppressed"] for g, r in rows.items()} == {
        "sokuluk": True,
        "alamudun": True,  # not small itself: hidden so that Sokuluk's count stays hidden
        "kemin": False,
    }
    assert rows["alamudun"]["total"] is None and rows["kemin"]["total"] == 6
    [region] = queries.open_data(on, "region")
    published = sum(r["total"] for r in rows.values() if not r["suppressed"])
    assert region["total"] - published >= 5
    # The statisticians' own figures are not suppressed.
    totals = {g["group"]: g["total"] for g in queries.compliance_statistics(on, "district")}
    assert totals == {"sokuluk": 3, "alamudun": 5, "kemin": 6}
