"""Ed25519 keys as the Data Integrity specifications spell them.

A public key is a Multikey: multibase base58btc (`z…`) of the multicodec prefix
ed25519-pub (0xed 0x01) and the 32 raw bytes, so it always begins `z6Mk`. A JWK
(RFC 8037) carries the same 32 bytes in base64url.
"""

from __future__ import annotations

import base64

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub, as an unsigned varint
ED25519_PRIV = b"\x80\x26"  # multicodec ed25519-priv


class KeyFormatError(ValueError):
    """Not an Ed25519 key in the expected encoding."""


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The 32 bytes of a public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def multibase_public(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The Multikey encoding of a public key (of a private key's public half)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return "z" + base58.b58encode(ED25519_PUB + raw_public(key)).decode()


def public_from_multibase(text: str) -> Ed25519PublicKey:
    """The public key a Multikey string encodes; KeyFormatError if it is none."""
    if not isinstance(text, str) or not text.startswith("z") or len(text) > 64:
        raise KeyFormatError("a public key is multibase base58btc, beginning with z")
    try:
        raw = base58.b58decode(text[1:])
    except ValueError as error:
        raise KeyFormatError(f"not base58btc: {error}") from None
    if len(raw) != 34 or raw[:2] != ED25519_PUB:
        raise KeyFormatError("not an Ed25519 public key (multicodec 0xed01, 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_from_multibase(text: str) -> Ed25519PrivateKey:
    """A private key in the Multikey encoding (as the specifications' test vectors give it)."""
    raw = base58.b58decode(text[1:]) if text.startswith("z") else b""
    if len(raw) != 34 or raw[:2] != ED25519_PRIV:
        raise KeyFormatError("not an Ed25519 private key (multicodec 0x8026, 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def jwk(public_key_multibase: str) -> dict[str, str]:
    """The JSON Web Key (RFC 8037, OKP/Ed25519) of a Multikey public key."""
    raw = raw_public(public_from_multibase(public_key_multibase))
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
    }
