"""Signed credentials on each engine: issue, verify, revoke, rotate keys, rebuild."""

from __future__ import annotations

import json
from datetime import date

import pytest

from registry.commands.base import Actor
from registry.credentials import keyfile
from registry.credentials import proof as di
from registry.domain.errors import ForbiddenError
from registry.projections.catalogue import view_classes
from tests.builders import ADMIN, OTHER_PIN, PIN, certified_teacher, provider, teacher
from tests.conftest import frozen_at
from tests.readside import caught_up


def failed(queries, document, status_list=None) -> tuple[str | None, str]:
    """The first failed check of a document (None if valid) and its detail."""
    report = queries.credentials.verify(json.dumps(document, ensure_ascii=False), status_list)
    check = report.failed
    assert report.valid is (check is None)
    return (check.name, check.detail) if check else (None, "")


def test_a_credential_round_trips_and_its_revocation_flips_its_bit(registry):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    credential = queries.credential(cert["number"])
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = credential["credentialSubject"]["achievement"]
    assert (achievement["name"], achievement["academicHours"], achievement["courseForm"]) == (
        "Teaching mathematics",
        72,
        "course",
    )
    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == "Айгүл Асанова"
    assert failed(queries, credential) == (None, "")

    list_url = credential["credentialStatus"]["statusListCredential"]
    before = queries.credentials.own_status_lists(list_url)
    registry.revoke_certificate(ADMIN, cert["number"], reason="Issued in error")
    queries = caught_up(registry)
    after = queries.credentials.own_status_lists(list_url)
    assert before["credentialSubject"]["encodedList"] != after["credentialSubject"]["encodedList"]
    assert failed(queries, credential)[0] == "status"
    assert "revoked" in failed(queries, credential)[1]
    # A list saved before the revocation still says what it said (offline, with a file).
    assert failed(queries, credential, json.dumps(before)) == (None, "")
    assert failed(queries, credential, json.dumps(after))[0] == "status"


def test_the_same_record_gives_the_same_bytes_and_no_pin_or_internal_id(registry):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    first = json.dumps(queries.credential(cert["number"]), ensure_ascii=False)
    assert json.dumps(caught_up(registry).credential(cert["number"]), ensure_ascii=False) == first
    record = queries.certificate(cert["number"])
    assert PIN not in first and record["teacher_id"] not in first
    assert record["verification_code"] not in first


def test_a_teachers_credentials_share_a_subject_id_and_other_teachers_do_not(registry):
    _, _, first = certified_teacher(registry)
    registry.record_legacy_certificate(
        ADMIN,
        pin=PIN,
        number="OLD-1",
        provider_code="KAE",
        title="Old",
        form="seminar",
        hours=20,
        issued_on=date(2018, 1, 1),
    )
    registry.register_teacher(ADMIN, teacher(pin=OTHER_PIN, full_name="Бакыт Осмонов"))
    registry.record_legacy_certificate(
        ADMIN,
        pin=OTHER_PIN,
        number="OLD-2",
        provider_code="KAE",
        title="Old",
        form="seminar",
        hours=20,
        issued_on=date(2018, 1, 1),
    )
    queries = caught_up(registry)
    subjects = [
        queries.credential(n)["credentialSubject"]["id"]
        for n in (first["number"], "OLD-1", "OLD-2")
    ]
    assert subjects[0] == subjects[1] != subjects[2]
    assert all(s.startswith("urn:uuid:") for s in subjects)


def test_status_indexes_follow_the_log_and_survive_a_rebuild(registry):
    provider(registry)
    registry.register_teacher(ADMIN, teacher())
    for i in range(3):
        registry.record_legacy_certificate(
            ADMIN,
            pin=PIN,
            number=f"OLD-{i}",
            provider_code="KAE",
            title="Old",
            form="seminar",
            hours=20,
            issued_on=date(2018, 1, 1),
        )
    registry.issue_duplicate(ADMIN, "OLD-1", number="DUP-1", issued_on=date(2019, 1, 1))
    queries = caught_up(registry)
    numbers = ["OLD-0", "OLD-1", "OLD-2", "DUP-1"]
    indexes = [queries.credential(n)["credentialStatus"]["statusListIndex"] for n in numbers]
    assert indexes == ["0", "1", "2", "3"]
    view = next(cls for cls in view_classes() if cls.name == "credential_status")
    with registry.db.transaction() as cur:
        for table in view.tables:
            cur.empty(table)
        cur.execute("DELETE FROM projection_tracking WHERE projection = ?", (view.name,))
    queries = caught_up(registry)
    assert [
        queries.credential(n)["credentialStatus"]["statusListIndex"] for n in numbers
    ] == indexes


def test_a_key_rotation_keeps_old_credentials_valid_and_refuses_the_old_key_afterwards(
    registry, settings
):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    old_credential = queries.credential(cert["number"])
    old_key = keyfile.load(settings.signing_key_path)
    old_method = old_credential["proof"]["verificationMethod"]

    registry.rotate_signing_key(Actor.system())
    queries = caught_up(registry)
    history = queries.credentials.key_history()
    assert len(history.keys) == 2 and history.keys[0].retired_at == history.keys[1].activated_at

    # Signed before the rotation: still valid, against the key of its time.
    assert failed(queries, old_credential) == (None, "")
    # Downloaded now: signed with the new key, and valid.
    new_credential = queries.credential(cert["number"])
    assert new_credential["proof"]["verificationMethod"] != old_method
    assert failed(queries, new_credential) == (None, "")
    # The old private key used after its replacement (a stolen backup, say): refused.
    late = {k: v for k, v in old_credential.items() if k != "proof"}
    forged = di.sign(late, old_key, old_method, "2099-01-01T00:00:00Z")
    check, detail = failed(queries, forged)
    assert check == "key_validity" and "after the key was replaced" in detail
    # Dated before the key existed: refused too.
    early = di.sign(late, old_key, old_method, "2001-01-01T00:00:00Z")
    assert failed(queries, early)[0] == "key_validity"
    # The DID document and the JWKS list both keys (old signatures stay checkable).
    assert len(queries.credentials.did_document()["assertionMethod"]) == 2
    assert [k.get("valid_until") is None for k in queries.credentials.jwks()["keys"]] == [
        False,
        True,
    ]


