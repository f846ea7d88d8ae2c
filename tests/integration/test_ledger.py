"""The ledger as it grows: sealing, the head auditors publish, the view, the command line."""

from __future__ import annotations

import dataclasses
import json
import struct
import threading
from hashlib import sha256

import pytest
from click.testing import CliRunner

from registry import ledger
from registry.cli import cli
from registry.domain.reference import seed_entries
from registry.ledger import store
from registry.ledger.chain import GENESIS
from registry.projections.base import ViewRecorder
from registry.projections.worker import ProjectionWorker
from tests.builders import ADMIN, teacher
from tests.conftest import SECRET
from tests.integration.test_ledger_tamper import drop_guards, drop_ledger_guards, history, pin, run


@pytest.fixture
def small_checkpoints(monkeypatch):
    monkeypatch.setattr(store, "CHECKPOINT_EVENTS", 4)


def recompute_as_documented(registry) -> tuple[int, str]:
    """The auditor's recipe from registry/ledger/chain.py, written out independently."""
    db = registry.db
    link = sha256(b"kg-teacher-registry/ledger/v1").digest()
    position = None
    for position, originator_id, version, topic, state in db.query(
        f"SELECT {db.position_column}, originator_id, originator_version, topic, state "
        f"FROM {registry.db.events_table} ORDER BY {db.position_column}"
    ):
        oid = str(originator_id).replace("-", "").lower().encode()
        state, topic_bytes = bytes(state), topic.encode()
        digest = sha256(
            oid
            + struct.pack(">Q", version)
            + struct.pack(">I", len(topic_bytes))
            + topic_bytes
            + struct.pack(">Q", len(state))
            + state
        ).digest()
        link = sha256(link + struct.pack(">Q", position) + digest).digest()
    return position, link.hex()


def test_the_head_can_be_recomputed_by_an_auditor_from_the_documented_format(registry):
    history(registry, teachers=2)
    ledger.seal(registry)
    head = ledger.head(registry)
    assert (head["position"], head["hash"]) == recompute_as_documented(registry)
    assert head["algorithm"] == "sha256-chain-v1"


