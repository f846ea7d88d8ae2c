"""A provider of qualification upgrading, keyed on its public code."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.limits import max_length
from registry.domain.values import (
    PROVIDER_KINDS,
    check_choice,
    check_code,
    check_region,
    check_text,
)


class Provider(RegistryAggregate):
    """An institution that enrols, assesses and certifies teachers; it can be suspended."""

    @staticmethod
    def id_for(code: str) -> UUID:
        return natural_id("provider", code)

    @event("Registered")
    def __init__(self, code: str, name: str, kind: str, region: str):
        self.code = code
        self.name = name
        self.kind = kind
        self.region = region
        self.suspended = False
        self.suspension_reason: str | None = None
        self.name_ky: str | None = None
        self.name_ru: str | None = None

    @classmethod
    def register(cls, code: str, name: str, kind: str, region: str) -> Provider:
        """Register a provider from checked details."""
        code = check_code(code)
        return cls._create(
            cls.Registered,  # type: ignore[attr-defined]  # @event("Registered") makes this class at runtime
            id=cls.id_for(code),
            code=code,
            name=check_text(name, "name"),
            kind=check_choice(kind, PROVIDER_KINDS, "kind"),
            region=check_region(region),
        )

    def translate(self, name_ky: object, name_ru: object) -> bool:
        """Set (or, with None or "", clear) the Kyrgyz and Russian names; the English `name`
        stays the one every page falls back on. False when nothing changes."""
        ky = None if name_ky in (None, "") else check_text(name_ky, "name_ky", max_length("name"))
        ru = None if name_ru in (None, "") else check_text(name_ru, "name_ru", max_length("name"))
        if (ky, ru) == (self.name_ky, self.name_ru):
            return False
        self._translated(name_ky=ky, name_ru=ru)
        return True

    @event("NamesTranslated")
    def _translated(self, name_ky: str | None, name_ru: str | None) -> None:
        self.name_ky, self.name_ru = name_ky, name_ru

    def check_active(self) -> None:
        """A suspended provider can record nothing new."""
        if self.suspended:
            raise RuleViolationError(
                f"Provider {self.code} is suspended and can record nothing new.",
                code="provider_suspended",
            )

    def suspend(self, reason: str) -> None:
        """Stop the provider recording anything new."""
        reason = check_text(reason, "reason")
        if self.suspended:
            raise ConflictError(
                f"Provider {self.code} is already suspended.", code="already_suspended"
            )
        self._suspended(reason=reason)

    @event("Suspended")
    def _suspended(self, reason: str) -> None:
        self.suspended = True
        self.suspension_reason = reason

    def reinstate(self, reason: str) -> None:
        """Let a suspended provider record again."""
        reason = check_text(reason, "reason")
        if not self.suspended:
            raise ConflictError(f"Provider {self.code} is not suspended.", code="not_suspended")
        self._reinstated(reason=reason)

    @event("Reinstated")
    def _reinstated(self, reason: str) -> None:
        self.suspended = False
        self.suspension_reason = None
