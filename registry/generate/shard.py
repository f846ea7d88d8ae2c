"""One regional register of the synthetic history, simulated year by year.

The history is written as two independent regional registers, north (Bishkek, Chüy,
Issyk-Kul, Naryn, Talas) and south (Osh city, Osh, Jalal-Abad, Batken): each has its own
teachers, schools and random generator, and its own letter in programme codes,
certificate numbers and PIN serials, so the two never touch the same aggregate. Their
events are merged by recorded time (`merge`), which is what lets a run use one process or
two and still write the same events.

Within a register: the teachers in service are registered in a first campaign with the
paper certificates they already hold; then every year teachers are hired, transfer,
change names, leave, and take courses, seminars, trainings and internships that end in
assessments and certificates.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from registry.application import Batch
from registry.commands.base import Actor
from registry.domain.clock import BISHKEK
from registry.domain.dates import add_years
from registry.domain.errors import RegistryError
from registry.domain.regions import regions
from registry.generate import catalogue as cat
from registry.generate.actions import Actions
from registry.generate.chance import Weighted, between, one_of, random_day
from registry.generate.planner import Planner
from registry.generate.population import PENSION_AGE, Credit, Person, Population
from registry.generate.summary import judge
from registry.generate.timeline import Timeline, working_moment

HIRE_RATE = 0.035  # new teachers a year, as a share of the staff at the start
CAMPAIGN_DAYS = 120  # the first registration campaign
FIRST_PROGRAMMES_AFTER = 130  # days after the start before programmes are recorded
DEPARTURE_REASONS = Weighted(cat.DEPARTURE_REASONS)
REGISTERS = (
    ("N", ("KG-GB", "KG-C", "KG-Y", "KG-N", "KG-T")),
    ("S", ("KG-GO", "KG-O", "KG-J", "KG-B")),
)


@dataclass(frozen=True)
class ShardSpec:
    """What one regional register simulates (plain values: it travels to a worker)."""

    index: int
    letter: str
    regions: tuple[str, ...]
    teachers: int
    years: int
    seed: int
    start: date
    end: date
    until: datetime  # the last moment that may be recorded
    batch_size: int


def shard_specs(
    *,
    teachers: int,
    years: int,
    seed: int,
    start: date,
    end: date,
    until: datetime,
    batch_size: int,
) -> list[ShardSpec]:
    """The registers of a run, with the teachers split by the regions' population."""
    shares = [sum(regions()[code].population_share for code in codes) for _, codes in REGISTERS]
    north = round(teachers * shares[0] / sum(shares))
    counts = [north, teachers - north]
    return [
        ShardSpec(
            index=i,
            letter=letter,
            regions=codes,
            teachers=counts[i],
            years=years,
            seed=seed,
            start=start,
            end=end,
            until=until,
            batch_size=batch_size,
        )
        for i, (letter, codes) in enumerate(REGISTERS)
        if counts[i] > 0
    ]


@dataclass
class ShardResult:
    """What a register wrote, summed over the registers for the run's summary."""

    counts: Counter = field(default_factory=Counter)
    compliance: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    events: int = 0


