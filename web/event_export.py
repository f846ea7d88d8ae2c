"""The event log as a download for external audit tools (the API's and the pages'):
JSON Lines (each line an event exactly as `GET /events` gives it) or CSV (one row per
event, its data as JSON), streamed as it is read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response

from web.downloads import download, jsonl_stream
from web.schemas.teachers import HistoryEvent

CSV_COLUMNS = (
    "position",
    "recorded_at",
    "type",
    "originator_id",
    "version",
    "account",
    "role",
    "account_provider",
    "via",
    "data",
)
FORMATS = ("jsonl", "csv")
_EVENT = HistoryEvent()


def as_published(events: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each event in the API's JSON shape."""
    for event in events:
        yield _EVENT.dump(event)


def csv_row(event: dict[str, Any]) -> dict[str, Any]:
    """One published event as a CSV row."""
    actor = event.get("actor") or {}
    return {
        "position": event["position"],
        "recorded_at": event["recorded_at"],
        "type": event["type"],
        "originator_id": event["originator_id"],
        "version": event["version"],
        "account": actor.get("name"),
        "role": actor.get("role"),
        "account_provider": actor.get("provider"),
        "via": actor.get("via"),
        "data": json.dumps(event.get("data") or {}, ensure_ascii=False, sort_keys=True),
    }


def export_response(events: Iterable[dict[str, Any]], fmt: str, name: str) -> Response:
    """A streamed download of events (read lazily) as JSON Lines or CSV."""
    published = as_published(events)
    if fmt == "csv":
        return download((csv_row(e) for e in published), CSV_COLUMNS, name, "csv")
    return jsonl_stream(published, name)
