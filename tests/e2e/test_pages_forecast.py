"""The demand forecast page: a chart of teachers due against places, its table, the groups,
CSV and .xlsx downloads; counts only; a commission sees its region; months 1 to 60."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from tests import builders

START = "2026-12-01"


@pytest.fixture(scope="module")
def places(site):
    """A programme of KAE (Bishkek) with 25 places starting in January 2027."""
    app, _seeded = site
    registry = app.extensions["registry"].registry
    registry.register_programme(
        builders.ADMIN,
        builders.programme(
            code="FORECAST-1",
            capacity=25,
            subject="Physics",
            starts_on=date(2027, 1, 11),
            ends_on=date(2027, 2, 11),
        ),
    )
    app.extensions["registry"].queries.wait_for(registry.max_position(), timeout=10)
    return 25


def rows_of(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_statistician_sees_demand_beside_places_month_by_month(as_role, places, seeded):
    statistician = as_role("statistician")
    response = statistician.get(f"/forecast?from={START}&months=60&lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<svg role="img" aria-label="Teachers due for a course and places, by month"' in page
    cells = re.findall(
        r'<th scope="row">2027-01</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>', page
    )
    assert cells[0] == ("0", "25")
    assert page.count('<th scope="row">20') >= 60  # every month in the table
    assert 'href="/forecast.csv?' in page and 'href="/forecast.xlsx?' in page
    # Counts only: no teacher's name or PIN.
    for teacher_name in ("Осмонов", "Токтогулова", "Асанова"):
        assert teacher_name not in page
    assert builders.PIN not in page
    # The navigation leads here.
    assert 'href="/forecast"' in statistician.text("/statistics?lang=en")


def test_the_download_carries_the_same_numbers(as_role, places):
    response = as_role("admin").get(f"/forecast.csv?from={START}&months=60&group_by=region")
    assert response.mimetype == "text/csv"
    rows = rows_of(response)
    assert {
        "month": "2027-01",
        "group": "KG-GB",
        "due": "0",
        "places": "25",
        "overdue": "0",
    } in rows
    page = as_role("admin").text(f"/forecast?from={START}&months=60&group_by=region&lang=en")
    assert sum(int(r["due"]) for r in rows) == sum(
        int(r["due"])
        for r in rows_of(
            as_role("admin").get(f"/api/v1/statistics/forecast?from={START}&months=60&format=csv")
        )
    )
    assert "Places" in page
    xlsx = as_role("admin").get(f"/forecast.xlsx?from={START}&months=12")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_a_commission_sees_its_region_alone(as_role, places):
    osh = as_role("osh-commission")
    page = osh.text(f"/forecast?from={START}&months=60&group_by=district&lang=en")
    assert "Osh" in page and 'name="region"' not in page
    assert "Kara-Suu" in page and "Bishkek" not in page
    rows = rows_of(osh.get(f"/forecast.csv?from={START}&months=60&group_by=region"))
    assert {r["group"] for r in rows} <= {"KG-O"}
    assert osh.get(f"/forecast?from={START}&region=KG-GB").status_code == 403
    # Chüy's commission: not Bishkek's places, nor Osh's teachers.
    chuy = rows_of(as_role("commission").get(f"/forecast.csv?from={START}&months=60"))
    assert {r["group"] for r in chuy} <= {"KG-C"}


def test_months_outside_one_to_sixty_are_a_clear_error(as_role):
    statistician = as_role("statistician")
    for months in ("0", "61", "1000", "-1", "two"):
        response = statistician.get(f"/forecast?months={months}&lang=en")
        assert response.status_code == 400, months
        assert "is not a whole number from 1 to 60" in response.get_data(as_text=True)
        assert statistician.get(f"/forecast.csv?months={months}").status_code == 400
    ru = statistician.text("/forecast?months=0&lang=ru")
    assert "Месяцы" in ru


def test_roles_without_the_forecast_do_not_see_it(as_role):
    registrar = as_role("registrar")
    assert registrar.get("/forecast").status_code == 403
    assert 'href="/forecast"' not in registrar.text("/?lang=en")