def test_sealing_step_by_step_builds_the_same_chain_as_sealing_at_once(registry, small_checkpoints):
    initial = registry.max_position()  # sealed by `init` in one checkpoint
    for i in range(3):
        history_step(registry, i)
        ledger.seal(registry)
    head = ledger.head(registry)
    assert (head["position"], head["hash"]) == recompute_as_documented(registry)
    assert head["checkpoint_count"] == 1 + -(-(registry.max_position() - initial) // 4)
    assert head["events"] == registry.max_position() and head["unsealed_events"] == 0
    assert ledger.verify(registry).ok


def history_step(registry, i: int) -> None:
    from datetime import date

    from tests.builders import certified_teacher

    certified_teacher(
        registry, number=f"KAE-2024-{i:04d}", pin=pin(i), code=f"P-{i}", issued_on=date(2024, 3, 21)
    )


def test_events_recorded_after_the_last_seal_verify_as_not_yet_sealed(registry):
    history(registry, teachers=1)
    ledger.seal(registry)
    sealed_head = ledger.head(registry)
    registry.register_teacher(ADMIN, teacher(pin=pin(99)))

    report = ledger.verify(registry)
    head = ledger.head(registry)

    assert report.ok
    assert report.unsealed_events == 2  # the teacher and their PIN index
    assert report.sealed_position == sealed_head["position"]
    assert report.head_position == registry.max_position()
    assert (head["position"], head["hash"]) == (sealed_head["position"], sealed_head["hash"])
    assert head["unsealed_events"] == 2
    assert ledger.seal(registry) == 2
    assert (ledger.head(registry)["position"], ledger.head(registry)["hash"]) == (
        report.head_position,
        report.head_hash,
    )


def test_an_empty_ledger_has_the_genesis_as_its_head_and_verifies(settings, tmp_path):
    from registry.application import Registry
    from registry.bootstrap import initialise

    empty = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    initialise(empty, start_policy=False)  # as replay makes its target: no event at all
    app = Registry(empty)
    try:
        head = ledger.head(app)
        assert head["position"] is None and head["hash"] == GENESIS.hex()
        assert head["unsealed_events"] == 0
        assert ledger.verify(app).ok
    finally:
        app.close()


def test_a_new_registry_is_sealed_up_to_its_first_policy(registry):
    head = ledger.head(registry)
    # the policy, the signing key, the reference lists' entries
    assert head["position"] == registry.max_position() == 2 + len(seed_entries())
    assert head["unsealed_events"] == 0
    report = ledger.verify(registry)
    assert report.ok and report.unsealed_events == 0
    assert report.sealed_events == registry.max_position()


def test_each_verification_is_recorded_with_its_outcome(registry):
    history(registry, teachers=1)
    ledger.seal(registry)
    ledger.verify(registry)
    first = ledger.head(registry)["last_verification"]
    assert first["ok"] and first["events"] == registry.max_position()
    drop_guards(registry)
    run(registry, f"DELETE FROM {registry.db.events_table} WHERE {registry.db.position_column} = 4")
    ledger.verify(registry)
    last = ledger.head(registry)["last_verification"]
    assert not last["ok"] and last["first_position"] == 4
    assert ledger.head(registry)["verified_at"] == last["verified_at"] >= first["verified_at"]


def ledger_worker(registry) -> ProjectionWorker:
    store.ensure_tables(registry.db)
    view = store.LedgerView(ViewRecorder(registry.db, store.LedgerView.name), registry.name)
    return ProjectionWorker(registry, [view])


def test_the_ledger_view_seals_new_events_as_the_projections_catch_up(registry, small_checkpoints):
    worker = ledger_worker(registry)
    history(registry, teachers=1)
    worker.catch_up()
    assert ledger.head(registry)["position"] == registry.max_position()
    registry.register_teacher(ADMIN, teacher(pin=pin(42)))
    worker.catch_up(batch_size=1)  # one event per transaction, as a live follower may
    head = ledger.head(registry)
    assert head["unsealed_events"] == 0
    assert (head["position"], head["hash"]) == recompute_as_documented(registry)


def test_a_rebuild_of_the_views_keeps_the_checkpoints_it_would_otherwise_launder(
    registry, small_checkpoints
):
    worker = ledger_worker(registry)
    history(registry, teachers=1)
    worker.catch_up()
    drop_guards(registry)
    run(registry, f"DELETE FROM {registry.db.events_table} WHERE {registry.db.position_column} = 6")

    worker.rebuild()

    report = ledger.verify(registry)
    assert (report.first.position, report.first.kind) == (6, "removed")


def test_checkpoints_removed_behind_the_views_back_are_reported(registry, small_checkpoints):
    worker = ledger_worker(registry)
    history(registry, teachers=1)
    worker.catch_up()
    drop_ledger_guards(registry)
    run(
        registry,
        "DELETE FROM ledger_checkpoints WHERE seq = (SELECT max(seq) FROM ledger_checkpoints)",
    )

    report = ledger.verify(registry)

    assert [f.kind for f in report.findings] == ["checkpoint"]
    assert "checkpoints were removed" in report.first.message


def test_concurrent_sealers_never_fork_the_chain(registry, small_checkpoints):
    history(registry, teachers=1)
    errors: list[BaseException] = []

    def keep_sealing() -> None:
        try:
            for _ in range(5):
                ledger.seal(registry)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=keep_sealing) for _ in range(3)]
    for thread in threads:
        thread.start()
    for i in range(3):
        registry.register_teacher(ADMIN, teacher(pin=pin(60 + i)))
    for thread in threads:
        thread.join()
    ledger.seal(registry)

    assert not errors
    assert ledger.verify(registry).ok
    head = ledger.head(registry)
    assert (head["position"], head["hash"]) == recompute_as_documented(registry)


# -- the command line ----------------------------------------------------------------------


def invoke(database_url: str, tmp_path, *args: str):
    env = {
        "REGISTRY_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "REGISTRY_SECRET_KEY": SECRET.decode(),
    }
    return CliRunner().invoke(
        cli, ["--database", database_url, *args], env=env, catch_exceptions=False
    )


