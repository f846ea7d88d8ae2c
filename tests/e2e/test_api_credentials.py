"""The credentials' round trip over HTTP on each engine: issue, download, verify offline,
revoke, the status list flips, verification says revoked."""

from __future__ import annotations

import json
import subprocess
import sys

from registry.credentials.status_list import bit, decode
from tests.e2e.api_support import *  # the fixtures: api_app, callers
from tests.e2e.api_support import PIN, TEACHER

PAPER = {
    "pin": PIN,
    "number": "OLD-0",
    "provider_code": "KAE",
    "title": "Методика",
    "form": "seminar",
    "hours": 36,
    "issued_on": "2019-05-20",
}


def cli(settings, *args: str) -> subprocess.CompletedProcess:
    """The `registry` command on this test's database and instance (no server)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "REGISTRY_SECRET_KEY": settings.secret_key.decode(),
        "REGISTRY_INSTANCE_PATH": str(settings.instance_path),
        "REGISTRY_DATABASE_URL": settings.database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_credential_round_trips_through_the_api_and_offline(callers, settings, tmp_path):
    admin, public = callers["admin"], callers["public"]
    assert admin.post("/teachers", json=TEACHER).status_code == 201
    recorded = admin.post("/certificates/legacy", json=PAPER)
    assert recorded.status_code == 201
    at = recorded.headers["X-Registry-Position"]

    fetched = admin.get(f"/certificates/OLD-0/credential?min_position={at}")
    assert fetched.status_code == 200, fetched.get_json()
    credential = fetched.get_json()
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert credential["credentialSubject"]["achievement"]["academicHours"] == 36
    assert PIN not in fetched.get_data(as_text=True)
    assert public.get("/certificates/OLD-0/credential").status_code == 401

    checked = public.post("/credentials/verification", json={"credential": credential})
    assert checked.status_code == 200 and checked.get_json()["valid"] is True

    # Offline: the command line, with no server, against the database's keys and lists.
    saved = tmp_path / "old-0.json"
    saved.write_text(json.dumps(credential, ensure_ascii=False, indent=2), encoding="utf-8")
    offline = cli(settings, "credentials", "verify", str(saved))
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "VALID" in offline.stdout and "36" in offline.stdout

    status_url = credential["credentialStatus"]["statusListCredential"]
    index = int(credential["credentialStatus"]["statusListIndex"])
    client = public.client
    before = client.get("/credentials/status/0").get_json()
    assert before["id"] == status_url
    list_file = tmp_path / "status-before.json"
    list_file.write_text(json.dumps(before), encoding="utf-8")

    revoked = admin.post("/certificates/OLD-0/revocation", json={"reason": "Issued in error"})
    assert revoked.status_code == 200
    admin.get(f"/certificates/OLD-0?min_position={revoked.headers['X-Registry-Position']}")
    after = client.get("/credentials/status/0").get_json()
    assert not bit(decode(before["credentialSubject"]["encodedList"]), index)
    assert bit(decode(after["credentialSubject"]["encodedList"]), index)

    report = public.post("/credentials/verification", json={"credential": credential}).get_json()
    assert (report["valid"], report["failed_check"], report["revoked"]) == (False, "status", True)
    offline = cli(settings, "credentials", "verify", str(saved))
    assert offline.returncode == 1 and "NOT VALID: status" in offline.stdout
    # The list as it was saved before the revocation still answers for its moment.
    old_list = cli(settings, "credentials", "verify", str(saved), "--status-list", str(list_file))
    assert old_list.returncode == 0, old_list.stdout


def test_the_command_line_names_what_is_wrong_with_a_file_without_a_traceback(
    callers, settings, tmp_path
):
    admin = callers["admin"]
    assert admin.post("/teachers", json=TEACHER).status_code == 201
    at = admin.post("/certificates/legacy", json=PAPER).headers["X-Registry-Position"]
    credential = admin.get(f"/certificates/OLD-0/credential?min_position={at}").get_json()
    tampered = tmp_path / "tampered.json"
    changed = json.loads(json.dumps(credential))
    changed["credentialSubject"]["achievement"]["academicHours"] = 63
    tampered.write_text(json.dumps(changed))
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xff not json")
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (50 << 20))
    for path, check in ((tampered, "signature"), (garbage, "format"), (huge, "format")):
        result = cli(settings, "credentials", "verify", str(path))
        assert result.returncode == 1, result.stderr
        assert f"NOT VALID: {check}" in result.stdout and "Traceback" not in result.stderr
    missing = cli(settings, "credentials", "verify", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr

    rotated = cli(settings, "credentials", "rotate-key")
    assert rotated.returncode == 0 and "new signing key z6Mk" in rotated.stdout
    saved = tmp_path / "before-rotation.json"
    saved.write_text(json.dumps(credential))
    assert cli(settings, "credentials", "verify", str(saved)).returncode == 0
    keys = cli(settings, "credentials", "keys")
    assert keys.stdout.count("z6Mk") == 2
    issued = cli(settings, "credentials", "issue", "OLD-0")
    assert issued.returncode == 0
    assert (
        json.loads(issued.stdout)["proof"]["verificationMethod"]
        != credential["proof"]["verificationMethod"]
    )


def test_the_api_refuses_a_huge_or_shapeless_verification_request_clearly(callers):
    public = callers["public"]
    huge = public.client.post(
        "/api/v1/credentials/verification",
        data=b'{"credential": {"x": "' + b"a" * (50 << 20) + b'"}}',
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 400 and huge.get_json()["error"]["code"] == "body_too_large"
    for body in ({}, {"credential": "text"}, {"credential": {}, "extra": 1}):
        answer = public.post("/credentials/verification", json=body)
        assert answer.status_code == 400, (body, answer.get_json())
    empty = public.post("/credentials/verification", json={"credential": {}}).get_json()
    assert (empty["valid"], empty["failed_check"]) == (False, "context")
    assert callers["admin"].get("/certificates/NOPE-1/credential").status_code == 404
