"""The certificate index: what a number stands for, its status and links, public verification."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.errors import NotFoundError
from tests.builders import ADMIN, PIN, certified_teacher, provider, teacher
from tests.readside import caught_up


def test_a_certificate_shows_teacher_programme_provider_and_status(registry):
    prog, _enrolment, cert = certified_teacher(registry)
    found = caught_up(registry).certificate(cert["number"])
    assert (found["kind"], found["status"], found["replaced_by"]) == ("issued", "valid", [])
    assert (found["pin"], found["full_name"]) == (PIN, "Айгүл Асанова")
    assert (found["provider_code"], found["provider_name"]) == ("KAE", "Provider KAE")
    assert (
        found["programme_id"],
        found["title"],
        found["form"],
        found["mode"],
        found["funding"],
        found["hours"],
    ) == (prog["id"], "Teaching mathematics", "course", "full_time", "state", 72)
    assert (found["starts_on"], found["ends_on"], found["issued_on"], found["assessed_on"]) == (
        date(2024, 3, 1),
        date(2024, 3, 20),
        date(2024, 3, 21),
        date(2024, 3, 21),
    )
    assert found["verification_code"] == cert["verification_code"]
    assert found["revoked_at"] is None and found["recorded_at"].tzinfo is not None


def test_a_duplicate_links_both_ways_and_is_revoked_with_its_original(registry):
    _, _, cert = certified_teacher(registry)
    registry.issue_duplicate(ADMIN, cert["number"], number="KAE-DUP-1", issued_on=date(2024, 5, 1))
    queries = caught_up(registry)
    original, duplicate = queries.certificate(cert["number"]), queries.certificate("KAE-DUP-1")
    assert (original["status"], original["replaced_by"]) == ("duplicate_issued", ["KAE-DUP-1"])
    assert (duplicate["kind"], duplicate["duplicate_of"], duplicate["status"]) == (
        "duplicate",
        cert["number"],
        "valid",
    )
    assert duplicate["title"] == "Teaching mathematics" and duplicate["mode"] == "full_time"

    registry.revoke_certificate(ADMIN, cert["number"], reason="issued in error")
    queries = caught_up(registry)
    for number in (cert["number"], "KAE-DUP-1"):
        revoked = queries.certificate(number)
        assert revoked["status"] == "revoked"
        assert revoked["revocation_reason"] == "issued in error"
        assert revoked["revoked_at"] is not None


def test_an_original_whose_only_duplicate_is_revoked_is_valid_again(registry):
    _, _, cert = certified_teacher(registry)
    registry.issue_duplicate(ADMIN, cert["number"], number="KAE-DUP-1", issued_on=date(2024, 5, 1))
    registry.revoke_certificate(ADMIN, "KAE-DUP-1", reason="printed on the wrong form")
    original = caught_up(registry).certificate(cert["number"])
    assert (original["status"], original["replaced_by"]) == ("valid", [])
    assert original["duplicates"] == ["KAE-DUP-1"]  # still linked, though no longer in force


def test_a_revoked_original_keeps_its_link_to_the_duplicate_revoked_with_it(registry):
    _, _, cert = certified_teacher(registry)
    registry.issue_duplicate(ADMIN, cert["number"], number="KAE-DUP-1", issued_on=date(2024, 5, 1))
    registry.revoke_certificate(ADMIN, cert["number"], reason="issued in error")
    queries = caught_up(registry)
    original = queries.certificate(cert["number"])
    assert (original["status"], original["duplicates"], original["replaced_by"]) == (
        "revoked",
        ["KAE-DUP-1"],
        [],  # the duplicate was revoked with it: nothing replaces it
    )
    public = queries.verify(cert["number"], cert["verification_code"])
    assert public is not None and public["duplicates"] == ["KAE-DUP-1"]


def test_a_revoked_certificate_links_to_the_one_its_enrolment_was_issued_again(registry):
    """Rule 5: an error is corrected by revoking and certifying the enrolment again; the
    revoked certificate names the one that replaced it (and so does its public page)."""
    _, enrolment, cert = certified_teacher(registry)
    registry.revoke_certificate(ADMIN, cert["number"], reason="wrong hours printed")
    registry.issue_certificate(
        ADMIN, enrolment["id"], number="KAE-2024-0002", issued_on=date(2024, 3, 22)
    )
    queries = caught_up(registry)
    revoked = queries.certificate(cert["number"])
    assert (revoked["status"], revoked["replaced_by"]) == ("revoked", ["KAE-2024-0002"])
    public = queries.verify(cert["number"], cert["verification_code"])
    assert public is not None and public["replaced_by"] == ["KAE-2024-0002"]
    new = queries.certificate("KAE-2024-0002")
    assert (new["status"], new["replaced_by"]) == ("valid", [])

    # Issued again and revoked too: the first names the one now in force, the second too.
    registry.revoke_certificate(ADMIN, "KAE-2024-0002", reason="wrong date")
    registry.issue_certificate(
        ADMIN, enrolment["id"], number="KAE-2024-0003", issued_on=date(2024, 3, 23)
    )
    queries = caught_up(registry)
    assert queries.certificate(cert["number"])["replaced_by"] == ["KAE-2024-0003"]
    assert queries.certificate("KAE-2024-0002")["replaced_by"] == ["KAE-2024-0003"]
    # A teacher's list shows the same links.
    listed = {c["number"]: c["replaced_by"] for c in queries.teacher_certificates(PIN)}
    assert listed[cert["number"]] == ["KAE-2024-0003"] and listed["KAE-2024-0003"] == []


def test_a_legacy_certificate_is_indexed_without_an_assessment(registry):
    registry.register_teacher(ADMIN, teacher())
    provider(registry)
    registry.record_legacy_certificate(
        ADMIN,
        pin=PIN,
        number="П-1998-17",
        provider_code="KAE",
        title="Курсы",
        form="course",
        hours=144,
        issued_on=date(2019, 2, 28),
    )
    found = caught_up(registry).certificate("П-1998-17")
    assert (found["kind"], found["status"], found["hours"], found["passed"]) == (
        "legacy",
        "valid",
        144,
        None,
    )
    assert found["enrolment_id"] is None and found["mode"] is None


def test_verification_needs_the_right_code_and_never_shows_a_pin(registry):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    code = cert["verification_code"]
    public = queries.verify(cert["number"], code.lower().replace("-", " "))
    assert public is not None
    assert (public["status"], public["full_name"], public["passed"]) == (
        "valid",
        "Айгүл Асанова",
        True,
    )
    assert PIN not in repr(public) and "teacher_id" not in public
    assert "verification_code" not in public
    assert queries.verify(cert["number"], "AAAA-AAAA") is None
    assert queries.verify("NO-SUCH-NUMBER", code) is None
    assert queries.verify(cert["number"], "") is None


def test_a_teachers_certificates_come_newest_first(registry):
    certified_teacher(
        registry,
        number="A-1",
        issued_on=date(2022, 3, 21),
        starts_on=date(2022, 3, 1),
        ends_on=date(2022, 3, 20),
        code="P1",
    )
    certified_teacher(registry, number="A-2", issued_on=date(2024, 3, 21), code="P2")
    queries = caught_up(registry)
    assert [c["number"] for c in queries.teacher_certificates(PIN)] == ["A-2", "A-1"]
    with pytest.raises(NotFoundError):
        queries.certificate("A-3")
