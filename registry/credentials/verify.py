"""What a verifier checks, in order, and which check failed.

A credential is valid only when every check passes: it is JSON of a sane size, its
@context is one the registry issues, it is an OpenBadgeCredential of this issuer, its
proof is eddsa-jcs-2022 by a key of the registry, that key was the signing key when the
proof says it was made, the signature holds, and its bit in the (itself verified)
revocation list is 0. The first failure is named; nothing after it counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry.credentials import proof as di
from registry.credentials.document import OB_TYPES, contexts
from registry.credentials.keyring import Issuer, KeyHistory, parse_timestamp, timestamp
from registry.credentials.multikey import KeyFormatError, public_from_multibase
from registry.credentials.status_list import PURPOSE, StatusListError, bit, decode

MAX_BYTES = 256 * 1024  # a credential is a few KiB; a status list about 1 KiB
CHECKS = (
    "format",
    "context",
    "type",
    "issuer",
    "proof",
    "key",
    "key_validity",
    "signature",
    "status",
)
LIST_TYPES = ["VerifiableCredential", "BitstringStatusListCredential"]

# A status list credential by its URL, as the caller can get it (a file given, the
# registry's own): parsed JSON, None when it has none, or text saying why it cannot.
StatusLists = Callable[[str], Any]


@dataclass
class Check:
    """One check's outcome: its name, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    """The outcome of verifying one credential."""

    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    digest: str | None = None
    revoked: bool | None = None

    @property
    def valid(self) -> bool:
        return (
            bool(self.checks) and all(c.ok for c in self.checks) and len(self.checks) == len(CHECKS)
        )

    @property
    def failed(self) -> Check | None:
        return next((c for c in self.checks if not c.ok), None)

    def passed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def fail(self, name: str, detail: str) -> Report:
        self.checks.append(Check(name, False, detail))
        return self

    def summary(self) -> dict[str, Any]:
        """What the credential says, for people (empty if it could not be read)."""
        return summary_of(self.credential) if self.credential is not None else {}

    def as_dict(self) -> dict[str, Any]:
        failed = self.failed
        return {
            "valid": self.valid,
            "failed_check": failed.name if failed else None,
            "revoked": self.revoked,
            "digest": self.digest,
            "checks": [{"check": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "credential": self.summary(),
        }


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a name appears twice in one object")
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse(raw: bytes | str) -> dict[str, Any]:
    """A JSON object from bytes or text, strictly (no NaN, no repeated names, bounded
    size and depth); ValueError says why not."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _ids(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _check_signed(
    report: Report, document: dict[str, Any], keys: KeyHistory, issuer: Issuer
) -> bool:
    """The issuer, proof, key, key validity and signature checks (shared by credentials
    and status lists); False once one fails."""
    if _ids(document.get("issuer")) != issuer.did:
        report.fail("issuer", f"the issuer is not {issuer.did}")
        return False
    report.passed("issuer", issuer.did)
    try:
        proof = di.proof_of(document)
    except di.ProofError as error:
        report.fail("proof", error.message)
        return False
    report.passed("proof", f"{proof['type']}, {proof['cryptosuite']}")
    method = proof["verificationMethod"]
    prefix = issuer.did + "#"
    key = keys.find(method[len(prefix) :]) if method.startswith(prefix) else None
    if key is None:
        report.fail("key", f"{method[:200]} is not a key of this registry")
        return False
    try:
        public = public_from_multibase(key.public_key)
    except KeyFormatError as error:  # the log holds only checked keys; kept for safety
        report.fail("key", str(error))
        return False
    report.passed("key", method)
    created = parse_timestamp(proof["created"])
    if created is None:
        report.fail("key_validity", "the proof's creation time is not a date and time")
        return False
    if not key.valid_at(created):
        if created < key.activated_at:
            why = f"it was signed {proof['created']}, before the key came into use ({timestamp(key.activated_at)})"
        else:
            assert key.retired_at is not None  # valid_at failed after activation
            why = (
                f"it was signed {proof['created']}, after the key was replaced "
                f"({timestamp(key.retired_at)})"
            )
        report.fail("key_validity", why)
        return False
    report.passed(
        "key_validity",
        f"the key signed from {timestamp(key.activated_at)}"
        + (f" until {timestamp(key.retired_at)}" if key.retired_at else ""),
    )
    try:
        di.verify(document, public)
    except di.ProofError as error:
        report.fail(error.check, error.message)
        return False
    report.passed("signature", "Ed25519 over the JCS canonical form")
    return True


def verify_status_list(
    document: Any, url: str, keys: KeyHistory, issuer: Issuer
) -> tuple[bytes | None, str]:
    """The bits of a status list credential that verifies as the list at `url`, or None
    and why not."""
    if not isinstance(document, dict):
        return None, "the status list is not a JSON object"
    if document.get("id") != url:
        return None, f"the status list given is not {url}"
    types = document.get("type")
    if not isinstance(types, list) or any(t not in types for t in LIST_TYPES):
        return None, "the status list is not a BitstringStatusListCredential"
    inner = Report()
    if not _check_signed(inner, document, keys, issuer):
        failed = inner.failed
        return (
            None,
            f"the status list does not verify ({failed.name if failed else '?'}: {failed.detail if failed else ''})",
        )
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != PURPOSE:
        return None, "the status list is not a revocation list"
    try:
        return decode(str(subject.get("encodedList") or "")), ""
    except StatusListError as error:
        return None, f"the status list cannot be read: {error}"


def _check_status(
    report: Report,
    document: dict[str, Any],
    keys: KeyHistory,
    issuer: Issuer,
    status_lists: StatusLists,
) -> None:
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        report.fail("status", "the credential has no BitstringStatusListEntry")
        return
    url, index_text = entry.get("statusListCredential"), entry.get("statusListIndex")
    if entry.get("statusPurpose") != PURPOSE or not isinstance(url, str):
        report.fail("status", "the credential's status entry is not a revocation entry")
        return
    if not url.startswith(issuer.root + "/credentials/status/"):
        report.fail("status", f"the status list {url[:200]} is not this registry's")
        return
    if not isinstance(index_text, str) or not index_text.isdigit() or len(index_text) > 9:
        report.fail("status", "statusListIndex is not a whole number")
        return
    listed = status_lists(url)
    if listed is None:
        report.fail("status", f"no status list {url} to check against")
        return
    if isinstance(listed, str):
        report.fail("status", listed)
        return
    bits, why = verify_status_list(listed, url, keys, issuer)
    if bits is None:
        report.fail("status", why)
        return
    try:
        revoked = bit(bits, int(index_text))
    except StatusListError as error:
        report.fail("status", str(error))
        return
    report.revoked = revoked
    if revoked:
        report.fail("status", "revoked: its bit in the revocation list is set")
        return
    report.passed("status", f"not revoked (bit {index_text} of {url})")


def verify_credential(
    raw: bytes | str, keys: KeyHistory, issuer: Issuer, status_lists: StatusLists
) -> Report:
    """Run every check on a credential file's content, stopping at the first failure."""
    report = Report()
    try:
        document = parse(raw)
    except ValueError as error:
        return report.fail("format", str(error))
    report.credential = document
    try:
        report.digest = di.digest(document)
    except di.ProofError as error:
        return report.fail("format", error.message)
    report.passed("format", "a JSON object")
    context = document.get("@context")
    known = contexts(issuer)
    if not isinstance(context, list) or context[:1] != known[:1]:
        return report.fail("context", f"@context does not begin with {known[0]}")
    unknown = [c for c in context if c not in known]
    if unknown:
        shown = json.dumps(unknown[0], ensure_ascii=False)[:200]
        return report.fail("context", f"unknown context {shown}")
    report.passed("context", ", ".join(context))
    types = document.get("type")
    if not isinstance(types, list) or any(t not in types for t in OB_TYPES):
        return report.fail("type", "not a VerifiableCredential and OpenBadgeCredential")
    report.passed("type", ", ".join(str(t) for t in types))
    if not _check_signed(report, document, keys, issuer):
        return report
    _check_status(report, document, keys, issuer, status_lists)
    return report


def summary_of(document: dict[str, Any]) -> dict[str, Any]:
    """What a credential says, read defensively (any part may be missing or odd)."""

    def text(value: Any) -> str | None:
        return value[:500] if isinstance(value, str) else None

    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    names = (
        [
            i.get("identityHash")
            for i in subject.get("identifier") or []
            if isinstance(i, dict) and i.get("identityType") == "name"
        ]
        if isinstance(subject.get("identifier"), list)
        else []
    )
    source = subject.get("source")
    hours = achievement.get("academicHours")
    return {
        "number": text(document.get("certificateNumber")),
        "kind": text(document.get("certificateKind")),
        "name": text(names[0]) if names else None,
        "title": text(achievement.get("name")) or text(document.get("name")),
        "hours": hours if isinstance(hours, int) and not isinstance(hours, bool) else None,
        "form": text(achievement.get("courseForm")),
        "assessment": text(achievement.get("assessment")),
        "provider": text(source.get("name")) if isinstance(source, dict) else None,
        "issued": text(document.get("validFrom")),
        "duplicate_of": text(document.get("duplicateOf")),
        "subject_id": text(subject.get("id")),
    }
