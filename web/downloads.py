"""CSV downloads, one way for the API and the pages alike."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

_NUMERIC = re.compile(r"^[+-]?\d+(\.\d+)?$")


def csv_response(rows: Iterable[dict[str, Any]], columns: Sequence[str], filename: str) -> Response:
    """Rows as a CSV download (UTF-8 with a BOM so spreadsheet programs read Cyrillic)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    # content_type, not mimetype: Flask adds a charset to a text mimetype (a second one).
    return Response(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _NUMERIC.match(value):
        return "'" + value  # keep spreadsheet programs from running it as a formula
    return value
