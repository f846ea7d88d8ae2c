"""Every error the registry raises on purpose, each naming the rule it enforces.

The web layer maps the families to HTTP statuses: `InvalidInputError` 400,
`NotAuthenticatedError` 401, `ForbiddenError` 403, `NotFoundError` 404,
`ConflictError` 409, `RuleViolationError` 422.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base of all deliberate registry errors: a stable code, a message, offending fields."""

    code = "registry_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, []).append(message)


class InvalidInputError(RegistryError):
    """The request is malformed: missing, mistyped or unparseable values."""

    code = "invalid_input"


class NotAuthenticatedError(RegistryError):
    """No valid credentials were presented."""

    code = "not_authenticated"


class ForbiddenError(RegistryError):
    """The actor's role or scope does not allow this."""

    code = "forbidden"


class NotFoundError(RegistryError):
    """The thing named does not exist (or is not visible to the actor)."""

    code = "not_found"


class ConflictError(RegistryError):
    """A duplicate, or a state that conflicts with the request."""

    code = "conflict"


class RuleViolationError(RegistryError):
    """Well-formed input that breaks a rule of the law or the regulation."""

    code = "rule_violation"
