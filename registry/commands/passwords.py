"""Password hashes (argon2id), made at the cost the settings give."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from registry.settings import Settings


class Passwords:
    """Hashes new passwords at the settings' cost; checks a stored hash at the cost it was
    made with (argon2 keeps its parameters in the hash)."""

    def __init__(self, settings: Settings):
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def matches(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` is the one hashed. Without a hash a stand-in is checked (and
        refused), so an unknown name takes as long to refuse as a wrong password: the time
        of an answer does not tell which names exist."""
        try:
            self._hasher.verify(password_hash or self._stand_in, password)
        except VerificationError:
            return False
        return password_hash is not None

    @functools.cached_property
    def _stand_in(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))
