"""The auditor's event log over HTTP: newest first, jumps, filters and a total, and the
export of a filtered range as JSON Lines and CSV, streamed in bounded memory."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
from datetime import date

import pytest

from registry.commands.base import Actor
from registry.queries import eventlog
from tests import builders
from tests.e2e.api_support import *
from tests.e2e.api_support import PIN, TEACHER
from web import downloads


def pin(serial: int) -> str:
    """A valid PIN: a woman born on 15 May 1985, the serial given."""
    return f"21505198{5:01d}{serial:05d}"


def many_teachers(api_app, count: int, first: int = 100) -> int:
    """Teachers registered in batches (two events each); the log's head after them."""
    services = api_app.extensions["registry"]
    registry = services.registry
    system = Actor.system()
    with registry.batch(system, size=500):
        for serial in range(first, first + count):
            registry.register_teacher(system, builders.teacher(pin=pin(serial)))
    head = registry.max_position()
    services.queries.wait_for(head, timeout=30)
    return head


def settled(api_app) -> None:
    """Wait until the follower has also computed the standing of every teacher a long
    catch-up only marked (`registry.projections.standing`): its work, on a thread of
    this process, would otherwise count in a measurement of this process's memory."""
    from registry.queries.statistics import settled as standing_settled

    db = api_app.extensions["registry"].registry.db
    deadline = time.monotonic() + 60
    while True:
        with db.reading() as cur:
            if standing_settled(cur):
                return
        assert time.monotonic() < deadline, "the standing view did not settle within 60 s"
        time.sleep(0.1)


@pytest.fixture
def logged(api_app, callers):
    """A teacher with a legacy certificate whose school looks like a formula, and the
    position of the last event, the views caught up."""
    admin = callers["admin"]
    formula = {**TEACHER, "school": '=HYPERLINK("http://x")'}
    assert admin.post("/teachers", json=formula).status_code == 201
    paper = admin.post(
        "/certificates/legacy",
        json={
            "pin": PIN,
            "number": "PAPER-2019-1",
            "provider_code": "KAE",
            "title": "@SUM(1+1)",
            "form": "seminar",
            "hours": 24,
            "issued_on": "2019-05-01",
        },
    )
    assert paper.status_code == 201
    head = int(paper.headers["X-Registry-Position"])
    api_app.extensions["registry"].queries.wait_for(head, timeout=10)
    return head


def pages(caller, query: str, limit: int = 3) -> list[dict]:
    """Every event of the API's pages for a query, following `next`."""
    order = "desc" if "order=desc" in query else "asc"
    cursor = "after" if order == "asc" else "before"
    found, extra = [], ""
    while True:
        body = caller.get(f"/events?{query}&limit={limit}{extra}").get_json()
        found += body["events"]
        if not body["more"]:
            return found
        extra = f"&{cursor}={body['next']}"


