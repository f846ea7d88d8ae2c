"""Commands on providers: registration, suspension, reinstatement (admin only)."""

from __future__ import annotations

from typing import Any

from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain.errors import ConflictError
from registry.domain.provider import Provider


def provider_data(provider: Provider) -> dict[str, Any]:
    """A provider as a plain result."""
    return {
        "code": provider.code,
        "name": provider.name,
        "kind": provider.kind,
        "region": provider.region,
        "suspended": provider.suspended,
        "suspension_reason": provider.suspension_reason,
        "name_ky": provider.name_ky,
        "name_ru": provider.name_ru,
    }


class ProviderCommands(CommandBase):
    """Registry mixin: the provider writes."""

    def find_provider(self, session: Session, code: str) -> Provider:
        return session.get(Provider.id_for(code), "provider", code)

    def active_provider(self, session: Session, code: str) -> Provider:
        """A provider that may record (exists, not suspended)."""
        provider = self.find_provider(session, code)
        provider.check_active()
        return provider

    def register_provider(
        self,
        actor: Actor,
        *,
        code: str,
        name: str,
        kind: str,
        region: str,
        name_ky: str | None = None,
        name_ru: str | None = None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Register a provider under a code no other provider has (with its Kyrgyz and
        Russian names, if given)."""
        actor.require("manage_providers")
        args: dict[str, str | None] = {"code": code, "name": name, "kind": kind, "region": region}
        if name_ky or name_ru:
            args.update(name_ky=name_ky, name_ru=name_ru)

        def body(session: Session) -> dict[str, Any]:
            provider = Provider.register(code, name, kind, region)
            if session.find(provider.id) is not None:
                raise ConflictError(
                    f"Provider {code} is already registered.",
                    field="code",
                    code="duplicate_provider",
                )
            provider.translate(name_ky, name_ru)
            return provider_data(session.add(provider))

        return self.commands.run(
            actor, "register_provider", args, body, idempotency_key=idempotency_key
        )

    def translate_provider(
        self,
        actor: Actor,
        code: str,
        *,
        name_ky: str | None,
        name_ru: str | None,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Set a provider's Kyrgyz and Russian names (None or "" clears one)."""
        actor.require("manage_providers")

        def body(session: Session) -> dict[str, Any]:
            provider = self.find_provider(session, code)
            provider.translate(name_ky, name_ru)
            return provider_data(provider)

        return self.commands.run(
            actor,
            "translate_provider",
            {"code": code, "name_ky": name_ky, "name_ru": name_ru},
            body,
            idempotency_key=idempotency_key,
        )

    def suspend_provider(
        self, actor: Actor, code: str, *, reason: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Suspend a provider: it can record nothing new."""
        actor.require("manage_providers")

        def body(session: Session) -> dict[str, Any]:
            provider = self.find_provider(session, code)
            provider.suspend(reason)
            return provider_data(provider)

        return self.commands.run(
            actor,
            "suspend_provider",
            {"code": code, "reason": reason},
            body,
            idempotency_key=idempotency_key,
        )

    def reinstate_provider(
        self, actor: Actor, code: str, *, reason: str, idempotency_key: str | None = None
    ) -> CommandResult:
        """Lift a provider's suspension."""
        actor.require("manage_providers")

        def body(session: Session) -> dict[str, Any]:
            provider = self.find_provider(session, code)
            provider.reinstate(reason)
            return provider_data(provider)

        return self.commands.run(
            actor,
            "reinstate_provider",
            {"code": code, "reason": reason},
            body,
            idempotency_key=idempotency_key,
        )
