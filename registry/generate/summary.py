"""What a generation run wrote: counts, the compliance it leaves behind, and its speed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from registry.domain.compliance import (
    INITIAL_POLICY,
    STATUSES,
    CertificateFact,
    DepartureFact,
    evaluate,
)
from registry.generate.population import Person


def judge(people: list[Person], as_of: date, known_at: datetime) -> Counter:
    """Compliance statuses of the registered teachers on a day, as the generator wrote them."""
    statuses: Counter = Counter()
    for person in people:
        if person.registered_at is None:
            continue
        certificates = [
            CertificateFact(
                number=number,
                hours=hours,
                issued_on=issued_on,
                recorded_at=recorded_at,
                revoked_at=revoked_at,
                duplicate_of=duplicate_of,
            )
            for number, (
                hours,
                issued_on,
                recorded_at,
                revoked_at,
                duplicate_of,
            ) in person.earned.items()
        ]
        departures = [DepartureFact(*person.departed)] if person.departed else []
        verdict = evaluate(
            service_start=person.service_start,
            certificates=certificates,
            departures=departures,
            policies=[INITIAL_POLICY],
            as_of=as_of,
            known_at=known_at,
        )
        statuses[verdict.status] += 1
    return statuses


@dataclass
class GenerationSummary:
    """Counts of a generated history, printable and machine-readable."""

    seed: int
    teachers: int
    years: int
    start: date
    end: date
    workers: int = 1
    counts: Counter = field(default_factory=Counter)
    compliance: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    events: int = 0
    last_position: int | None = None
    elapsed_s: float = 0.0

    @property
    def events_per_second(self) -> float:
        """Events written per second of the run."""
        return self.events / self.elapsed_s if self.elapsed_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values."""
        return {
            "seed": self.seed,
            "teachers": self.teachers,
            "years": self.years,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "workers": self.workers,
            "counts": dict(sorted(self.counts.items())),
            "compliance": {status: self.compliance.get(status, 0) for status in STATUSES},
            "refused": list(self.refused),
            "events": self.events,
            "last_position": self.last_position,
            "elapsed_s": round(self.elapsed_s, 3),
            "events_per_second": round(self.events_per_second),
        }

    def lines(self) -> list[str]:
        """The summary as lines of text for the command line."""
        out = [
            f"generated {self.start.isoformat()} .. {self.end.isoformat()} "
            f"(seed {self.seed}, {self.teachers} teachers, {self.years} years)"
        ]
        out += [f"  {name:<28} {count:>9,}" for name, count in sorted(self.counts.items())]
        judged = sum(self.compliance.values()) or 1
        out.append(f"compliance on {self.end.isoformat()}:")
        out += [
            f"  {status:<28} {self.compliance.get(status, 0):>9,} "
            f"({100 * self.compliance.get(status, 0) / judged:.1f}%)"
            for status in STATUSES
        ]
        out.append(
            f"{self.events:,} events in {self.elapsed_s:.1f} s with {self.workers} "
            f"process{'es' if self.workers > 1 else ''} "
            f"({self.events_per_second:,.0f} events/s), last position "
            f"{self.last_position}"
        )
        if self.refused:
            out.append(f"{len(self.refused)} commands refused, first: {self.refused[0]}")
        return out
