"""The streamed Excel workbook: Excel's types (texts never formulas, numbers, dates as
dates), a header row, and its bytes handed on before the rows are all read."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from web.xlsx import column_letters, workbook

COLUMNS = ("name", "hours", "rate", "issued_on", "recorded_at", "passed", "note")


def rows(count: int, pulled: list[int] | None = None):
    for n in range(count):
        if pulled is not None:
            pulled.append(n)
        yield {
            "name": "=SUM(A1)" if n == 0 else f"Айгүл & <{n}>",
            "hours": n,
            "rate": 0.75,
            "issued_on": date(2024, 3, 21),
            "recorded_at": datetime(2024, 3, 21, 9, 30, tzinfo=UTC),
            "passed": n % 2 == 0,
            "note": None if n else "a\x01b  ",
        }


def test_a_workbook_holds_its_rows_with_excels_types_under_a_bold_frozen_header():
    data = b"".join(workbook(rows(3), COLUMNS, "due-2025"))

    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert book.sheetnames == ["due-2025"] and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(COLUMNS) and sheet["A1"].font.b
    first = {name: cell for name, cell in zip(COLUMNS, sheet[2])}
    assert first["name"].value == "=SUM(A1)" and first["name"].data_type == "s"  # no formula
    assert (first["hours"].value, first["rate"].value) == (0, 0.75)
    assert first["issued_on"].value == datetime(2024, 3, 21)
    assert first["issued_on"].number_format == "yyyy-mm-dd"
    assert first["recorded_at"].value == "2024-03-21T09:30:00+00:00"
    assert first["passed"].value == "true" and first["note"].value == "ab  "
    assert [c.value for c in sheet[3]][:1] == ["Айгүл & <1>"] and sheet.max_row == 4


def test_a_workbooks_bytes_are_handed_on_before_its_rows_are_all_read():
    pulled: list[int] = []
    pieces = workbook(rows(5000, pulled), COLUMNS, "teachers")

    first = next(pieces)
    second = next(pieces)

    assert first and second and len(pulled) < 5000
    rest = b"".join(pieces)
    sheet = load_workbook(io.BytesIO(first + second + rest), read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows()) == 5001


def test_column_letters_run_past_z_as_excel_names_them():
    assert [column_letters(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
