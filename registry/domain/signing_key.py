"""The registry's signing keys: the public half of each, and when it took over.

One aggregate holds them all, so the log says which key signed at any moment. The
private halves never enter the log (they live in a file of the instance, see
`registry.credentials.keyfile`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from registry.domain import clock
from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import ConflictError, RuleViolationError

# Multibase base58btc of multicodec ed25519-pub and 32 bytes: always "z6Mk" and 44 more.
_MULTIKEY = re.compile(r"^z6Mk[1-9A-HJ-NP-Za-km-z]{44}$")


def check_public_key(public_key: object) -> str:
    """An Ed25519 public key as a Multikey (z6Mk…)."""
    if not isinstance(public_key, str) or not _MULTIKEY.fullmatch(public_key):
        raise RuleViolationError(
            "A signing key is an Ed25519 public key in Multikey form (z6Mk…).",
            field="public_key",
            code="invalid_public_key",
        )
    return public_key


class SigningKeyring(RegistryAggregate):
    """Every public key the registry has signed credentials with, in order."""

    @staticmethod
    def id_for() -> UUID:
        return natural_id("signing-keys", "credentials")

    @event("Started")
    def __init__(self, public_key: str, activated_at: datetime):
        self.keys: list[tuple[str, datetime]] = [(public_key, activated_at)]

    @classmethod
    def start(cls, public_key: str) -> SigningKeyring:
        """The first key, in use from now."""
        return cls._create(
            cls.Started,  # type: ignore[attr-defined]  # @event("Started") makes this class at runtime
            id=cls.id_for(),
            public_key=check_public_key(public_key),
            activated_at=_now(),
        )

    @property
    def current(self) -> str:
        """The key that signs now."""
        return self.keys[-1][0]

    def rotate(self, public_key: str) -> None:
        """Sign with a new key from now on; the old ones stay valid for what they signed."""
        public_key = check_public_key(public_key)
        if any(public_key == known for known, _ in self.keys):
            raise ConflictError(
                "This key was already used; a rotation needs a new key.",
                field="public_key",
                code="signing_key_reused",
            )
        # From the next second: whatever the old key signed up to now (its proofs carry
        # whole seconds) stays inside its period.
        start = max(_now(), self.keys[-1][1]) + timedelta(seconds=1)
        self._rotated(public_key=public_key, activated_at=start)

    @event("Rotated")
    def _rotated(self, public_key: str, activated_at: datetime) -> None:
        self.keys.append((public_key, activated_at))


def _now() -> datetime:
    """Now, to the second: proofs carry seconds, so a key's start compares exactly."""
    return clock.now().replace(microsecond=0)
