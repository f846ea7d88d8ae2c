"""An attacker with database access changes stored events; the ledger names where.

Each attack first drops the append-only triggers, as someone holding the owner role
would, then edits the rows directly with SQL on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest

from registry import ledger
from registry.ledger import store
from tests.builders import ADMIN, certified_teacher, teacher


def pin(serial: int) -> str:
    return f"215051985{serial:05d}"


def history(registry, teachers: int = 3) -> None:
    """Providers, teachers and certificates: about nine events per teacher."""
    for i in range(teachers):
        certified_teacher(
            registry,
            number=f"KAE-2024-{i:04d}",
            pin=pin(i),
            code=f"P-{i}",
            issued_on=date(2024, 3, 21),
        )


@pytest.fixture
def small_checkpoints(monkeypatch):
    """Checkpoints of four events, so a short history spans several of them."""
    monkeypatch.setattr(store, "CHECKPOINT_EVENTS", 4)


def drop_guards(registry) -> None:
    with registry.db.connection() as conn:
        if registry.db.embedded:  # SQLite
            conn.execute("DROP TRIGGER stored_events_no_update")
            conn.execute("DROP TRIGGER stored_events_no_delete")
        else:
            conn.execute("DROP TRIGGER registry_events_no_change ON registry_events")


def drop_ledger_guards(registry) -> None:
    with registry.db.connection() as conn:
        if registry.db.embedded:  # SQLite
            conn.execute("DROP TRIGGER ledger_checkpoints_no_delete")
            conn.execute("DROP TRIGGER ledger_checkpoints_grow_only")
        else:
            conn.execute("DROP TRIGGER ledger_checkpoints_guard ON ledger_checkpoints")


def run(registry, statement: str, params=()) -> None:
    registry.db.execute(statement, params)


def row(registry, position: int) -> tuple:
    db = registry.db
    found = db.query_one(
        f"SELECT originator_id, originator_version, topic, state FROM "
        f"{registry.db.events_table} WHERE {db.position_column} = ?",
        (position,),
    )
    assert found is not None, position
    return found


def checkpoint_of(registry, position: int) -> tuple[int, int, int]:
    """(seq, first position, last position) of the checkpoint that sealed `position`."""
    found = registry.db.query_one(
        "SELECT seq, first_position, position FROM ledger_checkpoints "
        "WHERE first_position <= ? AND ? <= position",
        (position, position),
    )
    assert found is not None, position
    return found


def position_of_topic(registry, suffix: str, nth: int = 0) -> int:
    db = registry.db
    rows = db.query(
        f"SELECT {db.position_column}, topic FROM {registry.db.events_table} "
        f"ORDER BY {db.position_column}"
    )
    return [p for p, topic in rows if topic.endswith(suffix)][nth]


def move(registry, source: int, target: int) -> None:
    """Give the event at `source` the position `target` (delete and re-insert it)."""
    db = registry.db
    originator_id, version, topic, state = row(registry, source)
    run(
        registry,
        f"DELETE FROM {registry.db.events_table} WHERE {db.position_column} = ?",
        (source,),
    )
    run(
        registry,
        f"INSERT INTO {registry.db.events_table} ({db.position_column}, originator_id, "
        "originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
        (target, originator_id, version, topic, state),
    )


def swap(registry, first: int, second: int) -> None:
    """Exchange the positions of two stored events."""
    spare = (registry.max_position() or 0) + 1000
    move(registry, first, spare)
    move(registry, second, first)
    move(registry, spare, second)


def test_an_untouched_log_verifies_and_its_head_is_the_published_one(registry):
    history(registry)
    ledger.seal(registry)
    report = ledger.verify(registry)
    head = ledger.head(registry)
    assert report.ok, report.findings
    assert report.events == registry.max_position()
    assert (report.head_position, report.head_hash) == (head["position"], head["hash"])


def test_with_the_guards_in_place_the_database_refuses_the_attack_and_the_ledger_still_verifies(
    registry,
):
    history(registry, teachers=1)
    ledger.seal(registry)
    db = registry.db
    with pytest.raises(Exception, match="append-only"):
        run(
            registry,
            f"UPDATE {registry.db.events_table} SET state = ? WHERE {db.position_column} = 3",
            (b"{}",),
        )
    with pytest.raises(Exception, match="append-only"):
        run(registry, f"DELETE FROM {registry.db.events_table} WHERE {db.position_column} = 3")
    assert ledger.verify(registry).ok


def test_altered_bytes_of_one_event_are_named_at_its_position(registry, small_checkpoints):
    history(registry)
    ledger.seal(registry)
    target = position_of_topic(registry, "Certificate.Issued", nth=1)
    state = bytes(row(registry, target)[3]).replace(b'"hours":72', b'"hours":720')
    drop_guards(registry)
    run(
        registry,
        f"UPDATE {registry.db.events_table} SET state = ? WHERE {registry.db.position_column} = ?",
        (state, target),
    )

    report = ledger.verify(registry)

    assert not report.ok
    assert (report.first.position, report.first.kind) == (target, "altered")
    assert len(report.findings) >= 1 and report.findings[0].position == target


def test_a_changed_topic_alone_is_an_alteration(registry, small_checkpoints):
    history(registry, teachers=1)
    ledger.seal(registry)
    target = position_of_topic(registry, "Enrolment.Assessed")
    drop_guards(registry)
    run(
        registry,
        f"UPDATE {registry.db.events_table} SET topic = ? WHERE {registry.db.position_column} = ?",
        ("registry.domain.enrolment:Enrolment.Withdrawn", target),
    )

    report = ledger.verify(registry)

    assert (report.first.position, report.first.kind) == (target, "altered")


def test_a_deleted_event_is_named_at_the_position_it_left_empty(registry, small_checkpoints):
    history(registry)
    ledger.seal(registry)
    target = position_of_topic(registry, "Enrolment.Certified", nth=1)
    drop_guards(registry)
    run(
        registry,
        f"DELETE FROM {registry.db.events_table} WHERE {registry.db.position_column} = ?",
        (target,),
    )

    report = ledger.verify(registry)

    assert (report.first.position, report.first.kind) == (target, "removed")
    assert [f.kind for f in report.findings] == ["removed"]  # nothing else was touched


def test_the_last_event_deleted_is_caught_even_though_nothing_follows_it(registry):
    history(registry, teachers=1)
    ledger.seal(registry)
    last = registry.max_position()
    drop_guards(registry)
    run(
        registry,
        f"DELETE FROM {registry.db.events_table} WHERE {registry.db.position_column} = ?",
        (last,),
    )

    report = ledger.verify(registry)

    assert (report.first.position, report.first.kind) == (last, "removed")


def test_two_swapped_events_are_named_at_the_first_swapped_position(registry, small_checkpoints):
    history(registry)
    ledger.seal(registry)
    # An assessment and the certification that followed it, sealed in one checkpoint (a
    # swap across checkpoints is found too, as an alteration of each: a checkpoint's
    # entries are what verification compares a position with).
    assessed, certified = next(
        (a, c)
        for n in range(3)
        for a, c in [
            (
                position_of_topic(registry, "Enrolment.Assessed", nth=n),
                position_of_topic(registry, "Enrolment.Certified", nth=n),
            )
        ]
        if checkpoint_of(registry, a) == checkpoint_of(registry, c)
    )
    drop_guards(registry)
    swap(registry, assessed, certified)

    report = ledger.verify(registry)

    assert (report.first.position, report.first.kind) == (assessed, "reordered")
    assert f"sealed at position {certified}" in report.first.message
    assert [(f.position, f.kind) for f in report.findings] == [
        (assessed, "reordered"),
        (certified, "reordered"),
    ]


def test_an_event_added_into_a_gap_of_the_sealed_range_is_named(registry, small_checkpoints):
    history(registry, teachers=1)
    drop_guards(registry)
    # PostgreSQL leaves gaps in positions (a rolled-back save still uses its number):
    # make one before sealing, then forge an event into it afterwards.
    gap = position_of_topic(registry, "Programme.Registered")
    originator_id, version, topic, state = row(registry, gap)
    run(
        registry,
        f"DELETE FROM {registry.db.events_table} WHERE {registry.db.position_column} = ?",
        (gap,),
    )
    ledger.seal(registry)
    assert ledger.verify(registry).ok
    run(
        registry,
        f"INSERT INTO {registry.db.events_table} ({registry.db.position_column}, "
        "originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)",
        (gap, originator_id, version, topic, state),
    )

    report = ledger.verify(registry)

    assert [(f.position, f.kind) for f in report.findings] == [(gap, "inserted")]


def test_rewriting_the_events_and_resealing_the_ledger_is_caught_by_a_published_head(registry):
    history(registry)
    ledger.seal(registry)
    published = ledger.head(registry)
    target = position_of_topic(registry, "Certificate.Issued")
    drop_guards(registry)
    state = bytes(row(registry, target)[3]).replace(b'"hours":72', b'"hours":720')
    run(
        registry,
        f"UPDATE {registry.db.events_table} SET state = ? WHERE {registry.db.position_column} = ?",
        (state, target),
    )
    drop_ledger_guards(registry)
    run(registry, "DELETE FROM ledger_checkpoints")  # the attacker covers their tracks ...
    ledger.seal(registry)  # ... and seals the forged log afresh
    assert ledger.verify(registry).ok  # the checkpoints alone are now consistent

    report = ledger.verify(registry, published={published["position"]: published["hash"]})

    assert not report.ok
    assert [(f.position, f.kind) for f in report.findings] == [
        (published["position"], "published_head")
    ]


def test_a_forged_checkpoint_link_is_reported(registry, small_checkpoints):
    history(registry, teachers=1)
    ledger.seal(registry)
    drop_ledger_guards(registry)
    seq, first, _ = checkpoint_of(registry, position_of_topic(registry, "Programme.Registered"))
    run(registry, "UPDATE ledger_checkpoints SET link_hash = ? WHERE seq = ?", ("0" * 64, seq))

    report = ledger.verify(registry)

    assert [f.kind for f in report.findings] == ["checkpoint"]
    assert report.first.position == first  # the first position the forged checkpoint covers


def test_a_deleted_checkpoint_is_reported(registry, small_checkpoints):
    history(registry, teachers=1)
    ledger.seal(registry)
    drop_ledger_guards(registry)
    seq, first, _ = checkpoint_of(registry, position_of_topic(registry, "Programme.Registered"))
    run(registry, "DELETE FROM ledger_checkpoints WHERE seq = ?", (seq,))

    report = ledger.verify(registry)

    assert not report.ok
    assert report.first.kind in ("checkpoint", "inserted")
    assert report.first.position == first


def test_the_database_refuses_to_delete_checkpoints_or_rewrite_a_closed_one(
    registry, small_checkpoints
):
    history(registry, teachers=1)
    ledger.seal(registry)
    for statement in (
        "DELETE FROM ledger_checkpoints WHERE seq = 3",
        "UPDATE ledger_checkpoints SET link_hash = 'forged' WHERE seq = 1",
        "UPDATE ledger_checkpoints SET entries = entries WHERE seq = 1",
    ):
        with pytest.raises(Exception, match="append-only"):
            run(registry, statement)
    # ... while the newest checkpoint still grows as events are sealed.
    registry.register_teacher(ADMIN, teacher(pin=pin(31)))
    assert ledger.seal(registry) == 2
    assert ledger.verify(registry).ok
