"""The compliance policy as data: versions adopted over time, each from a date."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.compliance import INITIAL_POLICY
from registry.domain.errors import ConflictError, RuleViolationError


class CompliancePolicy(RegistryAggregate):
    """The single policy aggregate; every adopted version stays in its history."""

    @staticmethod
    def id_for() -> UUID:
        return natural_id("policy", "compliance")

    @event("Started")
    def __init__(self, effective_from: date, window_years: int, required_hours: int):
        self.versions: list[tuple[date, int, int]] = [
            (effective_from, window_years, required_hours)
        ]

    @classmethod
    def start(cls) -> CompliancePolicy:
        """The policy the registry starts with: the regulation's five years and 72 hours."""
        return cls._create(
            cls.Started,  # type: ignore[attr-defined]  # @event("Started") makes this class at runtime
            id=cls.id_for(),
            effective_from=INITIAL_POLICY.effective_from,
            window_years=INITIAL_POLICY.window_years,
            required_hours=INITIAL_POLICY.required_hours,
        )

    def adopt(self, effective_from: date, window_years: int, required_hours: int) -> None:
        """Adopt a new version effective from a date (a later version with the same date
        wins); the version already winning on that date, adopted again, is a duplicate."""
        if (
            isinstance(window_years, bool)
            or not isinstance(window_years, int)
            or not 1 <= window_years <= 10
        ):
            raise RuleViolationError(
                "window_years must be a whole number from 1 to 10.",
                field="window_years",
                code="invalid_window_years",
            )
        if (
            isinstance(required_hours, bool)
            or not isinstance(required_hours, int)
            or not 1 <= required_hours <= 2000
        ):
            raise RuleViolationError(
                "required_hours must be a whole number from 1 to 2000.",
                field="required_hours",
                code="invalid_required_hours",
            )
        if not isinstance(effective_from, date) or effective_from < INITIAL_POLICY.effective_from:
            raise RuleViolationError(
                f"effective_from must be on or after {INITIAL_POLICY.effective_from}.",
                field="effective_from",
                code="invalid_effective_from",
            )
        same_day = [v for v in self.versions if v[0] == effective_from]
        if same_day and same_day[-1] == (effective_from, window_years, required_hours):
            raise ConflictError(
                f"This version ({window_years} years, {required_hours} hours) is already the "
                f"one in force from {effective_from}.",
                field="effective_from",
                code="duplicate_policy_version",
            )
        self._adopted(
            effective_from=effective_from, window_years=window_years, required_hours=required_hours
        )

    @event("VersionAdopted")
    def _adopted(self, effective_from: date, window_years: int, required_hours: int) -> None:
        self.versions.append((effective_from, window_years, required_hours))
