"""Commands on accounts and on the compliance policy (admin only)."""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from typing import Any

from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.domain.account import Account, token_hash
from registry.domain.errors import ConflictError, NotAuthenticatedError, RuleViolationError
from registry.domain.policy import CompliancePolicy
from registry.domain.provider import Provider


def account_data(account: Account) -> dict[str, Any]:
    """An account as a plain result (never its hashes)."""
    return {
        "id": str(account.id),
        "name": account.name,
        "role": account.role,
        "provider_code": account.provider_code,
        "region": account.region,
        "disabled": account.disabled,
    }


def new_token() -> tuple[str, str]:
    """A fresh token secret and the hash that is stored of it."""
    secret = secrets.token_urlsafe(32)
    return secret, token_hash(secret)


class AccountCommands(CommandBase):
    """Registry mixin: accounts, sign-in checks and policy versions."""

    def create_account(
        self,
        actor: Actor,
        *,
        name: str,
        role: str,
        provider_code: str | None = None,
        region: str | None = None,
        password: str | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[CommandResult, str]:
        """Create an account; returns the result and the API token (shown once)."""
        actor.require("manage_accounts")
        secret, hashed = new_token()
        if password is not None and len(password) < 8:
            raise RuleViolationError(
                "A password has at least 8 characters.", field="password", code="password_too_short"
            )
        password_hash = self.passwords.hash(password) if password else None
        args = {"name": name, "role": role, "provider_code": provider_code, "region": region}

        def body(session: Session) -> dict[str, Any]:
            account = Account.create(name, role, provider_code, region, hashed, password_hash)
            if session.find(account.id) is not None:
                raise ConflictError(
                    f"Account {name} already exists.", field="name", code="duplicate_account"
                )
            if provider_code:
                session.get(Provider.id_for(provider_code), "provider", provider_code)
            return account_data(session.add(account))

        result = self.commands.run(
            actor, "create_account", args, body, idempotency_key=idempotency_key
        )
        return result, f"{result.data['id'].replace('-', '')}.{secret}"

    def authenticate_token(self, token: str) -> Account:
        """The account an API token belongs to, or NotAuthenticatedError."""
        account_hex, _, secret = (token or "").partition(".")
        try:
            account = Session(self).find(uuid.UUID(hex=account_hex))
        except ValueError:
            account = None
        if not isinstance(account, Account) or not secret or not account.token_matches(secret):
            raise NotAuthenticatedError("The token is not valid.", code="invalid_token")
        return account

    def authenticate_password(self, name: str, password: str) -> Account:
        """The account a name and password sign in to, or NotAuthenticatedError."""
        found = Session(self).find(Account.id_for(name or ""))
        account = found if isinstance(found, Account) and not found.disabled else None
        # Checked even without an account (against a stand-in): see Passwords.matches.
        if not self.passwords.matches(account.password_hash if account else None, password or ""):
            raise NotAuthenticatedError("Unknown name or wrong password.", code="bad_sign_in")
        assert account is not None  # matches() refuses every password without a hash
        return account

    def start_policy(self) -> CommandResult | None:
        """Record the regulation the registry starts with, once."""
        actor = Actor.system()

        def body(session: Session) -> dict[str, Any]:
            if session.find(CompliancePolicy.id_for()) is None:
                session.add(CompliancePolicy.start())
            return {}

        return self.commands.run(actor, "start_policy", {}, body)

    def adopt_policy(
        self,
        actor: Actor,
        *,
        effective_from: date,
        window_years: int,
        required_hours: int,
        idempotency_key: str | None = None,
    ) -> CommandResult:
        """Adopt a new policy version effective from a date."""
        actor.require("adopt_policy")
        args = {
            "effective_from": effective_from,
            "window_years": window_years,
            "required_hours": required_hours,
        }

        def body(session: Session) -> dict[str, Any]:
            policy = session.find(CompliancePolicy.id_for())
            if policy is None:
                policy = session.add(CompliancePolicy.start())
            policy.adopt(effective_from, window_years, required_hours)
            return {
                "effective_from": effective_from.isoformat(),
                "window_years": window_years,
                "required_hours": required_hours,
            }

        return self.commands.run(actor, "adopt_policy", args, body, idempotency_key=idempotency_key)