def test_a_signing_date_across_the_rotation_decides_which_key_may_have_signed(registry):
    with frozen_at(date_time(2027, 5, 1)):
        registry.rotate_signing_key(Actor.system())  # the key of 2027
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    credential_2027 = queries.credential(cert["number"])
    with frozen_at(date_time(2030, 1, 1)):
        registry.rotate_signing_key(Actor.system())
    with frozen_at(date_time(2035, 6, 1)):
        queries = caught_up(registry)
        assert failed(queries, credential_2027) == (None, "")
        again = queries.credential(cert["number"])
        assert again["proof"]["created"] == "2030-01-01T00:00:01Z"
        assert failed(queries, again) == (None, "")


def date_time(year: int, month: int, day: int):
    from datetime import UTC, datetime

    return datetime(year, month, day, tzinfo=UTC)


def test_a_wrong_key_or_an_unknown_one_is_named(registry):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    credential = queries.credential(cert["number"])
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    stranger = keyfile.generate()
    method = credential["proof"]["verificationMethod"]
    posing = di.sign(unsigned, stranger, method, credential["proof"]["created"])
    assert failed(queries, posing)[0] == "signature"
    from registry.credentials.multikey import multibase_public

    own = di.sign(
        unsigned,
        stranger,
        method.split("#")[0] + "#" + multibase_public(stranger),
        "2030-01-01T00:00:00Z",
    )
    assert failed(queries, own)[0] == "key"


@pytest.mark.parametrize(
    "change, check",
    [
        (lambda c: c["credentialSubject"]["achievement"].update(academicHours=720), "signature"),
        (
            lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="Айгүл Асанов"),
            "signature",
        ),
        (lambda c: c.update({"@context": [*c["@context"], "https://evil.example/ctx"]}), "context"),
        (lambda c: c.update({"@context": ["https://www.w3.org/2018/credentials/v1"]}), "context"),
        (lambda c: c.update(type=["VerifiableCredential"]), "type"),
        (lambda c: c.update(issuer={"id": "did:web:evil.example"}), "issuer"),
        (lambda c: c.pop("proof"), "proof"),
        (lambda c: c["credentialStatus"].update(statusListIndex="1"), "signature"),
    ],
)
def test_each_kind_of_tampering_is_named_by_the_check_it_fails(registry, change, check):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    credential = queries.credential(cert["number"])
    change(credential)
    assert failed(queries, credential)[0] == check


def test_one_changed_character_anywhere_in_the_file_is_never_valid(registry):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    text = json.dumps(queries.credential(cert["number"]), ensure_ascii=False, indent=1)
    outcomes = set()
    for at in range(0, len(text), 7):
        if text[at].isspace():
            continue
        changed = text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]
        report = queries.credentials.verify(changed)
        assert not report.valid, (at, text[max(0, at - 20) : at + 20])
        outcomes.add(report.failed.name)
    assert {"format", "signature"} <= outcomes


def test_keys_are_rotated_on_the_command_line_only(registry):
    with pytest.raises(ForbiddenError):
        registry.rotate_signing_key(ADMIN)  # an admin's account over the API


def test_without_its_private_key_the_registry_says_so_and_signs_nothing(registry, settings):
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    settings.signing_key_path.unlink()
    from registry.domain.errors import ConflictError

    with pytest.raises(ConflictError) as missing:
        queries.credential(cert["number"])
    assert missing.value.code == "signing_key_unavailable"
    keyfile.create(settings.signing_key_path)  # someone else's key
    with pytest.raises(ConflictError) as mismatch:
        queries.credential(cert["number"])
    assert mismatch.value.code == "signing_key_mismatch"


def test_the_documented_independent_verification_runs_on_a_credential_and_its_list(
    registry, tmp_path
):
    import re
    import subprocess
    import sys
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "credentials.md").read_text(encoding="utf-8")
    snippet = re.search(r"<!-- snippet: verify[^\n]*\n```python\n(.*?)```", docs, re.S).group(1)
    script = tmp_path / "verify.py"
    script.write_text(snippet, encoding="utf-8")
    _, _, cert = certified_teacher(registry)
    queries = caught_up(registry)
    credential = queries.credential(cert["number"])
    files = {
        "credential.json": credential,
        "jwks.json": queries.credentials.jwks(),
        "status.json": queries.credentials.status_list(0),
    }
    for name, document in files.items():
        (tmp_path / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    def run():
        return subprocess.run(
            [sys.executable, str(script), *(str(tmp_path / name) for name in files)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    valid = run()
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.strip() == f"{cert['number']} Teaching mathematics 72 h: valid"
    registry.revoke_certificate(ADMIN, cert["number"], reason="Issued in error")
    status = caught_up(registry).credentials.status_list(0)
    (tmp_path / "status.json").write_text(json.dumps(status), encoding="utf-8")
    assert run().stdout.strip().endswith("REVOKED")
    credential["credentialSubject"]["achievement"]["academicHours"] = 720
    (tmp_path / "credential.json").write_text(json.dumps(credential), encoding="utf-8")
    tampered = run()
    assert tampered.returncode == 1 and "InvalidSignature" in tampered.stderr
