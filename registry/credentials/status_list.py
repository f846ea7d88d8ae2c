"""W3C Bitstring Status List v1.0: revocation as one bit per credential.

Each credential gets an index when its certificate is recorded (in the order of the
log, so a rebuilt view gives the same indexes). Indexes fill lists of `LIST_SIZE` bits
(the specification's minimum, 16 KiB, so a list hides which credential a verifier
asks about); list n holds indexes n·LIST_SIZE … (n+1)·LIST_SIZE − 1. A list is a
credential of its own, signed like the others; bit i is 1 when credential i is
revoked. The bits are GZIP-compressed and carried as multibase base64url (`u…`).
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable
from typing import Any

from registry.credentials.keyring import Issuer

LIST_SIZE = 131_072  # bits per list: the specification's minimum (herd privacy)
PURPOSE = "revocation"
MAX_ENCODED = 1 << 20  # characters of an encodedList worth decoding (a list is ~200)
MAX_BITS = 1 << 27  # bits a decoded list may hold (16 MiB): more is not a list of ours


class StatusListError(ValueError):
    """A status list that cannot be read."""


def locate(status_index: int) -> tuple[int, int]:
    """(list number, index within that list) of a credential's status index."""
    return divmod(status_index, LIST_SIZE)


def status_entry(issuer: Issuer, status_index: int) -> dict[str, str]:
    """A credential's `credentialStatus`: where its bit is."""
    list_number, index = locate(status_index)
    url = issuer.status_list_url(list_number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def encode(set_bits: Iterable[int], size: int = LIST_SIZE) -> str:
    """The encodedList of a list whose given bits are 1 (index 0 is the first byte's
    most significant bit); compressed without a timestamp, so the same bits give the
    same text."""
    bits = bytearray(size // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    """The bits of an encodedList; StatusListError if it is not one (bounded: a list
    that would inflate beyond MAX_BITS is refused, not inflated)."""
    if not isinstance(encoded, str) or not encoded.startswith("u") or len(encoded) > MAX_ENCODED:
        raise StatusListError("encodedList is not multibase base64url")
    text = encoded[1:]
    try:
        compressed = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except ValueError:
        raise StatusListError("encodedList is not base64url") from None
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, MAX_BITS // 8 + 1)
    except zlib.error:
        raise StatusListError("encodedList is not GZIP data") from None
    if len(bits) > MAX_BITS // 8:
        raise StatusListError("encodedList is larger than any list")
    if not bits or not inflater.eof:
        raise StatusListError("encodedList is empty or cut short")
    return bits


def bit(bits: bytes, index: int) -> bool:
    """Whether bit `index` is set; StatusListError past the list's end."""
    if index >= len(bits) * 8:
        raise StatusListError(f"index {index} is beyond the list's {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def unsigned_list(
    issuer: Issuer, list_number: int, revoked: Iterable[int], valid_from: str
) -> dict[str, Any]:
    """List `list_number` as a BitstringStatusListCredential, before its proof."""
    url = issuer.status_list_url(list_number)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(revoked),
        },
    }
