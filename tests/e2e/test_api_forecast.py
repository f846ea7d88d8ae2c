"""The demand forecast over HTTP equals a brute-force count from the per-teacher rule, for
random cohorts on each engine; months outside 1–60 are refused; CSV carries the rows."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

from registry.commands.base import Actor
from registry.queries import Queries
from tests.e2e.api_support import *

START = date(2026, 12, 15)


def _cohort(registry, seed: int) -> list[str]:
    rnd = random.Random(seed)
    system = Actor.system()
    regions = [("KG-C", "Sokuluk"), ("KG-O", "Kara-Suu"), ("KG-GB", "Leninsky")]
    pins = []
    for i in range(12):
        pin = f"2150519850{seed % 10}{i:03d}"
        region, district = rnd.choice(regions)
        registry.register_teacher(
            system,
            {
                "pin": pin,
                "full_name": f"Учитель {i}",
                "region": region,
                "district": district,
                "school": "School No. 1",
                "subject": rnd.choice(["Mathematics", "Physics"]),
                "position": "teacher",
                "service_start": date(rnd.randint(2005, 2024), 9, 1),
            },
        )
        for n in range(rnd.randint(0, 2)):
            registry.record_legacy_certificate(
                system,
                pin=pin,
                number=f"F-{seed}-{i}-{n}",
                provider_code="KAE",
                title="Курс",
                form="course" if n == 0 else "seminar",
                hours=72 if n == 0 else 36,
                issued_on=date(rnd.randint(2019, 2026), rnd.randint(1, 10), 1),
            )
        if rnd.random() < 0.15:
            registry.record_departure(system, pin, effective_on=date(2025, 6, 1), reason="left")
        pins.append(pin)
    return pins


def _brute(registry, pins, months: int, group_by: str):
    q = Queries(registry)
    due, backlog = Counter(), Counter()
    last = (START.year * 12 + START.month - 1) + months
    for pin in pins:
        c = q.compliance(pin, as_of=START)
        group = q.teacher(pin)[group_by]
        if c["status"] == "overdue":
            backlog[group] += 1
        elif c["next_due"] is not None:
            index = c["next_due"].year * 12 + c["next_due"].month - 1
            if START.year * 12 + START.month - 1 <= index < last:
                due[(f"{c['next_due']:%Y-%m}", group)] += 1
    return due, backlog


def test_the_forecast_equals_a_count_by_the_per_teacher_rule(api_app, callers):
    registry = api_app.extensions["registry"].registry
    statistician = callers["statistician"]
    seen = Counter()
    for seed in (1, 2, 3):
        pins = _cohort(registry, seed) if seed == 1 else pins + _cohort(registry, seed)
        position = registry.max_position()
        for months, group_by in ((60, "region"), (7, "subject"), (24, "district")):
            response = statistician.get(
                f"/statistics/forecast?from={START}&months={months}&group_by={group_by}"
                f"&min_position={position}"
            )
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            due, backlog = _brute(registry, pins, months, group_by)
            assert {(r["month"], r["group"]): r["due"] for r in body["rows"]} == dict(due)
            assert {r["group"]: r["overdue"] for r in body["backlog"]} == dict(backlog)
            assert len(body["totals"]) == months and body["totals"][0]["month"] == "2026-12"
            assert sum(t["due"] for t in body["totals"]) == sum(due.values())
            assert "Учитель" not in response.get_data(as_text=True)
            seen["due"] += sum(due.values())
            seen["overdue"] += sum(backlog.values())
    assert seen["due"] and seen["overdue"]  # the cohorts exercise both counts


def test_months_outside_one_to_sixty_are_refused(callers):
    for months in (0, 61, 1000, -1):
        response = callers["admin"].get(f"/statistics/forecast?months={months}")
        assert response.status_code == 422, months
        assert "months" in str(response.get_json())
    # An unknown grouping is malformed input, as on every statistics read.
    assert callers["admin"].get("/statistics/forecast?group_by=colour").status_code == 400


def test_the_forecast_downloads_as_csv_and_a_commission_sees_its_region(api_app, callers):
    registry = api_app.extensions["registry"].registry
    _cohort(registry, 5)
    position = registry.max_position()
    csv_text = (
        callers["admin"]
        .get(f"/statistics/forecast?from={START}&months=60&format=csv&min_position={position}")
        .get_data(as_text=True)
    )
    assert csv_text.lstrip("\ufeff").startswith("month,group,due,places,overdue")
    # The backlog (the JSON's) is on the first month's rows: the CSV counts it too.
    answer = callers["admin"].get(f"/statistics/forecast?from={START}&months=60").get_json()
    first = answer["totals"][0]["month"]
    lines = [line.split(",") for line in csv_text.lstrip("\ufeff").splitlines()[1:]]
    overdue = {(m, g): int(n) for m, g, _due, _places, n in lines if int(n)}
    assert overdue == {(first, b["group"]): b["overdue"] for b in answer["backlog"]}
    assert overdue  # the cohort has teachers overdue at the start
    chuy = callers["commission"].get(f"/statistics/forecast?from={START}&months=60").get_json()
    assert {r["group"] for r in chuy["rows"] + chuy["backlog"]} <= {"KG-C"}
    assert callers["commission"].get("/statistics/forecast?region=KG-O").status_code == 403


def _programme(caller, code: str, provider: str, starts_on: str, **extra):
    body = {
        "provider_code": provider,
        "code": code,
        "title": f"Course {code}",
        "form": "course",
        "mode": "full_time",
        "hours": 72,
        "assessment": "exam",
        "funding": "state",
        "starts_on": starts_on,
        "ends_on": starts_on[:8] + "30" if starts_on[5:7] != "02" else starts_on[:8] + "28",
        **extra,
    }
    return caller.post("/programmes", json=body)


def test_the_places_of_programmes_stand_beside_the_demand(api_app, callers):
    registry = api_app.extensions["registry"].registry
    admin = callers["admin"]
    registry.register_provider(
        Actor.system(), code="CHU", name="Chuy Institute", kind="academy", region="KG-C"
    )
    made = _programme(admin, "P-1", "KAE", "2027-01-10", capacity=25, subject="Physics")
    assert made.status_code == 201, made.get_json()
    # The subject as the listed subject's code (a name in any of the three languages).
    assert made.get_json()["capacity"] == 25 and made.get_json()["subject"] == "physics"
    unlisted = _programme(admin, "P-0", "KAE", "2027-01-10", subject="Astrology")
    assert unlisted.status_code == 422 and unlisted.get_json()["error"]["code"] == "unknown_code"
    assert _programme(admin, "P-2", "CHU", "2027-01-20", capacity=10).status_code == 201
    unknown = _programme(admin, "P-3", "OBL", "2027-03-01")  # places not known: not counted
    assert unknown.status_code == 201 and unknown.get_json()["capacity"] is None
    # before the window, and after it
    assert _programme(admin, "P-4", "KAE", "2026-11-30", capacity=99).status_code == 201
    assert _programme(admin, "P-5", "KAE", "2027-06-01", capacity=99).status_code == 201
    # Places are changed (or cleared) later by the provider's registrar.
    changed = callers["registrar"].patch(f"/programmes/{made.get_json()['id']}", {"capacity": 30})
    assert changed.status_code == 200 and changed.get_json()["capacity"] == 30
    other = callers["other_registrar"].patch(
        f"/programmes/{made.get_json()['id']}", {"capacity": 5}
    )
    assert other.status_code == 403
    patched = admin.patch(f"/programmes/{unknown.get_json()['id']}", {"capacity": 40})
    position = patched.headers["X-Registry-Position"]

    def forecast(caller, group_by="region"):
        response = caller.get(
            f"/statistics/forecast?from={START}&months=6&group_by={group_by}"
            f"&min_position={position}"
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    body = forecast(callers["statistician"])
    places = {t["month"]: t["places"] for t in body["totals"]}
    assert places == {
        "2026-12": 0,
        "2027-01": 40,
        "2027-02": 0,
        "2027-03": 40,
        "2027-04": 0,
        "2027-05": 0,
    }
    assert {(r["month"], r["group"]): r["places"] for r in body["places"]} == {
        ("2027-01", "KG-GB"): 30,
        ("2027-01", "KG-C"): 10,
        ("2027-03", "KG-O"): 40,
    }
    by_subject = forecast(callers["statistician"], "subject")["places"]
    assert {(r["month"], r["group"]): r["places"] for r in by_subject} == {
        ("2027-01", "physics"): 30,  # the programme's "Physics", by its code
        ("2027-01", None): 10,
        ("2027-03", None): 40,
    }
    csv_text = (
        callers["statistician"]
        .get(f"/statistics/forecast?from={START}&months=6&format=csv&min_position={position}")
        .get_data(as_text=True)
    )
    assert csv_text.lstrip("\ufeff").startswith("month,group,due,places")
    assert "2027-01,KG-GB,0,30" in csv_text and "2027-03,KG-O,0,40" in csv_text
    # A commission bound to a region counts the places of that region's providers.
    chuy = forecast(callers["commission"])
    assert [t["places"] for t in chuy["totals"]] == [0, 10, 0, 0, 0, 0]
    # The programme list and its download carry the places.
    listed = admin.get(f"/programmes?provider_code=KAE&min_position={position}").get_json()
    assert {p["code"]: p["capacity"] for p in listed["programmes"]}["P-1"] == 30
    assert ",subject,capacity" in admin.get("/programmes?format=csv").get_data(as_text=True)


def test_places_must_be_a_whole_number_from_one(callers):
    admin = callers["admin"]
    # Out of range breaks the rule (422); not a whole number is a malformed body (400).
    for bad, status in ((0, 422), (-3, 422), (100_001, 422), (1.5, 400), ("12", 400), (True, 400)):
        response = _programme(admin, "BAD", "KAE", "2027-01-10", capacity=bad)
        assert response.status_code == status, bad
        assert "capacity" in str(response.get_json())
    made = _programme(admin, "OK", "KAE", "2027-01-10", capacity=None)
    assert made.status_code == 201 and made.get_json()["capacity"] is None
    programme_id = made.get_json()["id"]
    for body, status in (({"capacity": 0}, 422), ({"capacity": "many"}, 400), ({}, 400)):
        response = admin.patch(f"/programmes/{programme_id}", body)
        assert response.status_code == status, body
        assert "capacity" in str(response.get_json())
    assert admin.patch(f"/programmes/{programme_id}", {"title": "New"}).status_code == 400
    position = made.headers["X-Registry-Position"]
    read = admin.get(f"/programmes/{programme_id}?min_position={position}")
    assert read.get_json()["capacity"] is None
