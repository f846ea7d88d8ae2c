"""Who may read and write what: the spec's role table as named permissions, and the scopes.

This is the one table. The commands, the queries, the API and the pages ask it (`may`,
`require`, and the scope rules below); none of them lists roles of its own.

Scopes: a registrar is bound to one provider and reads or records only for it where a
permission is provider-scoped; a commission member may be bound to one region and then
reads only that region's teachers (anyone else's are answered as unknown, so a PIN
reveals nothing). Statistics are aggregates for the statisticians, auditors and the
operator: the spec gives registrars and commissions records, not statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.domain.errors import ForbiddenError, NotAuthenticatedError, NotFoundError
from registry.domain.values import ROLES

PUBLIC = "public"  # not a role: anyone, signed in or not

EVERY_ROLE = frozenset(ROLES)
RECORDERS = frozenset({"admin", "registrar"})
DOSSIER_READERS = frozenset({"admin", "registrar", "commission", "auditor"})
AGGREGATE_READERS = frozenset({"admin", "auditor", "statistician"})
# Roles bound to a scope of their account: a registrar always to a provider, a
# commission member to a region if their account names one.
PROVIDER_BOUND = frozenset({"registrar"})
REGION_BOUND = frozenset({"commission"})


@dataclass(frozen=True)
class Rule:
    """Who holds a permission, and which scope narrows it (None, "provider", "region")."""

    roles: frozenset[str]
    scope: str | None
    covers: str


TABLE: Mapping[str, Rule] = {
    # -- reads -----------------------------------------------------------------------
    "read_catalogue": Rule(EVERY_ROLE, None, "providers, programmes, policy versions"),
    "read_dossier": Rule(
        DOSSIER_READERS,
        "region",
        "teachers with names and PINs: search, profile, compliance, "
        "certificates, enrolments, history, due lists",
    ),
    "read_enrolment": Rule(
        frozenset({"admin", "registrar", "auditor"}), "provider", "one enrolment's current state"
    ),
    "read_workload": Rule(
        frozenset({"admin", "registrar", "auditor", "statistician"}),
        "provider",
        "what a provider delivered",
    ),
    "read_statistics": Rule(AGGREGATE_READERS, None, "compliance and activity by group, with CSV"),
    "read_forecast": Rule(
        AGGREGATE_READERS | {"commission"},
        "region",
        "demand forecast: counts of teachers due per month (a bound commission: its region)",
    ),
    "read_needs": Rule(
        EVERY_ROLE,
        None,
        "training needs matched to programmes: counts of teachers, no names",
    ),
    "read_pseudonymised": Rule(AGGREGATE_READERS, None, "teacher-level rows without names or PINs"),
    "audit": Rule(
        frozenset({"auditor"}),
        None,
        "the event log, the ledger, compliance as known at a past moment",
    ),
    "read_operations": Rule(
        frozenset({"admin", "auditor"}), None, "how far the views are, the events they set aside"
    ),
    "verify_certificate": Rule(
        EVERY_ROLE | {PUBLIC}, None, "one certificate by number and verification code"
    ),
    "read_reference": Rule(EVERY_ROLE | {PUBLIC}, None, "the reference lists' codes and names"),
    "read_spellings": Rule(
        frozenset({"admin", "auditor", "statistician"}),
        None,
        "which codes the text recorded before the lists was tied to (what statistics count)",
    ),
    "read_open_data": Rule(
        EVERY_ROLE | {PUBLIC}, None, "compliance counts, small groups suppressed"
    ),
    # -- writes ----------------------------------------------------------------------
    "write_teachers": Rule(
        RECORDERS, None, "register, transfer, correct teachers, record departures"
    ),
    "write_programmes": Rule(
        RECORDERS, "provider", "programmes, enrolments, assessments, withdrawals"
    ),
    "write_certificates": Rule(
        RECORDERS, "provider", "issue, paper, duplicate and revoke certificates"
    ),
    "import_records": Rule(RECORDERS, None, "bulk CSV imports (each row checked like its command)"),
    "manage_providers": Rule(
        frozenset({"admin"}), None, "register, suspend and reinstate providers"
    ),
    "manage_accounts": Rule(frozenset({"admin"}), None, "create accounts"),
    "manage_contacts": Rule(
        frozenset({"admin"}), None, "school heads' and district departments' contacts"
    ),
    "adopt_policy": Rule(frozenset({"admin"}), None, "adopt a compliance policy version"),
    "record_needs": Rule(
        frozenset({"admin", "registrar", "commission"}),
        "region",
        "training needs of schools and districts (a bound commission: its region's)",
    ),
    "manage_outbox": Rule(
        frozenset({"admin"}),
        None,
        "the reminders' outbox: the letters stuck in it, each tried again on request",
    ),
    "manage_reference": Rule(
        frozenset({"admin"}),
        None,
        "reference lists (districts, subjects, positions) and old spellings' codes",
    ),
}
PERMISSIONS = tuple(TABLE)


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account with its role and scope (or the system itself)."""

    name: str
    role: str
    account_id: str | None = None
    provider_code: str | None = None
    region: str | None = None
    via: str = "api"

    @classmethod
    def system(cls, name: str = "system", via: str = "cli") -> Actor:
        return cls(name=name, role="admin", via=via)

    def meta(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "name": self.name,
            "role": self.role,
            "provider": self.provider_code,
            "region": self.region,
            "via": self.via,
        }

    def may(self, permission: str, *, provider: str | None = None) -> bool:
        """Whether this actor holds the permission (for that provider, if one is named)."""
        return may(self, permission, provider=provider)

    def require(self, permission: str, *, provider: str | None = None) -> Actor:
        """Refuse unless this actor holds the permission (see `require`)."""
        return require(self, permission, provider=provider)