def lines(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_the_log_reads_newest_first_with_the_total_matched(callers, logged):
    auditor = callers["auditor"]
    body = auditor.get("/events?order=desc&limit=2&total=true").get_json()
    assert [e["position"] for e in body["events"]] == [logged, logged - 1]
    assert (body["next"], body["more"], body["order"]) == (logged - 1, True, "desc")
    assert (body["total"], body["total_exact"]) == (logged, True)
    assert "total" not in auditor.get("/events?limit=1").get_json()
    teacher = auditor.get(f"/events?pin={PIN}&total=true").get_json()
    assert teacher["total"] == len(teacher["events"]) == 3
    assert [e["type"] for e in teacher["events"]] == [
        "Teacher.Registered",
        "PinIndex.Created",
        "Certificate.LegacyRecorded",
    ]


def test_a_page_starts_at_a_position_or_a_recorded_moment(callers, logged):
    auditor = callers["auditor"]
    from_five = auditor.get("/events?position=5&limit=2").get_json()
    assert [e["position"] for e in from_five["events"]] == [5, 6]
    down_from_five = auditor.get("/events?position=5&order=desc&limit=2").get_json()
    assert [e["position"] for e in down_from_five["events"]] == [5, 4]
    last = auditor.get(f"/events?position={logged}").get_json()["events"][0]
    moment = last["recorded_at"].replace("+", "%2B")
    newest_by_then = auditor.get(f"/events?at={moment}&order=desc&limit=1").get_json()
    assert newest_by_then["events"] == [last]
    assert auditor.get(f"/events?at={moment}&limit=1").get_json()["events"][0]["position"] <= (
        logged
    )


@pytest.mark.parametrize(
    "query",
    [
        "order=asc",
        "order=desc",
        f"pin={PIN}",
        "provider=KAE&order=desc",
        "type=Certificate",
        "actor=admin&type=Teacher.Registered",
    ],
)
def test_an_export_is_every_page_of_the_api_one_after_another(callers, logged, query):
    auditor = callers["auditor"]
    exported = auditor.get(f"/events/export?{query}")
    assert exported.status_code == 200
    assert exported.mimetype == "application/x-ndjson"
    assert "attachment" in exported.headers["Content-Disposition"]
    assert lines(exported) == pages(auditor, query)


def test_a_csv_export_has_a_row_per_event_and_no_cell_a_spreadsheet_would_run(callers, logged):
    auditor = callers["auditor"]
    response = auditor.get(f"/events/export?format=csv&pin={PIN}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffposition,recorded_at,type,originator_id,version,account,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    api = pages(auditor, f"pin={PIN}")
    assert [int(r["position"]) for r in rows] == [e["position"] for e in api]
    assert [json.loads(r["data"]) for r in rows] == [e["data"] for e in api]
    assert {r["account"] for r in rows} == {"admin"}
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert any('=HYPERLINK(\\"http://x\\")' in c or '=HYPERLINK("http://x")' in c for c in cells)


def test_an_export_is_streamed_in_memory_that_does_not_grow_with_its_length(
    api_app, callers, monkeypatch
):
    monkeypatch.setattr(eventlog, "EXPORT_CHUNK", 100)  # events read at a time
    monkeypatch.setattr(downloads, "STREAM_BYTES", 16 * 1024)  # bytes sent at a time
    auditor = callers["auditor"]

    def peak_while_streaming(before: int) -> tuple[int, int]:
        """The most memory Python held while a client read the export, and its size."""
        response = auditor.get(f"/events/export?before={before}", buffered=False)
        assert response.status_code == 200
        tracemalloc.start()
        size = 0
        for piece in response.response:  # read as it is written, piece by piece
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        response.close()
        return peak, size

    head = many_teachers(api_app, 3000)
    settled(api_app)
    short_peak, short_size = peak_while_streaming(head // 4)
    long_peak, long_size = peak_while_streaming(head + 1)
    assert long_size > 3.5 * short_size > 0
    # Four times as many events, not four times the memory: a chunk and a piece at a time.
    assert long_peak < 1.5 * short_peak
    assert long_peak < long_size / 4


@pytest.mark.parametrize(
    "query, status, field",
    [
        ("order=sideways", 400, "order"),
        ("position=3&after=2", 400, "position"),
        ("position=3&at=2025-01-01", 400, "at"),
        ("before=-1", 400, "before"),
        ("pin=123", 400, "pin"),
        ("provider=K%20A%20E", 400, "provider"),
        ("actor=Robert%27%29", 400, "actor"),
        ("at=yesterday", 400, "at"),
        ("total=maybe", 400, "total"),
    ],
)
def test_bad_log_arguments_are_refused_naming_the_field(callers, logged, query, status, field):
    auditor = callers["auditor"]
    for path in ("/events", "/events/export"):
        response = auditor.get(f"{path}?{query}")
        assert response.status_code == status, (path, response.get_json())
        assert field in response.get_json()["error"]["fields"], (path, response.get_json())
    assert auditor.get("/events/export?format=xml").status_code == 400


def test_a_pin_nobody_has_is_a_404(callers, logged):
    response = callers["auditor"].get(f"/events?pin={pin(99999)}")
    assert response.status_code == 404
    assert callers["auditor"].get(f"/events/export?pin={pin(99999)}").status_code == 404


def test_only_auditors_read_or_export_the_log(callers, logged):
    for role in ("registrar", "commission", "statistician", "public"):
        assert callers[role].get("/events/export").status_code in (401, 403), role


def test_dates_in_the_log_are_the_registrys_calendar(callers, logged):
    body = callers["auditor"].get("/events?type=Certificate.LegacyRecorded").get_json()
    assert body["events"][0]["data"]["issued_on"] == date(2019, 5, 1).isoformat()
