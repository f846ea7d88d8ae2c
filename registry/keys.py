"""Ids and codes derived from the installation's secret.

A PIN is personal data: its index id is an HMAC, which cannot be brute-forced back to
the PIN without the secret (a uuid5 of the PIN could). Verification codes are HMACs of
certificate numbers: unguessable, and the same for the same secret (generated history
is deterministic).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from uuid import UUID

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class Keys:
    """The secret-keyed derivations of one installation."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def _mac(self, purpose: str, value: str) -> bytes:
        return hmac.new(self._secret, f"{purpose}:{value}".encode(), hashlib.sha256).digest()

    def pin_index_id(self, pin: str) -> UUID:
        """The id of the index entry for a PIN."""
        return UUID(bytes=self._mac("pin", pin)[:16], version=4)

    def verification_code(self, number: str) -> str:
        """The code printed on a certificate that lets anyone verify it (XXXX-XXXX)."""
        digest = self._mac("verify", number)
        chars = [_CODE_ALPHABET[b % len(_CODE_ALPHABET)] for b in digest[:8]]
        return "".join(chars[:4]) + "-" + "".join(chars[4:])

    def credential_subject(self, teacher_id: UUID | str) -> UUID:
        """A teacher's subject id in signed credentials: the same on all of theirs, and
        derived from the internal random id under the secret, so nothing leads from it
        to the PIN (nor to the internal id)."""
        return UUID(bytes=self._mac("credential-subject", str(teacher_id))[:16], version=4)

    def pseudonym(self, teacher_id: UUID | str) -> str:
        """A stable key for a teacher in statisticians' tables, without name or PIN."""
        return self._mac("pseudonym", str(teacher_id)).hex()[:20]


def normalise_code(code: str) -> str:
    """Verification codes compare without case, spaces or dashes."""
    return re.sub(r"[\s\-]", "", code or "").upper()