def test_ledger_verify_exits_zero_and_prints_the_head_of_an_untouched_log(
    registry, database_url, tmp_path
):
    history(registry, teachers=1)
    assert (
        "sealed 8 events" in invoke(database_url, tmp_path, "ledger", "seal").output
    )  # after the policy
    head = ledger.head(registry)

    result = invoke(
        database_url,
        tmp_path,
        "ledger",
        "verify",
        "--published",
        f"{head['position']}:{head['hash']}",
    )

    assert result.exit_code == 0, result.output
    assert f"head: position {head['position']} sha256 {head['hash']}" in result.output
    assert "OK" in result.output and "published heads checked: 1" in result.output


def test_ledger_verify_exits_one_and_names_the_first_changed_position(
    registry, database_url, tmp_path
):
    history(registry, teachers=1)
    ledger.seal(registry)
    drop_guards(registry)
    run(registry, f"DELETE FROM {registry.db.events_table} WHERE {registry.db.position_column} = 7")

    result = invoke(database_url, tmp_path, "ledger", "verify")
    as_json = json.loads(invoke(database_url, tmp_path, "ledger", "verify", "--json").output)

    assert result.exit_code == 1
    assert "TAMPERED: first change at position 7" in result.output
    # The first line is the verdict: no "verified" headline over a changed log.
    first_line = result.output.splitlines()[0]
    assert first_line.startswith("TAMPERED: checked") and "position 7" in first_line
    assert "verified" not in first_line
    assert as_json["ok"] is False and as_json["first_position"] == 7


def test_ledger_status_shows_the_head_and_what_is_not_sealed(registry, database_url, tmp_path):
    history(registry, teachers=1)
    ledger.seal(registry)
    registry.register_teacher(ADMIN, teacher(pin=pin(7)))

    result = invoke(database_url, tmp_path, "ledger", "status")

    head = ledger.head(registry)
    assert result.exit_code == 0
    assert f"head: position {head['position']} sha256 {head['hash']}" in result.output
    assert head["position"] == registry.max_position() - 2
    assert "2 events not sealed yet" in result.output
    assert "last verified: never" in result.output


def test_a_malformed_published_head_is_refused_before_anything_is_read(
    registry, database_url, tmp_path
):
    result = invoke(database_url, tmp_path, "ledger", "verify", "--published", "12:abc")
    assert result.exit_code == 2
    assert "POSITION:HASH" in result.output
    assert ledger.head(registry)["last_verification"] is None


def test_verifying_a_database_that_is_not_a_registry_says_so(tmp_path):
    result = invoke(f"sqlite:///{tmp_path / 'nothing.db'}", tmp_path, "ledger", "verify")
    assert result.exit_code == 1
    assert "not an initialised registry database" in result.output
    assert not (tmp_path / "nothing.db").exists()


# -- databases made by earlier versions ----------------------------------------------------


def drop_verification_columns(registry) -> None:
    """The ledger's verifications as versions before who-asked and the counts made them."""
    for column, _ in store.VERIFICATION_UPGRADES:
        registry.db.execute(f"ALTER TABLE ledger_verifications DROP COLUMN {column}")
    registry.db.execute(
        "UPDATE projection_schemas SET fingerprint = 'earlier' WHERE projection = 'ledger'"
    )


def test_registry_init_adds_the_verification_columns_to_an_earlier_database(registry, settings):
    from registry.application import Registry
    from registry.bootstrap import initialise

    drop_verification_columns(registry)
    initialise(settings)
    app = Registry(settings)
    try:
        ledger.verify(app, requested_by="auditor")
        assert ledger.verifications(app)[0]["requested_by"] == "auditor"
    finally:
        app.close()


def test_the_first_verification_adds_the_columns_when_init_has_not_run_again(registry, settings):
    from registry.application import Registry

    drop_verification_columns(registry)
    app = Registry(settings)
    try:
        report = ledger.verify(app, requested_by="auditor")
        last = ledger.head(app)["last_verification"]
        assert (last["requested_by"], last["events"], last["unsealed_events"]) == (
            "auditor",
            report.events,
            0,
        )
    finally:
        app.close()
