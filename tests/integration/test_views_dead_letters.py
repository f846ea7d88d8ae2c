"""A view never stops on an event it cannot apply: it sets the event aside and goes on.

The poison events here are stored the way an older version without today's input rules
could have stored them: straight through the aggregates' event methods.
"""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from registry.bootstrap import open_worker
from registry.cli import cli
from registry.domain.certificate import Certificate
from registry.domain.errors import NotFoundError
from registry.projections import deadletters
from tests.builders import (
    ADMIN,
    OTHER_PIN,
    PIN,
    certified_teacher,
    store_malformed_transfer,
    teacher,
)
from tests.readside import caught_up, dump


def _store_revocation_with_nul(registry, number: str) -> None:
    """A revocation whose reason holds a NUL: SQLite stores it, PostgreSQL's text cannot."""
    certificate = registry.repository.get(Certificate.id_for(number))
    certificate._revoked(reason="entered\x00twice", with_original=None)
    registry.save(certificate)


def test_a_malformed_event_is_set_aside_and_the_views_go_on(registry):
    certified_teacher(registry)
    store_malformed_transfer(registry)
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Усонов"))
    head = registry.max_position()

    queries = caught_up(registry)

    letters = deadletters.listed(registry.db, registry.name)
    assert letters and {d.event_type for d in letters} == {"Teacher.Transferred"}
    assert all("isoformat" in d.error for d in letters)
    # Every view reached the head: the teacher registered after the poison is there.
    positions = dict(
        registry.db.query("SELECT projection, notification_id FROM projection_tracking")
    )
    assert set(positions.values()) == {head}
    assert queries.teacher(OTHER_PIN)["incomplete"] == []
    marked = queries.teacher(PIN)["incomplete"]
    assert marked and marked[0]["type"] == "Teacher.Transferred"
    assert queries.compliance(PIN, as_of=date(2025, 1, 1))["incomplete"] == marked


def test_a_nul_that_postgresql_cannot_store_does_not_stop_the_views(registry):
    _, _, cert = certified_teacher(registry)
    _store_revocation_with_nul(registry, cert["number"])
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Усонов"))

    queries = caught_up(registry)

    assert queries.teacher(OTHER_PIN)["full_name"] == "Бакыт Усонов"
    letters = deadletters.listed(registry.db, registry.name)
    if not registry.db.embedded:  # PostgreSQL
        assert letters and all(d.event_type == "Certificate.Revoked" for d in letters)
        assert "NUL" in letters[0].error
        assert queries.teacher(PIN)["incomplete"][0]["type"] == "Certificate.Revoked"
    else:  # SQLite's text holds a NUL: nothing to set aside
        assert letters == []
        assert queries.certificate(cert["number"])["status"] == "revoked"


def test_a_rebuild_meets_the_same_events_and_lists_them_once(registry):
    certified_teacher(registry)
    store_malformed_transfer(registry)
    caught_up(registry)
    before = (dump(registry), deadletters.listed(registry.db, registry.name))

    open_worker(registry).rebuild(batch_size=3)

    after = deadletters.listed(registry.db, registry.name)
    assert dump(registry) == before[0]
    assert [(d.projection, d.position) for d in after] == [
        (d.projection, d.position) for d in before[1]
    ]


def test_a_teacher_whose_registration_was_set_aside_is_reported_as_incomplete(registry):
    """Not "no such teacher": the PIN is known, the record could not be applied."""
    registry.register_teacher(ADMIN, teacher())
    caught_up(registry)
    registry.db.execute("DELETE FROM teachers")  # as if its registration had been set aside
    teacher_id = registry.repository.get(registry.keys.pin_index_id(PIN)).teacher_id
    with registry.db.transaction() as cur:
        cur.execute(
            "INSERT INTO view_dead_letters (projection, application_name, position, "
            "event_type, originator_id, subject_id, error, set_aside_at) VALUES "
            "('compliance', ?, 1, 'Teacher.Registered', ?, ?, 'DataError: NUL', "
            "'2026-01-01T00:00:00.000000Z')",
            (registry.name, str(teacher_id), str(teacher_id)),
        )
    with pytest.raises(NotFoundError) as caught:
        caught_up(registry).teacher(PIN)
    assert caught.value.code == "teacher_record_incomplete"


def test_a_failure_of_the_database_itself_is_retried_not_blamed_on_an_event(registry):
    certified_teacher(registry)
    caught_up(registry)
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN))
    registry.db.execute("DROP TABLE teachers")  # our SQL now fails for every event
    with pytest.raises(Exception):
        open_worker(registry).catch_up()
    assert deadletters.listed(registry.db, registry.name) == []


def test_projections_status_lists_the_events_set_aside(registry, settings, monkeypatch):
    certified_teacher(registry)
    store_malformed_transfer(registry)
    caught_up(registry)
    monkeypatch.setenv("REGISTRY_SECRET_KEY", settings.secret_key.decode())
    monkeypatch.setenv("REGISTRY_INSTANCE_PATH", str(settings.instance_path))
    result = CliRunner().invoke(cli, ["--database", settings.database_url, "projections", "status"])
    assert result.exit_code == 0, result.output
    assert "dead letters: " in result.output and "Teacher.Transferred" in result.output
    assert "dead letters: none" not in result.output
