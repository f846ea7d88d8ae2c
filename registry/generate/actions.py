"""The simulated registrars' work: each action is one registry command at its moment.

Actions that lead somewhere (an enrolment to its assessment, an assessment to its
certificate) schedule the next step; finished enrolments and certificates are let go of
so that a long run keeps a flat memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from registry.domain.certificate import Certificate
from registry.domain.enrolment import Enrolment
from registry.domain.errors import RegistryError
from registry.generate import catalogue as cat
from registry.generate.chance import between, one_of, random_day
from registry.generate.names import married_name
from registry.generate.planner import PlannedProgramme
from registry.generate.population import Credit, Person
from registry.generate.timeline import day_of, moment_after, working_moment

if TYPE_CHECKING:
    from registry.application import Batch
    from registry.generate.shard import Shard

WITHDRAWAL_RATE = 0.03
FIRST_PASS_RATE = 0.95
REASSESSED_RATE = 0.6  # of those who fail
SECOND_PASS_RATE = 0.85
REVOCATION_RATE = 0.004
DUPLICATE_RATE = 0.006
CORRECTED_AFTER_REVOCATION = 0.8


@dataclass(eq=False, slots=True)
class Participation:
    """One teacher in one programme, with the outcome decided when it was planned."""

    person: Person
    programme: PlannedProgramme
    enrolment_id: UUID
    withdraw_on: date | None = None
    attempts: list[tuple[date, bool]] = field(default_factory=list)
    issue_on: date | None = None
    number: str | None = None


class Actions:
    """Runs each simulated step as a registry command inside the generation batch."""

    def __init__(self, shard: Shard, batch: Batch):
        self.shard = shard
        self.registry = shard.registry
        self.actor = shard.actor
        self.rng = shard.rng
        self.timeline = shard.timeline
        self.counts = shard.counts
        self.letter = shard.spec.letter
        self.batch = batch
        self.numbers: dict[tuple[str, int], int] = {}

    @property
    def now(self) -> datetime:
        """The moment of the action the timeline is running."""
        now = self.timeline.now
        assert now is not None  # set by the timeline before it runs an action
        return now

    def _run(self, what: str, command: Callable[[], Any]) -> Any:
        try:
            result = command()
        except RegistryError as error:
            self.shard.failed(what, error)
            return None
        self.batch.step()
        self.counts[what] += 1
        return result

    def _number(self, provider: str, year: int) -> str:
        serial = self.numbers.get((provider, year), 0) + 1
        self.numbers[(provider, year)] = serial
        return f"{provider}-{year}-{self.letter}{serial:05d}"

    # -- providers and teachers -------------------------------------------------------

    def register_teacher(self, person: Person) -> None:
        """Register a teacher of the campaign or a new hire."""
        if (
            self._run(
                "teachers registered",
                lambda: self.registry.register_teacher(
                    self.actor, person.details(), teacher_id=person.teacher_id
                ),
            )
            is not None
        ):
            person.registered_at = self.timeline.now

    def record_legacy(self, person: Person, number: str, details: dict) -> None:
        """Record a paper certificate the teacher held before the registry."""
        if person.registered_at is None:
            return
        if (
            self._run(
                "legacy certificates",
                lambda: self.registry.record_legacy_certificate(
                    self.actor, pin=person.pin, number=number, **details
                ),
            )
            is not None
        ):
            person.earned[number] = [
                details["hours"],
                details["issued_on"],
                self.timeline.now,
                None,
                None,
            ]
            self.batch.forget(Certificate.id_for(number))

    def depart(self, person: Person, effective_on: date, reason: str) -> None:
        """Record that a teacher left service."""
        if (
            self._run(
                "departures",
                lambda: self.registry.record_departure(
                    self.actor, person.pin, effective_on=effective_on, reason=reason
                ),
            )
            is not None
        ):
            person.departed = (effective_on, self.now)

    def transfer(self, person: Person, effective_on: date) -> None:
        """Move a teacher to another school."""
        if person.departed is not None or person.registered_at is None:
            return
        school = self.shard.population.other_school(person.school)
        if (
            self._run(
                "transfers",
                lambda: self.registry.transfer_teacher(
                    self.actor,
                    person.pin,
                    region=school.region,
                    district=cat.code_of("districts", school.district),
                    school=school.name,
                    effective_on=effective_on,
                ),
            )
            is not None
        ):
            person.school = school

    def correct_name(self, person: Person) -> None:
        """Correct a surname after a marriage."""
        new_name = married_name(self.rng, person.full_name, person.school.region)
        if new_name == person.full_name or person.registered_at is None:
            return
        if (
            self._run(
                "name corrections",
                lambda: self.registry.correct_teacher(
                    self.actor,
                    person.pin,
                    {"full_name": new_name},
                    reason="surname changed on marriage",
                ),
            )
            is not None
        ):
            person.full_name = new_name

    def correct_pin(self, person: Person) -> None:
        """Correct a PIN as the civil registry did."""
        if person.registered_at is None:
            return
        new_pin = self.shard.population.new_pin(person)
        if (
            self._run(
                "PIN corrections",
                lambda: self.registry.correct_teacher(
                    self.actor,
                    person.pin,
                    {"pin": new_pin},
                    reason="PIN corrected by the civil registry",
                ),
            )
            is not None
        ):
            person.pin = new_pin

    # -- programmes and their participants -------------------------------------------

    def schedule_programme(self, programme: PlannedProgramme) -> None:
        """Plan a cohort: the programme's registration and each participant's path."""
        rng, start = self.rng, self.shard.start
        registered_on = max(
            start + timedelta(days=2), programme.starts_on - timedelta(days=between(rng, 10, 40))
        )
        registered_at = working_moment(rng, registered_on)
        self.timeline.at(registered_at, self.register_programme, programme)
        for person in programme.participants:
            participation = self._plan(person, programme)
            day = random_day(
                rng,
                max(registered_on, programme.starts_on - timedelta(days=10)),
                programme.starts_on,
            )
            earliest = max(registered_at, person.joins_at or registered_at)
            self.timeline.at(moment_after(rng, earliest, day), self.enrol, participation)

    def _plan(self, person: Person, programme: PlannedProgramme) -> Participation:
        rng = self.rng
        participation = Participation(
            person, programme, Enrolment.id_for(programme.id, person.teacher_id)
        )
        if rng.random() < WITHDRAWAL_RATE:
            participation.withdraw_on = random_day(rng, programme.starts_on, programme.ends_on)
            return participation
        if programme.assessment == "none":
            participation.issue_on = programme.ends_on + timedelta(days=between(rng, 0, 5))
        else:
            passed = rng.random() < FIRST_PASS_RATE
            participation.attempts.append((programme.ends_on, passed))
            if not passed and rng.random() < REASSESSED_RATE:
                passed = rng.random() < SECOND_PASS_RATE
                participation.attempts.append(
                    (programme.ends_on + timedelta(days=between(rng, 7, 30)), passed)
                )
            if passed:
                participation.issue_on = participation.attempts[-1][0] + timedelta(
                    days=between(rng, 0, 3)
                )
        if participation.issue_on is not None:
            person.credits.append(Credit(participation.issue_on, programme.hours))
        return participation

    def register_programme(self, programme: PlannedProgramme) -> None:
        """Register a cohort's programme."""
        if (
            self._run(
                "programmes",
                lambda: self.registry.register_programme(self.actor, programme.details()),
            )
            is not None
        ):
            self.counts[f"programmes: {programme.form}"] += 1

    def enrol(self, p: Participation) -> None:
        """Enrol a participant, then schedule the withdrawal, assessment or certificate."""
        if (
            p.person.registered_at is None
            or self._run(
                "enrolments", lambda: self.registry.enrol(self.actor, p.programme.id, p.person.pin)
            )
            is None
        ):
            return
        now, rng = self.now, self.rng
        if p.withdraw_on is not None:
            day = p.withdraw_on + timedelta(days=between(rng, 0, 5))
            self.timeline.at(moment_after(rng, now, day), self.withdraw, p)
        elif p.attempts:
            day = p.attempts[0][0] + timedelta(days=between(rng, 0, 2))
            self.timeline.at(moment_after(rng, now, day), self.assess, p, 0)
        elif p.issue_on is not None:
            self.timeline.at(moment_after(rng, now, p.issue_on), self.certify, p)

    def withdraw(self, p: Participation) -> None:
        """Withdraw a participant from the programme."""
        self._run(
            "withdrawals",
            lambda: self.registry.withdraw(
                self.actor,
                p.enrolment_id,
                effective_on=p.withdraw_on,
                reason=one_of(self.rng, cat.WITHDRAWAL_REASONS),
            ),
        )
        self.batch.forget(p.enrolment_id)

    def assess(self, p: Participation, attempt: int) -> None:
        """Record an assessment attempt, then schedule the next one or the certificate."""
        rng, now = self.rng, self.now
        assessed_on, passed = p.attempts[attempt]
        score = between(rng, 60, 100) if passed else between(rng, 20, 59)
        if (
            self._run(
                "assessments",
                lambda: self.registry.assess(
                    self.actor, p.enrolment_id, passed=passed, assessed_on=assessed_on, score=score
                ),
            )
            is None
        ):
            return
        self.counts["assessments passed" if passed else "assessments failed"] += 1
        if attempt > 0:
            self.counts["re-assessments"] += 1
        if attempt + 1 < len(p.attempts):
            day = p.attempts[attempt + 1][0] + timedelta(days=between(rng, 0, 2))
            self.timeline.at(moment_after(rng, now, day), self.assess, p, attempt + 1)
        elif p.issue_on is not None:
            self.timeline.at(moment_after(rng, now, p.issue_on), self.certify, p)
        else:
            self.batch.forget(p.enrolment_id)

    def certify(self, p: Participation) -> None:
        """Issue the certificate; now and then schedule its revocation or duplicate."""
        rng, now = self.rng, self.now
        issue_on = p.issue_on
        assert issue_on is not None  # a certificate is scheduled only with its date
        number = self._number(p.programme.provider, issue_on.year)
        if (
            self._run(
                "certificates issued",
                lambda: self.registry.issue_certificate(
                    self.actor, p.enrolment_id, number=number, issued_on=issue_on
                ),
            )
            is None
        ):
            return
        p.number = number
        p.person.earned[number] = [p.programme.hours, issue_on, now, None, None]
        self.counts[f"certificates: {p.programme.form}"] += 1
        roll = rng.random()
        if roll < REVOCATION_RATE:
            reason, correctable = one_of(rng, cat.REVOCATION_REASONS)
            day = issue_on + timedelta(days=between(rng, 10, 200))
            self.timeline.at(moment_after(rng, now, day), self.revoke, p, reason, correctable)
        elif roll < REVOCATION_RATE + DUPLICATE_RATE:
            day = issue_on + timedelta(days=between(rng, 60, 1500))
            self.timeline.at(moment_after(rng, now, day), self.duplicate, p)
        else:
            self.batch.forget(p.enrolment_id, Certificate.id_for(number))

    def revoke(self, p: Participation, reason: str, correctable: bool) -> None:
        """Revoke a certificate issued in error; most are re-issued correctly."""
        rng, now = self.rng, self.now
        number, issue_on = p.number, p.issue_on
        assert number is not None and issue_on is not None  # revoked only once issued
        if (
            self._run(
                "revocations",
                lambda: self.registry.revoke_certificate(self.actor, number, reason=reason),
            )
            is None
        ):
            return
        p.person.earned[number][3] = now
        credit = Credit(issue_on, p.programme.hours)
        if credit in p.person.credits:
            p.person.credits.remove(credit)
        if correctable and rng.random() < CORRECTED_AFTER_REVOCATION:
            day = day_of(now) + timedelta(days=between(rng, 1, 14))
            self.timeline.at(moment_after(rng, now, day), self.reissue, p, day)
        else:
            self.batch.forget(p.enrolment_id, Certificate.id_for(number))

    def reissue(self, p: Participation, issued_on: date) -> None:
        """Issue the corrected certificate on the same enrolment."""
        revoked = p.number
        assert revoked is not None  # re-issued only after a revocation
        number = self._number(p.programme.provider, issued_on.year)
        if (
            self._run(
                "certificates re-issued",
                lambda: self.registry.issue_certificate(
                    self.actor, p.enrolment_id, number=number, issued_on=issued_on
                ),
            )
            is None
        ):
            return
        p.number = number
        p.person.earned[number] = [p.programme.hours, issued_on, self.now, None, None]
        p.person.credits.append(Credit(issued_on, p.programme.hours))
        self.batch.forget(p.enrolment_id, Certificate.id_for(revoked), Certificate.id_for(number))

    def duplicate(self, p: Participation) -> None:
        """Replace a lost original with a duplicate."""
        original = p.number
        assert original is not None  # a duplicate replaces an issued original
        issued_on = day_of(self.now)
        number = self._number(p.programme.provider, issued_on.year)
        if (
            self._run(
                "duplicates",
                lambda: self.registry.issue_duplicate(
                    self.actor, original, number=number, issued_on=issued_on
                ),
            )
            is None
        ):
            return
        p.person.earned[number] = [p.programme.hours, issued_on, self.now, None, original]
        self.batch.forget(p.enrolment_id, Certificate.id_for(original), Certificate.id_for(number))
