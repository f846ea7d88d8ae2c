"""Accounts of the people who use the registry: role, scope and hashed credentials."""

from __future__ import annotations

import hashlib
import hmac
import re
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.values import ROLES, check_choice, check_code, check_region

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.@\-]{1,63}$")


def token_hash(secret: str) -> str:
    """API tokens are long random strings, so a plain SHA-256 is the right hash for them."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Account(RegistryAggregate):
    """A named account with one role, optionally bound to a provider or a region."""

    @staticmethod
    def id_for(name: str) -> UUID:
        return natural_id("account", name)

    @event("Created")
    def __init__(
        self,
        name: str,
        role: str,
        provider_code: str | None,
        region: str | None,
        token_hash: str,
        password_hash: str | None,
    ):
        self.name = name
        self.role = role
        self.provider_code = provider_code
        self.region = region
        self.token_hash = token_hash
        self.password_hash = password_hash
        self.disabled = False

    @classmethod
    def create(
        cls,
        name: str,
        role: str,
        provider_code: str | None,
        region: str | None,
        token_hash: str,
        password_hash: str | None,
    ) -> Account:
        """Create an account; a registrar needs a provider, only a commission takes a region."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise RuleViolationError(
                "An account name is 2–64 lower-case letters, digits, '.', '_', '@' or '-'.",
                field="name",
                code="invalid_name",
            )
        role = check_choice(role, ROLES, "role")
        if role == "registrar" and not provider_code:
            raise RuleViolationError(
                "A registrar must be bound to a provider.",
                field="provider",
                code="registrar_without_provider",
            )
        if role != "registrar" and provider_code:
            raise RuleViolationError(
                "Only a registrar is bound to a provider.",
                field="provider",
                code="provider_not_allowed",
            )
        if region and role != "commission":
            raise RuleViolationError(
                "Only a commission member is bound to a region.",
                field="region",
                code="region_not_allowed",
            )
        return cls._create(
            cls.Created,
            id=cls.id_for(name),
            name=name,
            role=role,
            provider_code=check_code(provider_code, "provider") if provider_code else None,
            region=check_region(region) if region else None,
            token_hash=token_hash,
            password_hash=password_hash,
        )

    def token_matches(self, secret: str) -> bool:
        return not self.disabled and hmac.compare_digest(self.token_hash, token_hash(secret))

    def disable(self) -> None:
        if self.disabled:
            raise ConflictError("The account is already disabled.", code="already_disabled")
        self._disabled()

    @event("Disabled")
    def _disabled(self) -> None:
        self.disabled = True
