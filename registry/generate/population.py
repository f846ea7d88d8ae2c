"""Schools and teachers of the synthetic history: where they work, who they are.

Scale follows the national figures (about 2,400 general schools for 94,000 teachers,
87% women); regions are weighted by their population share. A PIN is written the way
the civil registry writes it: the sex digit (1 = female, 2 = male), the birth date as
DDMMYYYY and a 5-digit serial, unique within the history.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from registry.domain.dates import add_years
from registry.domain.regions import regions as all_regions
from registry.generate.catalogue import (
    POSITIONS,
    SCHOOL_KINDS,
    SCHOOL_PATRONS,
    SUBJECTS,
    code_of,
)
from registry.generate.chance import Weighted, between, one_of
from registry.generate.names import person_name

NATIONAL_SCHOOLS = 2_400
NATIONAL_TEACHERS = 94_000
FEMALE_SHARE = 0.87
HABITS = Weighted((("course", 0.70), ("seminar", 0.15), ("lax", 0.15)))
PICK_POSITION, PICK_SUBJECT, PICK_SCHOOL_KIND = (
    Weighted(POSITIONS),
    Weighted(SUBJECTS),
    Weighted(SCHOOL_KINDS),
)
PENSION_AGE = {True: 58, False: 63}  # women, men


@dataclass(frozen=True, slots=True)
class School:
    """A general school in a district."""

    region: str
    district: str
    name: str


@dataclass(frozen=True, slots=True)
class Credit:
    """Hours a teacher earned (or is expected to earn) on a date, for planning."""

    issued_on: date
    hours: int
    expires_on: date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expires_on", add_years(self.issued_on, 5))


@dataclass(eq=False, slots=True)
class Person:
    """A synthetic teacher and what the simulation knows about them."""

    teacher_id: uuid.UUID
    pin: str
    female: bool
    born: date
    full_name: str
    school: School
    subject: str
    position: str
    service_start: date
    habit: str  # "course" keeps compliant with courses, "seminar" with short forms, "lax" rarely
    joins_at: datetime | None = None  # when the registration is scheduled
    registered_at: datetime | None = None  # when it was recorded
    departs_on: date | None = None
    departed: tuple[date, datetime] | None = None  # (effective_on, recorded at)
    credits: list[Credit] = field(default_factory=list)  # planned, for the planner
    # number -> [hours, issued_on, recorded_at, revoked_at, duplicate_of], as recorded
    earned: dict[str, list] = field(default_factory=dict)

    def details(self) -> dict:
        """The registration payload of the teacher."""
        return {
            "pin": self.pin,
            "full_name": self.full_name,
            "region": self.school.region,
            "district": code_of("districts", self.school.district),
            "school": self.school.name,
            "subject": code_of("subjects", self.subject),
            "position": code_of("positions", self.position),
            "service_start": self.service_start,
        }

    def hours_on(self, day: date) -> int:
        """Hours that would count on `day` under the five-year window."""
        return sum(c.hours for c in self.credits if c.issued_on <= day < c.expires_on)

    def age_on(self, day: date) -> int:
        """Whole years of age on a day."""
        return day.year - self.born.year - ((day.month, day.day) < (self.born.month, self.born.day))


class Population:
    """Builds the schools and the teachers, deterministically from one random generator."""

    def __init__(
        self,
        rng: random.Random,
        teachers: int,
        *,
        regions: tuple[str, ...],
        serials: tuple[int, int],
    ):
        self.rng = rng
        self.serial_range = serials
        self.pins: set[str] = set()
        self.regions = [all_regions()[code] for code in regions]
        self.schools = self._schools(teachers)
        self.by_district: dict[str, list[School]] = {}
        for school in self.schools:
            self.by_district.setdefault(school.district, []).append(school)
        self.region_weights = Weighted((r.code, r.population_share) for r in self.regions)

    def _schools(self, teachers: int) -> list[School]:
        mine = self.regions
        districts = sum(len(r.districts) for r in mine)
        total = max(districts, round(teachers * NATIONAL_SCHOOLS / NATIONAL_TEACHERS))
        share_sum = sum(r.population_share for r in mine)
        schools = []
        for region in mine:
            in_region = max(
                len(region.districts), round(total * region.population_share / share_sum)
            )
            for i in range(in_region):
                district = region.districts[i % len(region.districts)][0]
                number = i // len(region.districts) + 1
                kind = PICK_SCHOOL_KIND.pick(self.rng)
                name = f"{kind} No. {number}"
                if self.rng.random() < 0.3:
                    name += f" named after {one_of(self.rng, SCHOOL_PATRONS)}"
                schools.append(School(region.code, district, name))
        return schools

    def school_in(self, region: str | None = None, district: str | None = None) -> School:
        """A school of a district, of a region, or anywhere (population-weighted)."""
        if district is None:
            if region is None:
                region = self.region_weights.pick(self.rng)
            district = one_of(self.rng, all_regions()[region].districts)[0]
        return one_of(self.rng, self.by_district[district])

    def other_school(self, current: School) -> School:
        """Where a transfer goes: mostly the same district, sometimes the region, rarely afar."""
        roll = self.rng.random()
        if roll < 0.7:
            choices = self.by_district[current.district]
        elif roll < 0.9:
            choices = [s for s in self.schools if s.region == current.region]
        else:
            choices = self.schools
        choices = [school for school in choices if school != current] or [
            school for school in self.schools if school != current
        ]
        return one_of(self.rng, choices)

    def _pin(self, female: bool, born: date) -> str:
        low, high = self.serial_range
        while True:
            pin = (
                f"{1 if female else 2}{born.day:02d}{born.month:02d}{born.year:04d}"
                f"{between(self.rng, low, high):05d}"
            )
            if pin not in self.pins:
                self.pins.add(pin)
                return pin

    def teacher(self, *, on: date, hired: bool) -> Person:
        """A teacher in service on `on` (a new hire starts that day)."""
        rng = self.rng
        female = rng.random() < FEMALE_SHARE
        if hired:
            age = int(rng.triangular(21, 36, 23))
        else:
            age = int(rng.triangular(23, 67, 42))
        born = on - timedelta(days=age * 365 + between(rng, 0, 364))
        if hired:
            service_start = on
        else:
            first_job = add_years(born, int(rng.triangular(21, 32, 22)))
            service_start = date(first_job.year, 9, 1) if rng.random() < 0.85 else first_job
            if service_start >= on:
                service_start = on - timedelta(days=between(rng, 30, 700))
        school = self.school_in()
        position = PICK_POSITION.pick(rng)
        if hired and position in ("director", "deputy director for academic affairs"):
            position = "teacher"
        return Person(
            teacher_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            pin=self._pin(female, born),
            female=female,
            born=born,
            full_name=person_name(rng, school.region, female),
            school=school,
            subject=PICK_SUBJECT.pick(rng),
            position=position,
            service_start=service_start,
            habit=HABITS.pick(rng),
        )

    def new_pin(self, person: Person) -> str:
        """A civil-registry correction of a PIN: same person and birth date, another serial."""
        return self._pin(person.female, person.born)
