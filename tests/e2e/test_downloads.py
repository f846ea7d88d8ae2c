"""Every table download comes as CSV and as its Excel twin (.xlsx), with the same rows:
dates as dates, numbers as numbers, and no text ever run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, TEACHER

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def database_url(sqlite_url):  # the format is the web layer's: one engine is enough
    return sqlite_url


def sheet_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    (sheet,) = book.worksheets
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def due_soon(callers):
    """A teacher whose school name would be a formula in a spreadsheet, whose one
    certificate stops counting in a month."""
    admin = callers["admin"]
    written = admin.post("/teachers", json=dict(TEACHER, school="=HYPERLINK(1)"))
    assert written.status_code == 201
    issued = date.today().replace(year=date.today().year - 5) + timedelta(days=30)
    legacy = admin.post(
        "/certificates/legacy",
        json={
            "pin": PIN,
            "number": "KAE-OLD-1",
            "provider_code": "KAE",
            "title": "Methods",
            "form": "course",
            "hours": 72,
            "issued_on": issued.isoformat(),
        },
    )
    assert legacy.status_code == 201, legacy.get_json()
    return legacy.headers["X-Registry-Position"]


def test_the_due_list_as_xlsx_holds_the_csv_rows_with_dates_as_dates(callers, due_soon):
    admin = callers["admin"]
    path = f"/due?status=due_soon&min_position={due_soon}"
    as_csv = csv_rows(admin.get(f"{path}&format=csv"))
    response = admin.get(f"{path}&format=xlsx")
    as_xlsx = sheet_rows(response)

    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    assert as_xlsx[0] == as_csv[0]  # the same header
    assert len(as_xlsx) == len(as_csv) == 2
    row = dict(zip(as_xlsx[0], as_xlsx[1]))
    assert row["pin"] == PIN
    assert row["school"] == "=HYPERLINK(1)"  # kept as the text it is...
    csv_row = dict(zip(as_csv[0], as_csv[1]))
    assert csv_row["school"] == "'=HYPERLINK(1)"  # ...which CSV can only say with a quote
    assert isinstance(row["next_due"], (date, datetime))
    assert row["next_due"].isoformat()[:10] == csv_row["next_due"]
    assert row["missing_hours"] == int(csv_row["missing_hours"])


def test_the_api_offers_xlsx_wherever_it_offers_csv_and_documents_it(callers, api_app):
    for caller, path in (
        (callers["statistician"], "/statistics/compliance?group_by=region"),
        (callers["statistician"], "/statistics/activity?from=2024-01-01&to=2024-12-31"),
        (callers["statistician"], "/statistics/teachers"),
        (callers["public"], "/open-data/compliance"),
    ):
        as_csv = csv_rows(caller.get(f"{path}&format=csv" if "?" in path else f"{path}?format=csv"))
        as_xlsx = sheet_rows(
            caller.get(f"{path}&format=xlsx" if "?" in path else f"{path}?format=xlsx")
        )
        assert as_xlsx[0] == as_csv[0], path
    spec = callers["admin"].get("/openapi.json").get_json()
    content = spec["paths"]["/api/v1/due"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv", XLSX} <= set(content)
    refused = callers["admin"].get("/due?status=overdue&format=xls")
    assert refused.status_code == 400 and "format" in refused.get_json()["error"]["fields"]


def test_the_dashboards_offer_both_downloads(api_app):
    page = api_app.test_client().get("/open-data?group_by=region")
    html = page.get_data(as_text=True)
    assert 'href="/open-data.csv?' in html and 'href="/open-data.xlsx?' in html
    rows = sheet_rows(api_app.test_client().get("/open-data.xlsx?group_by=region"))
    assert rows[0][:2] == ["group", "total"]
    assert api_app.test_client().get("/open-data.xls").status_code == 404
