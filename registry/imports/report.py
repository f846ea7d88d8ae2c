"""The row-level report of an import: what happened to each line, for people and programs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

RECORDED = "recorded"
ALREADY_RECORDED = "already_recorded"
REJECTED = "rejected"
PROBLEMS_KEPT = 1000  # rows not recorded that a kept summary lists (the counts cover all)


@dataclass
class RowOutcome:
    """What became of one row."""

    line: int
    status: str  # recorded, already_recorded or rejected
    code: str | None = None
    reason: str | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    result: dict[str, Any] | None = None

    def text(self) -> str:
        """One line for a person: "line 7: issued_on … is in the future [date_in_future]"."""
        if self.status == REJECTED:
            return f"line {self.line}: {self.reason} [{self.code}]"
        what = describe(self.result)
        if self.status == ALREADY_RECORDED:
            return f"line {self.line}: already recorded{what}" + (
                f" ({self.reason})" if self.reason else ""
            )
        return f"line {self.line}: recorded{what}"

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready values."""
        return {
            "line": self.line,
            "status": self.status,
            "code": self.code,
            "reason": self.reason,
            "fields": self.fields,
            "result": self.result,
        }


def describe(result: dict[str, Any] | None) -> str:
    """A few words on what a row recorded."""
    if not result:
        return ""
    if result.get("number"):
        return f", certificate {result['number']}"
    if result.get("enrolment_status"):
        return f", enrolment {result['enrolment_status']}"
    return ""


@dataclass
class ImportReport:
    """How many rows ended in each status, the outcomes kept, the file's layout and the
    last position written. Every row's outcome is kept unless `keep_all` is false (a
    command reporting each batch as it goes): then only the rejected rows' are, the ones
    a person must act on, so the report of a file of any size stays small."""

    kind: str
    keep_all: bool = True
    rows: list[RowOutcome] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    position: int | None = None

    def add(self, outcomes: list[RowOutcome]) -> None:
        """Count a batch's outcomes (and keep them, or the rejected ones)."""
        self.counts.update(outcome.status for outcome in outcomes)
        self.rows += outcomes if self.keep_all else [o for o in outcomes if o.status == REJECTED]

    def count(self, status: str) -> int:
        """Rows with a status."""
        return self.counts[status]

    @property
    def total(self) -> int:
        """Rows reported on."""
        return sum(self.counts.values())

    @property
    def recorded(self) -> int:
        """Rows recorded by this import."""
        return self.count(RECORDED)

    @property
    def already_recorded(self) -> int:
        """Rows recorded before (or earlier in the file)."""
        return self.count(ALREADY_RECORDED)

    @property
    def rejected(self) -> int:
        """Rows not recorded because of what was wrong with them."""
        return self.count(REJECTED)

    def summary(self) -> str:
        """The counts in one sentence."""
        rows = f"{self.total} row{'' if self.total == 1 else 's'}"
        return (
            f"{rows} of {self.kind.replace('_', ' ')}: {self.recorded} "
            f"recorded, {self.already_recorded} already recorded, {self.rejected} "
            "rejected"
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values (the body of `POST /imports`); "lines" are
        the outcomes kept (every row's, unless `keep_all` is false)."""
        return {
            **self.counts_dict(),
            "errors": [row.to_dict() for row in self.rows if row.status == REJECTED],
            "lines": [row.to_dict() for row in self.rows],
        }

    def counts_dict(self) -> dict[str, Any]:
        """The layout, the counts and the last position, as JSON-ready values."""
        return {
            "kind": self.kind,
            "rows": self.total,
            "recorded": self.recorded,
            "skipped": self.already_recorded,
            "failed": self.rejected,
            "position": self.position,
        }

    def to_summary(self, problems: int = PROBLEMS_KEPT) -> dict[str, Any]:
        """The counts and the first `problems` rows not recorded: what is kept of an
        import run in the background, bounded whatever the file's size."""
        rejected = [row for row in self.rows if row.status == REJECTED]
        return {**self.counts_dict(), "errors": [row.to_dict() for row in rejected[:problems]]}