def rule(permission: str) -> Rule:
    """The table's row of a permission (a name not in the table is a programming error)."""
    try:
        return TABLE[permission]
    except KeyError:
        raise ValueError(f"no permission named {permission!r}") from None


def roles_with(permission: str) -> tuple[str, ...]:
    """The roles holding a permission, in the spec's order (PUBLIC last, if it holds it)."""
    holders = rule(permission).roles
    return tuple(r for r in (*ROLES, PUBLIC) if r in holders)


def allows(role: str | None, permission: str) -> bool:
    """Whether a role (None or PUBLIC: someone not signed in) holds a permission."""
    return (role or PUBLIC) in rule(permission).roles


def bound_provider(actor: Actor | None) -> str | None:
    """The provider an actor acts for alone (a registrar's), or None if not bound."""
    if actor is not None and actor.role in PROVIDER_BOUND:
        return actor.provider_code or ""
    return None


def bound_region(actor: Actor | None) -> str | None:
    """The region an actor reads alone (a bound commission member's), or None."""
    if actor is not None and actor.role in REGION_BOUND and actor.region:
        return actor.region
    return None


def may(actor: Actor | None, permission: str, *, provider: str | None = None) -> bool:
    """Whether the actor holds the permission (and, if named, for that provider)."""
    if not allows(actor.role if actor else None, permission):
        return False
    if provider is not None and rule(permission).scope == "provider":
        bound = bound_provider(actor)
        return bound is None or bound == provider
    return True


def require(actor: Actor | None, permission: str, *, provider: str | None = None) -> Actor:
    """The actor, who must be signed in and hold the permission (for `provider`, if
    named); else NotAuthenticatedError (nobody signed in) or ForbiddenError."""
    if actor is None:
        if allows(None, permission):
            raise ValueError(f"{permission} is public: there is no actor to require")
        raise NotAuthenticatedError(
            "Sign in, or send 'Authorization: Bearer <token>'.", code="not_authenticated"
        )
    if not allows(actor.role, permission):
        raise ForbiddenError(
            f"The {actor.role} role may not read or do this.", code="forbidden_role"
        )
    if provider is not None and rule(permission).scope == "provider":
        check_provider(actor, provider, reading=permission.startswith("read_"))
    return actor


def check_provider(actor: Actor, provider_code: str | None, *, reading: bool = False) -> None:
    """A registrar reads and records for their own provider only."""
    bound = bound_provider(actor)
    if bound is not None and bound != provider_code:
        doing = "read" if reading else "record for"
        raise ForbiddenError(
            f"A registrar of {bound} may not {doing} {provider_code}.", code="other_provider"
        )


def region_filter(actor: Actor | None, requested: str | None) -> str | None:
    """The region a teacher list is narrowed to: a bound commission member's own (asking
    for another is refused), else what was asked for."""
    bound = bound_region(actor)
    if bound is None:
        return requested
    if requested and requested != bound:
        raise ForbiddenError(f"This account reads only region {bound}.", code="other_region")
    return bound


def check_teacher_visible(actor: Actor | None, teacher_region: str | None) -> None:
    """A bound commission member sees only their region's teachers; anyone else's is
    answered as unknown, so a PIN reveals nothing."""
    bound = bound_region(actor)
    if bound is not None and teacher_region != bound:
        raise NotFoundError("No teacher with this PIN.", code="teacher_not_found")