class Shard:
    """One register's simulation: its generator, people, calendar and batch."""

    def __init__(
        self, registry: Any, spec: ShardSpec, actor: Actor, sink: Callable[[list[Any]], None]
    ):
        self.registry = registry
        self.spec = spec
        self.actor = actor
        self.sink = sink
        self.start = spec.start
        self.rng = random.Random(f"{spec.seed}:{spec.letter}")
        self.timeline = Timeline(spec.until)
        first_serial = 1 + 50_000 * spec.index  # the registers' PIN serials never meet
        self.population = Population(
            self.rng,
            spec.teachers,
            regions=spec.regions,
            serials=(first_serial, first_serial + 49_998),
        )
        self.planner = Planner(self.rng, branch=spec.letter)
        self.people: list[Person] = []
        self.result = ShardResult()
        self.counts = self.result.counts
        self.batch: Batch | None = None

    def steps(self) -> Iterator[datetime]:
        """Run the register taking turns with others: yields each action's moment first."""
        for limit in self._years():
            while (moment := self.timeline.next_before(limit)) is not None:
                yield moment
                assert self.batch is not None  # _years() opened it before the first moment
                self.batch.activate()
                self.timeline.run_next()

    def run(self, on_day: Callable[[date], None] | None = None) -> None:
        """Run the register alone (in a worker process)."""
        for limit in self._years():
            self.timeline.run_until(limit, on_day)

    def _years(self) -> Iterator[datetime | None]:
        """Plan each year, then hand back the moment its actions run up to; then finish."""
        spec = self.spec
        self.batch = batch = Batch(
            self.registry, self.actor, spec.batch_size, preload_ids=True, sink=self.sink
        )
        actions = Actions(self, batch)
        self._open(actions)
        for year in range(spec.years):
            year_start = add_years(spec.start, year)
            year_end = min(add_years(spec.start, year + 1), spec.end + timedelta(days=1))
            self._plan_year(actions, year, year_start, year_end)
            yield datetime.combine(year_end, datetime.min.time(), BISHKEK)
        yield None
        batch.flush()
        self.result.events = batch.events
        self.result.compliance = judge(self.people, spec.end, spec.until)

    def _open(self, actions: Actions) -> None:
        rng, start = self.rng, self.start
        initial = round(self.spec.teachers / (1 + HIRE_RATE * self.spec.years))
        self.hires_left = self.spec.teachers - initial
        for _ in range(initial):
            person = self.population.teacher(on=start, hired=False)
            self.people.append(person)
            registered = working_moment(rng, start + timedelta(days=between(rng, 1, CAMPAIGN_DAYS)))
            person.joins_at = registered
            self.timeline.at(registered, actions.register_teacher, person)
            for number, details in self._paper_certificates(person):
                later = registered + timedelta(
                    days=between(rng, 1, 60), minutes=between(rng, 1, 600)
                )
                self.timeline.at(later, actions.record_legacy, person, number, details)

    def _paper_certificates(self, person: Person) -> list[tuple[str, dict]]:
        """The certificates a teacher already held on paper when the registry opened."""
        rng, start = self.rng, self.start
        earliest = max(person.service_start + timedelta(days=180), add_years(start, -5))
        if earliest >= start - timedelta(days=30):
            return []
        wanted = []
        if person.habit == "lax":
            if rng.random() < 0.35:
                low = max(person.service_start + timedelta(days=180), add_years(start, -8))
                wanted.append(("course", random_day(rng, low, add_years(start, -1))))
        else:
            if rng.random() < 0.85:
                wanted.append(("course", random_day(rng, earliest, start - timedelta(days=30))))
            if rng.random() < 0.3:
                wanted.append(("seminar", random_day(rng, earliest, start - timedelta(days=30))))
        papers = []
        for form, issued_on in wanted:
            if issued_on <= person.service_start:
                continue
            provider = self.planner.provider_for(person, "course" if form == "course" else form)
            hours = (
                one_of(rng, (72, 72, 72, 108, 144))
                if form == "course"
                else one_of(rng, (18, 24, 36))
            )
            serial = self.planner.codes.get((f"paper:{provider}", issued_on.year), 0) + 1
            self.planner.codes[(f"paper:{provider}", issued_on.year)] = serial
            number = f"{provider}/{issued_on.year}/{self.spec.letter}{serial:04d}"
            papers.append(
                (
                    number,
                    {
                        "provider_code": provider,
                        "title": self.planner.legacy_title(person, form),
                        "form": form,
                        "hours": hours,
                        "issued_on": issued_on,
                    },
                )
            )
            person.credits.append(Credit(issued_on, hours))
        return papers

    # -- one year ---------------------------------------------------------------------

    def _plan_year(self, actions: Actions, year: int, year_start: date, year_end: date) -> None:
        first = year_start + timedelta(days=FIRST_PROGRAMMES_AFTER) if year == 0 else year_start
        last = year_end - timedelta(days=45)
        wishes: list[tuple[Person, str]] = []
        horizon = year_end + timedelta(days=180)
        for person in self.people:
            if person.departs_on is not None or (year > 0 and person.registered_at is None):
                continue
            events_from = max(first, year_start + timedelta(days=14))
            if self._plan_life(actions, person, events_from, year_end):
                continue
            if last > first:
                wishes += [(person, form) for form in self.planner.wishes(person, horizon)]
        self._hire(actions, year, year_start, year_end)
        if last > first:
            for programme in self.planner.programmes(wishes, first, last):
                actions.schedule_programme(programme)

    def _plan_life(self, actions: Actions, person: Person, low: date, high: date) -> bool:
        """Departures, transfers and corrections of the year; True if the teacher leaves."""
        rng = self.rng
        last = high - timedelta(days=1)
        if low > last:
            return False
        age = person.age_on(low)
        pension = PENSION_AGE[person.female]
        leave = 0.015 + (0.12 if age >= pension else 0) + (0.35 if age >= pension + 7 else 0)
        if rng.random() < leave:
            reason = "retirement" if age >= pension else DEPARTURE_REASONS.pick(rng)
            summer = [
                d for d in (date(low.year, 6, 25), date(low.year + 1, 6, 25)) if low <= d <= last
            ]
            day = (
                summer[0] + timedelta(days=between(rng, 0, 30))
                if summer and rng.random() < 0.6
                else random_day(rng, low, last)
            )
            day = min(day, last)
            person.departs_on = day
            self.timeline.at(
                working_moment(rng, day + timedelta(days=between(rng, 0, 10))),
                actions.depart,
                person,
                day,
                reason,
            )
            return True
        if rng.random() < 0.025:
            day = random_day(rng, low, last)
            self.timeline.at(
                working_moment(rng, day + timedelta(days=between(rng, 0, 7))),
                actions.transfer,
                person,
                day,
            )
        if person.female and age < 35 and rng.random() < 0.012:
            self.timeline.at(
                working_moment(rng, random_day(rng, low, last)), actions.correct_name, person
            )
        elif rng.random() < 0.0008:
            self.timeline.at(
                working_moment(rng, random_day(rng, low, last)), actions.correct_pin, person
            )
        return False

    def _hire(self, actions: Actions, year: int, year_start: date, year_end: date) -> None:
        rng = self.rng
        remaining_years = self.spec.years - year
        count = -(-self.hires_left // remaining_years) if remaining_years else 0
        count = min(count, self.hires_left)
        self.hires_left -= count
        autumn = [
            d
            for d in (date(year_start.year, 9, 1), date(year_start.year + 1, 9, 1))
            if year_start + timedelta(days=30) <= d < year_end
        ]
        for _ in range(count):
            if autumn and rng.random() < 0.8:
                starts = autumn[0] + timedelta(days=between(rng, -10, 10))
            else:
                starts = random_day(
                    rng, year_start + timedelta(days=30), year_end - timedelta(days=2)
                )
            starts = min(starts, self.spec.end)
            person = self.population.teacher(on=starts, hired=True)
            self.people.append(person)
            # Registered within weeks of starting, but within the run: `--teachers N` is N.
            joins = min(starts + timedelta(days=between(rng, 1, 25)), self.spec.end)
            person.joins_at = working_moment(rng, joins)
            self.timeline.at(person.joins_at, actions.register_teacher, person)

    def failed(self, what: str, error: RegistryError) -> None:
        """Count a command the registry refused (a generator bug if it ever happens)."""
        self.result.refused.append(f"{what}: {error.message} [{error.code}]")
