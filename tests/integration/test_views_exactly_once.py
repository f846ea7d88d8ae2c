"""Every event is applied to every view exactly once: re-runs, rivals, failures, rebuilds."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from registry.application import Registry
from registry.bootstrap import open_worker
from registry.projections.workload import WorkloadView
from registry.storage.facts import EventLog, FactReader
from tests.builders import ADMIN, OTHER_PIN, PIN, certified_teacher, teacher
from tests.readside import caught_up, dump


def some_history(registry) -> None:
    """Teachers, a course, a duplicate, a revocation, a transfer and a PIN correction."""
    _, _, cert = certified_teacher(registry)
    registry.issue_duplicate(ADMIN, cert["number"], number="KAE-DUP-1", issued_on=date(2024, 4, 2))
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Усонов"))
    registry.record_legacy_certificate(
        ADMIN,
        pin=OTHER_PIN,
        number="OLD-7",
        provider_code="KAE",
        title="Seminar",
        form="seminar",
        hours=36,
        issued_on=date(2021, 5, 5),
    )
    registry.revoke_certificate(ADMIN, "OLD-7", reason="recorded twice")
    registry.transfer_teacher(
        ADMIN,
        PIN,
        region="KG-GB",
        district="Leninsky",
        school="Lyceum 61",
        effective_on=date(2024, 9, 1),
    )
    registry.correct_teacher(ADMIN, PIN, {"pin": "21505198599999"})


def test_catching_up_again_changes_nothing(registry):
    some_history(registry)
    caught_up(registry)
    before = dump(registry)
    progress = open_worker(registry).catch_up()
    assert progress.events == 0
    assert dump(registry) == before


def test_following_event_by_event_and_rebuilding_give_the_same_rows(registry):
    some_history(registry)
    open_worker(registry).catch_up(batch_size=1)
    one_by_one = dump(registry)
    open_worker(registry).rebuild(batch_size=5000)
    assert dump(registry) == one_by_one


def test_two_processes_catching_up_at_once_apply_each_event_once(registry, settings):
    some_history(registry)
    for n in range(30):
        registry.register_teacher(ADMIN, teacher(pin=f"2150519850{n:04d}"))
    rivals = [Registry(settings) for _ in range(2)]
    errors: list[BaseException] = []

    def follow(app):
        try:
            open_worker(app).catch_up(batch_size=3)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=follow, args=(app,)) for app in rivals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app in rivals:
        app.close()
    assert not errors
    together = dump(registry)
    open_worker(registry).rebuild()
    assert dump(registry) == together


def test_a_batch_that_fails_leaves_its_view_and_position_untouched(registry, monkeypatch):
    certified_teacher(registry)
    worker = open_worker(registry)

    def broken(self, batch, fact):
        raise OSError(28, "No space left on device")  # the machine's fault, not the event's

    monkeypatch.setattr(WorkloadView, "enrolled", broken)
    with pytest.raises(OSError):
        open_worker(registry).catch_up()
    assert worker.positions()["workload"] == 0
    assert registry.db.query("SELECT count(*) FROM enrolments") == [(0,)]
    assert registry.db.query("SELECT count(*) FROM workload_days") == [(0,)]

    monkeypatch.undo()
    open_worker(registry).catch_up()
    assert registry.db.query("SELECT count(*) FROM enrolments") == [(1,)]
    assert set(open_worker(registry).positions().values()) == {registry.max_position()}


def test_rebuilding_one_view_leaves_the_others_where_they_are(registry):
    certified_teacher(registry)
    caught_up(registry)
    head = registry.max_position()
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
    open_worker(registry, ["statistics"]).rebuild()
    positions = open_worker(registry).positions()
    assert positions["statistics"] == registry.max_position()
    assert positions["compliance"] == head


def test_the_fast_reader_gives_the_same_facts_as_the_event_log(registry):
    some_history(registry)
    head = registry.max_position()
    assert FactReader(registry).read(0, 1000) == EventLog(registry).read(0, 1000)
    assert FactReader(registry).read(3, 4, until=5) == EventLog(registry).read(3, 4, until=5)
    assert FactReader(registry).read(head, 10) == []


def test_a_rebuild_spread_over_processes_gives_the_same_rows(registry):
    from registry.rebuild import rebuild_in_processes, split

    some_history(registry)
    worker = open_worker(registry)
    worker.rebuild()
    alone = dump(registry)
    assert len(split(worker.views, 2)) == 2
    seen: list[int] = []
    rebuild_in_processes(registry, worker, processes=2, batch_size=4, on_progress=seen.append)
    assert dump(registry) == alone
    assert seen[-1] == registry.max_position()


def test_a_view_whose_definition_changed_is_recreated_and_rebuilt(registry):
    from registry.projections.catalogue import create_view_tables

    certified_teacher(registry)
    caught_up(registry)
    before = dump(registry)
    registry.db.execute(
        "UPDATE projection_schemas SET fingerprint = 'old' WHERE projection = 'workload'"
    )
    registry.db.execute("DELETE FROM enrolments")  # as if its layout had changed
    assert create_view_tables(registry.db) == ["workload"]
    assert open_worker(registry).positions()["workload"] == 0
    assert open_worker(registry).positions()["compliance"] == registry.max_position()
    caught_up(registry)
    assert dump(registry) == before
    assert create_view_tables(registry.db) == []


def test_a_rival_that_moved_a_view_part_way_through_a_batch_leaves_no_gap(
    registry, settings, monkeypatch
):
    from registry.projections.worker import ProjectionWorker

    for n in range(12):
        registry.register_teacher(ADMIN, teacher(pin=f"2150519850{n:04d}"))
    rival = Registry(settings)
    original = ProjectionWorker._apply
    interfered: list[int] = []

    def apply_after_a_rival(self, view, position, facts):
        if self.app is registry and not interfered:
            # Between our read of the batch and our write, a rival applies part of it.
            interfered.append(open_worker(rival, [view.name]).catch_up(until=5).events)
        return original(self, view, position, facts)

    monkeypatch.setattr(ProjectionWorker, "_apply", apply_after_a_rival)
    open_worker(registry, ["compliance"]).catch_up(batch_size=10)
    rival.close()
    assert interfered == [5]
    assert registry.db.query("SELECT count(*) FROM teachers") == [(12,)]


def test_batches_large_enough_for_bulk_writes_give_the_rows_of_small_ones(registry):
    from registry.generate import generate_history
    from registry.storage import postgres

    # A few years of a small region: thousands of events, batches of hundreds of rows
    # per table (PostgreSQL then stages them by COPY), rows re-written batch after batch.
    generate_history(registry, teachers=300, years=3, seed=5, end=date(2025, 6, 30), workers=1)
    open_worker(registry).catch_up(batch_size=40)
    small = dump(registry)
    assert len(small["certificate_index"]) > postgres.COPY_FROM_ROWS
    open_worker(registry).rebuild(batch_size=100_000)
    assert dump(registry) == small
    open_worker(registry).rebuild(batch_size=1500)
    assert dump(registry) == small


def test_a_table_written_twice_in_one_transaction_keeps_both_writes(registry):
    from registry.storage.postgres import COPY_FROM_ROWS
    from registry.storage.tables import Table

    table = Table(
        "scratch_counts",
        (("day", "TEXT"), ("label", "TEXT"), ("score", "REAL"), ("seen", "INTEGER")),
        key=("day",),
        counters=("seen",),
    )
    many = COPY_FROM_ROWS + 10
    with registry.db.transaction() as cur:
        for statement in registry.db.table_ddl(table):
            cur.execute(statement)
        cur.write_rows(table, [(f"d{n:04d}", "first", n, 1) for n in range(many)])
        cur.write_rows(table, [(f"d{n:04d}", "second", 0.5, 2) for n in range(5, many + 5)])
        cur.write_rows(table, [("d0000", "third", None, 4)])
    rows = {day: rest for day, *rest in registry.db.query("SELECT * FROM scratch_counts")}
    assert len(rows) == many + 5
    assert rows["d0000"] == ["third", None, 5]
    assert rows["d0004"] == ["first", 4, 1]
    assert rows["d0005"] == ["second", 0.5, 3]
    assert rows[f"d{many + 4:04d}"] == ["second", 0.5, 2]


def test_a_rival_that_moved_a_view_before_its_rows_were_read_leaves_it_applied_once(
    registry, settings, monkeypatch
):
    from registry.projections.worker import ProjectionWorker

    for n in range(6):
        registry.register_teacher(ADMIN, teacher(pin=f"2150519850{n:04d}"))
    for n in range(6):  # updates: their batch reads the rows it changes
        registry.transfer_teacher(
            ADMIN,
            f"2150519850{n:04d}",
            region="KG-GB",
            district="Leninsky",
            school=f"Lyceum {n}",
            effective_on=date(2024, 9, 1),
        )
    open_worker(registry, ["statistics"]).rebuild()
    expected = dump(registry)["stat_locations"]
    open_worker(registry, ["statistics"]).reset()
    rival = Registry(settings)
    original = ProjectionWorker._apply
    interfered: list[int] = []

    def apply_after_a_rival(self, view, position, facts):
        if self.app is registry and position > 0 and not interfered:
            interfered.append(
                open_worker(rival, [view.name]).catch_up(until=facts[-1].position - 2).events
            )
        return original(self, view, position, facts)

    monkeypatch.setattr(ProjectionWorker, "_apply", apply_after_a_rival)
    open_worker(registry, ["statistics"]).catch_up(batch_size=8)
    rival.close()
    assert interfered and interfered[0] > 0
    assert dump(registry)["stat_locations"] == expected
    assert registry.db.query("SELECT count(*) FROM stat_teachers") == [(6,)]
