"""The storage room answers what differs between the engines, the same way on both."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import pytest
from eventsourcing.persistence import WaitInterruptedError

from registry.application import Registry
from registry.bootstrap import initialise
from registry.settings import DatabaseURL
from registry.storage import locks, open_database
from registry.storage.tables import Table
from registry.storage.waiting import advanced, wait_for_position
from tests.builders import ADMIN, OTHER_PIN, PIN, teacher
from tests.conftest import make_settings


def test_the_events_table_and_its_position_column_are_the_ones_the_library_writes(registry):
    registry.register_teacher(ADMIN, teacher())
    db = registry.db
    assert db.events_table == registry.recorder.events_table_name
    (count, head) = db.query_one(
        f"SELECT count(*), max({db.position_column}) FROM {db.events_table}"
    )
    assert count > 0 and head == registry.max_position()


def test_an_aggregate_id_finds_its_stored_events_on_either_engine(registry):
    registry.register_teacher(ADMIN, teacher())
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
    ids = [registry.teacher_id_for_pin(PIN), registry.teacher_id_for_pin(OTHER_PIN)]
    db = registry.db
    (stored,) = db.query_one(
        f"SELECT originator_id FROM {db.events_table} WHERE "
        "originator_id = ? AND originator_version = 1",
        (db.id_param(ids[0]),),
    )
    assert db.id_value(stored) == ids[0]
    where, params = db.ids_condition("originator_id", ids + [uuid.uuid4()])
    found = {
        db.id_value(row[0])
        for row in db.query(f"SELECT originator_id FROM {db.events_table} WHERE {where}", params)
    }
    assert found == set(ids)
    assert registry.position_of(ids[1], 1) is not None


def test_the_catalogue_names_tables_and_columns_and_knows_a_missing_one(registry):
    db = registry.db
    assert db.table_exists("projection_tracking")
    assert not db.table_exists("no_such_table")
    assert {"projection_tracking", "idempotency_claims", db.events_table} <= db.table_names()
    assert {"projection", "notification_id", "rate"} <= db.columns("projection_tracking")
    assert db.columns("no_such_table") == set()
    outside = db.columns("projection_tracking")
    with db.reading() as cur:
        assert db.columns("projection_tracking", cur) == outside


def test_a_view_table_is_created_written_and_emptied_the_same_way_on_both_engines(registry):
    table = Table(
        "scratch_rows",
        (("key", "TEXT"), ("label", "TEXT"), ("score", "REAL"), ("seen", "INTEGER")),
        key=("key",),
        counters=("seen",),
        indexes=(("label", "WHERE score > 0"),),
    )
    db = registry.db
    with db.transaction() as cur:
        for statement in db.table_ddl(table):
            cur.execute(statement)
        cur.write_rows(table, [("a", "x", 1, 1), ("b", "y", 2.5, 1)])
        cur.write_rows(table, [("a", "z", 3, 2)])
    assert sorted(db.query(table.select_sql())) == [("a", "z", 3.0, 3), ("b", "y", 2.5, 1)]
    with db.transaction() as cur:
        cur.empty(table)
    assert db.query(table.select_sql()) == []


def test_stored_rows_are_read_back_as_stored_in_position_order_and_in_pages(registry):
    for n in range(3):
        registry.register_teacher(ADMIN, teacher(pin=f"2150519850{n:04d}"))
    db = registry.db
    pages = list(db.read_raw(batch=2))
    rows = [row for page in pages for row in page]
    assert [len(page) for page in pages[:-1]] == [2] * (len(pages) - 1)
    assert [row.position for row in rows] == list(range(1, registry.max_position() + 1))
    assert list(db.read_raw(after=2, until=4)) == [rows[2:4]]
    assert all(type(row.state) is bytes for row in rows)


def test_a_transaction_lock_keeps_a_second_holder_waiting_until_the_first_commits(registry):
    db = registry.db
    order: list[str] = []
    holding = threading.Event()

    def second() -> None:
        holding.wait(5)
        with db.transaction() as cur:
            cur.lock(locks.INIT)
            order.append("second")
        db.release_thread()

    thread = threading.Thread(target=second)
    thread.start()
    with db.transaction() as cur:
        cur.lock(locks.INIT)
        holding.set()
        time.sleep(0.2)
        order.append("first")
    thread.join(10)
    assert order == ["first", "second"]


@pytest.mark.postgres
def test_a_session_lock_is_held_for_the_block_and_released_after(postgres_url):
    db = open_database(DatabaseURL.parse(postgres_url), pool_size=2)
    try:
        with db.advisory_lock(locks.INIT), db.listener() as other:
            assert not other.try_lock(locks.INIT)
        with db.listener() as other:
            assert other.try_lock(locks.INIT)
    finally:
        db.close()


@pytest.mark.postgres
def test_a_session_lock_taken_after_reads_holds_no_transaction_open(postgres_url):
    # A transaction left open holds a snapshot: every vacuum of the server keeps what it
    # could see for as long as the lock is held.
    import psycopg

    db = open_database(DatabaseURL.parse(postgres_url), pool_size=1)
    try:
        with db.reading() as cur:
            cur.query("SELECT 1")
        with db.reading(snapshot=True) as cur:
            cur.query("SELECT 1")
        with db.advisory_lock(locks.INIT), psycopg.connect(postgres_url, autocommit=True) as other:
            states = other.execute(
                "SELECT state FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ).fetchall()
        assert states == [("idle",)]
    finally:
        db.close()


@pytest.mark.postgres
def test_a_listener_hears_a_save_made_on_another_connection(postgres_url, tmp_path):
    settings = make_settings(postgres_url, tmp_path)
    initialise(settings)
    app = Registry(settings)
    try:
        with app.db.listener() as listener:
            listener.listen()
            assert not listener.heard(timeout=0.05)
            app.register_teacher(ADMIN, teacher())
            assert listener.heard(timeout=5)
    finally:
        app.close()


def test_importing_the_storage_room_imports_nothing_of_the_layers_above_it():
    import pkgutil

    import registry.storage

    rooms = [m.name for m in pkgutil.iter_modules(registry.storage.__path__, "registry.storage.")]
    code = (
        f"import sys, {', '.join(rooms)}\n"
        "print(sorted(m for m in sys.modules if m.startswith(('registry.', 'web'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for layer in (
        "registry.application",
        "registry.commands",
        "registry.projections",
        "registry.queries",
        "registry.ledger",
        "registry.bootstrap",
        "web",
    ):
        assert f"'{layer}" not in loaded, loaded


def test_a_position_wait_returns_once_the_position_is_reached_told_or_not(registry):
    stood: dict[str, int | None] = {"position": None}

    def advance(position: int, tell: bool) -> None:
        time.sleep(0.05)
        stood["position"] = position
        if tell:  # a view of this database advanced in this process
            advanced(registry.db)

    for position, tell in ((7, True), (12, False)):  # not told: another process, say
        thread = threading.Thread(target=advance, args=(position, tell))
        thread.start()
        wait_for_position(registry.db, position, lambda: stood["position"], timeout=30)
        thread.join()
        assert stood["position"] == position
    wait_for_position(registry.db, 12, lambda: stood["position"], timeout=0)  # at once


def test_a_position_wait_ends_in_time_or_when_interrupted(registry):
    with pytest.raises(TimeoutError, match="position 5 not reached by the views"):
        wait_for_position(registry.db, 5, lambda: 4, timeout=0.05)
    stop = threading.Event()
    stop.set()
    with pytest.raises(WaitInterruptedError):
        wait_for_position(registry.db, 5, lambda: 4, timeout=30, interrupt=stop)
