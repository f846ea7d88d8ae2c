"""The compliance rule: does a teacher's upgrading satisfy the policy on day D, as the registry knew it at moment K.

Two time axes are kept apart on purpose: D (``as_of``) is the calendar day the question is
about, K (``known_at``) is the moment whose knowledge is used. Facts recorded after K are
invisible, so an answer given at K can always be reproduced later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from registry.domain.dates import add_years

__all__ = [
    "COMPLIANT",
    "DUE_SOON",
    "DUE_SOON_DAYS",
    "GRACE",
    "INACTIVE",
    "INITIAL_POLICY",
    "OVERDUE",
    "STATUSES",
    "CertificateFact",
    "Compliance",
    "CountedCertificate",
    "DepartureFact",
    "PolicyVersion",
    "evaluate",
    "policy_in_force",
]

UTC = UTC

COMPLIANT = "compliant"
DUE_SOON = "due_soon"
GRACE = "grace"
OVERDUE = "overdue"
INACTIVE = "inactive"
STATUSES = (COMPLIANT, DUE_SOON, GRACE, OVERDUE, INACTIVE)

DUE_SOON_DAYS = 180


def _require_aware(value: datetime, name: str) -> None:
    """Refuse naive or non-datetime moments, because comparing them across time zones is meaningless."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _require_day(value: date, name: str) -> None:
    """Refuse datetimes where a calendar day is expected, because dates and datetimes do not compare."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, got {type(value).__name__}")


@dataclass(frozen=True)
class PolicyVersion:
    """One adopted version of the regulation, so rule changes apply from their date without rewriting history."""

    effective_from: date
    window_years: int  # W
    required_hours: int  # H
    recorded_at: datetime  # when the version was adopted (UTC, tz-aware)

    def __post_init__(self) -> None:
        _require_day(self.effective_from, "effective_from")
        _require_aware(self.recorded_at, "recorded_at")
        if self.window_years < 1:
            raise ValueError(f"window_years must be at least 1, got {self.window_years}")
        if self.required_hours < 1:
            raise ValueError(f"required_hours must be at least 1, got {self.required_hours}")


INITIAL_POLICY = PolicyVersion(
    effective_from=date(2000, 1, 1),
    window_years=5,
    required_hours=72,
    recorded_at=datetime(2000, 1, 1, tzinfo=UTC),
)


@dataclass(frozen=True)
class CertificateFact:
    """A certificate as recorded (and possibly revoked), so its effect can be judged at any known_at."""

    number: str
    hours: int
    issued_on: date
    recorded_at: datetime  # when the certificate was recorded
    revoked_at: datetime | None  # when its revocation was recorded, if any
    duplicate_of: str | None = None  # number of the original if this is a duplicate
    form: str = "course"
    provider_code: str = ""

    def __post_init__(self) -> None:
        _require_day(self.issued_on, "issued_on")
        _require_aware(self.recorded_at, "recorded_at")
        if self.revoked_at is not None:
            _require_aware(self.revoked_at, "revoked_at")
        if self.hours < 0:
            raise ValueError(f"hours must not be negative, got {self.hours}")


@dataclass(frozen=True)
class DepartureFact:
    """A teacher leaving the profession, so the registry stops demanding hours from them."""

    effective_on: date
    recorded_at: datetime

    def __post_init__(self) -> None:
        _require_day(self.effective_on, "effective_on")
        _require_aware(self.recorded_at, "recorded_at")


@dataclass(frozen=True)
class CountedCertificate:
    """A visible certificate and whether it counts on D, so the verdict can be explained line by line."""

    number: str
    hours: int
    issued_on: date
    form: str
    provider_code: str
    counts: bool


@dataclass(frozen=True)
class Compliance:
    """The verdict for one teacher on D as known at K, with enough detail to justify it."""

    status: str  # "compliant" | "due_soon" | "grace" | "overdue" | "inactive"
    hours: int
    required_hours: int
    window_years: int
    next_due: date | None
    missing_hours: int
    # the certificates known at K (recorded_at <= K), oldest issued first, each with whether it counts on D
    certificates: tuple[CountedCertificate, ...]


def policy_in_force(
    policies: Iterable[PolicyVersion], on: date, known_at: datetime
) -> PolicyVersion:
    """Pick the version a reader at known_at applies on `on`, so later amendments never rewrite earlier answers."""
    _require_aware(known_at, "known_at")
    _require_day(on, "on")
    known = [p for p in policies if p.recorded_at <= known_at]
    if not known:
        return INITIAL_POLICY
    started = [p for p in known if p.effective_from <= on]
    if started:
        return max(started, key=lambda p: (p.effective_from, p.recorded_at))
    earliest = min(p.effective_from for p in known)
    return max((p for p in known if p.effective_from == earliest), key=lambda p: p.recorded_at)


def _counts(cert: CertificateFact, as_of: date, known_at: datetime, window_years: int) -> bool:
    """Tell whether a certificate adds hours on D, so revoked, duplicate and expired ones are left out."""
    return (
        cert.recorded_at <= known_at
        and (cert.revoked_at is None or cert.revoked_at > known_at)
        and cert.duplicate_of is None
        and cert.issued_on <= as_of < add_years(cert.issued_on, window_years)
    )


def _coverage_start(counting: Iterable[CertificateFact], required_hours: int) -> date:
    """Find the issue date at which the newest-first running total first reaches H: the oldest certificate needed."""
    total = 0
    for cert in sorted(counting, key=lambda c: c.issued_on, reverse=True):
        total += cert.hours
        if total >= required_hours:
            return cert.issued_on
    raise ValueError("counting certificates do not reach the required hours")


def evaluate(
    *,
    service_start: date,
    certificates: Iterable[CertificateFact],
    departures: Iterable[DepartureFact],
    policies: Iterable[PolicyVersion],
    as_of: date,
    known_at: datetime,
) -> Compliance:
    """Judge one teacher on D as known at K, so every answer is reproducible from the facts recorded by K."""
    _require_aware(known_at, "known_at")
    _require_day(as_of, "as_of")
    _require_day(service_start, "service_start")
    policy = policy_in_force(policies, as_of, known_at)
    window, required = policy.window_years, policy.required_hours

    visible = sorted(
        (c for c in certificates if c.recorded_at <= known_at),
        key=lambda c: (c.issued_on, c.number),
    )
    listed = tuple(
        CountedCertificate(
            number=c.number,
            hours=c.hours,
            issued_on=c.issued_on,
            form=c.form,
            provider_code=c.provider_code,
            counts=_counts(c, as_of, known_at, window),
        )
        for c in visible
    )
    counting = [c for c, shown in zip(visible, listed) if shown.counts]
    hours = sum(c.hours for c in counting)
    missing = max(0, required - hours)

    departed = any(d.recorded_at <= known_at and d.effective_on <= as_of for d in departures)
    if departed:
        status, next_due = INACTIVE, None
    elif hours >= required:
        next_due = add_years(_coverage_start(counting, required), window)
        soon = next_due <= as_of + timedelta(days=DUE_SOON_DAYS)
        status = DUE_SOON if soon else COMPLIANT
    elif as_of < add_years(service_start, window):
        status, next_due = GRACE, add_years(service_start, window)
    else:
        status, next_due = OVERDUE, None

    return Compliance(
        status=status,
        hours=hours,
        required_hours=required,
        window_years=window,
        next_due=next_due,
        missing_hours=missing,
        certificates=listed,
    )
