"""The Data Integrity cryptosuite eddsa-jcs-2022 (W3C vc-di-eddsa, §3.3), and nothing else.

To sign: canonicalise the document without its proof (RFC 8785 JCS) and the proof's
options with the document's @context (JCS), hash each with SHA-256, and sign the proof
options' hash followed by the document's hash with Ed25519; the signature goes in
`proofValue` as multibase base58btc. To verify: the same, from the secured document.
The libraries do the work (`rfc8785`, `cryptography`, `base58`); this module only
arranges their inputs as the specification says, and is checked against its published
test vector (tests/unit/test_credential_proof.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PURPOSE = "assertionMethod"


class ProofError(ValueError):
    """A proof that cannot be checked or does not hold; `check` names which check failed."""

    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check = check
        self.message = message


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON of a value (ProofError for what JSON cannot carry)."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise ProofError("format", f"not canonicalisable JSON: {error}") from None


def digest(document: dict[str, Any]) -> str:
    """SHA-256 of a (secured) document's canonical JSON, in hex: what paper prints so
    that the paper and the file can be matched."""
    return hashlib.sha256(canonical(document)).hexdigest()


def _hash_data(unsecured: dict[str, Any], options: dict[str, Any]) -> bytes:
    proof_hash = hashlib.sha256(canonical(options)).digest()
    document_hash = hashlib.sha256(canonical(unsecured)).digest()
    return proof_hash + document_hash


def sign(
    document: dict[str, Any], key: Ed25519PrivateKey, verification_method: str, created: str
) -> dict[str, Any]:
    """The document with an eddsa-jcs-2022 proof (`created` an XML Schema dateTime)."""
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PURPOSE,
    }
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(unsecured, options))
    return {
        **unsecured,
        "proof": {**options, "proofValue": "z" + base58.b58encode(signature).decode()},
    }


def proof_of(secured: dict[str, Any]) -> dict[str, Any]:
    """The one eddsa-jcs-2022 proof of a secured document, its shape checked."""
    proof = secured.get("proof")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise ProofError("proof", "exactly one proof is expected")
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("proof", "the document has no proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("proof", f"the proof is not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if proof.get("proofPurpose") != PURPOSE:
        raise ProofError("proof", f"the proof's purpose is not {PURPOSE}")
    for name in ("verificationMethod", "created", "proofValue"):
        if not isinstance(proof.get(name), str):
            raise ProofError("proof", f"the proof has no {name}")
    return proof


def verify(secured: dict[str, Any], key: Ed25519PublicKey) -> None:
    """Check a secured document's eddsa-jcs-2022 proof against a public key; ProofError
    (check "proof" or "signature") says what failed."""
    proof = proof_of(secured)
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    unsecured = {name: value for name, value in secured.items() if name != "proof"}
    if "@context" in options:
        # The proof's @context must be the document's, or begin it (§3.3.2).
        mine, theirs = options["@context"], unsecured.get("@context")
        mine = mine if isinstance(mine, list) else [mine]
        theirs = theirs if isinstance(theirs, list) else [theirs]
        if theirs[: len(mine)] != mine:
            raise ProofError("proof", "the proof's @context does not match the document's")
    value = proof["proofValue"]
    try:
        signature = base58.b58decode(value[1:]) if value.startswith("z") else b""
    except ValueError:
        signature = b""
    if len(signature) != 64:
        raise ProofError("proof", "proofValue is not a base58btc Ed25519 signature")
    try:
        key.verify(signature, _hash_data(unsecured, options))
    except InvalidSignature:
        raise ProofError(
            "signature", "the signature does not match the content and the key"
        ) from None
