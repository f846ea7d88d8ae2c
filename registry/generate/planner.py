"""What teachers take each year, and the programmes (cohorts) that providers run for them.

Teachers who keep compliant with courses take one when their hours would lapse within
the year; those who prefer short forms collect seminars and trainings; a lax minority
rarely takes anything and falls overdue. Wishes for the same provider, form, subject and
month become cohorts, and each cohort is one registered programme.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from registry.domain.programme import Programme as ProgrammeAggregate
from registry.generate import catalogue as cat
from registry.generate.chance import Weighted, one_of, random_day
from registry.generate.population import Person

REQUIRED_HOURS = 72
COHORT_SIZE = {"course": 25, "seminar": 40, "training": 30, "internship": 10}
FORM_LETTER = {"course": "C", "seminar": "S", "training": "T", "internship": "I"}
HOURS = {
    "course": Weighted(cat.COURSE_HOURS),
    "seminar": Weighted(cat.SEMINAR_HOURS),
    "training": Weighted(cat.TRAINING_HOURS),
    "internship": Weighted(cat.INTERNSHIP_HOURS),
}
MODES = {form: Weighted(pairs) for form, pairs in cat.MODES.items()}
ASSESSMENTS = {form: Weighted(pairs) for form, pairs in cat.ASSESSMENTS.items()}
UNIVERSITY_OF = {region: code for code, *_, region in cat.UNIVERSITIES if region != "KG-GB"}
# Chüy has no university of its own in the list; Osh oblast's teachers study in Osh city.
UNIVERSITY_OF.update({"KG-C": "KSU-ARABAEV", "KG-O": "OSHSU"})
TERMS = ((9, 12), (1, 5), (6, 8))  # autumn, spring and summer terms of the academic year
CAPITAL_UNIVERSITIES = [code for code, *_, region in cat.UNIVERSITIES if region == "KG-GB"]


@dataclass(eq=False, slots=True)
class PlannedProgramme:
    """A programme a provider will register and run for one cohort."""

    provider: str
    code: str
    title: str
    form: str
    mode: str
    hours: int
    assessment: str
    funding: str
    starts_on: date
    ends_on: date
    id: uuid.UUID
    participants: list[Person] = field(default_factory=list)

    def details(self) -> dict:
        """The registration payload of the programme."""
        return {
            "provider_code": self.provider,
            "code": self.code,
            "title": self.title,
            "form": self.form,
            "mode": self.mode,
            "hours": self.hours,
            "assessment": self.assessment,
            "funding": self.funding,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
        }


def duration_days(form: str, hours: int, mode: str) -> int:
    """Calendar days a programme lasts: six academic hours a working day, longer at a distance."""
    working_days = max(1, -(-hours // (6 if form in ("course", "internship") else 8)))
    days = working_days * 7 // 5
    if mode in ("distance", "correspondence"):
        days *= 2
    return max(0, days - 1)


class Planner:
    """Turns each year's wishes into programmes, deterministically for a random generator."""

    def __init__(self, rng: random.Random, branch: str = ""):
        self.rng = rng
        self.branch = branch  # the register's letter keeps two registers' codes apart
        self.codes: dict[tuple[str, int], int] = {}
        self._choices: dict[tuple[str, str, str], Weighted[str]] = {}

    # -- who takes what ---------------------------------------------------------------

    def wishes(self, person: Person, horizon: date) -> list[str]:
        """The forms of upgrading a teacher takes this year."""
        rng = self.rng
        short_of_hours = person.hours_on(horizon) < REQUIRED_HOURS
        forms: list[str] = []
        if person.habit == "course":
            if short_of_hours and rng.random() < 0.85:
                forms.append("internship" if rng.random() < 0.03 else "course")
            if rng.random() < 0.25:
                forms.append("seminar" if rng.random() < 0.65 else "training")
        elif person.habit == "seminar":
            roll = rng.random()
            count = 1 if roll < 0.55 else 2 if roll < 0.85 else 0
            forms += ["seminar" if rng.random() < 0.65 else "training" for _ in range(count)]
            if short_of_hours and rng.random() < 0.12:
                forms.append("course")
        elif rng.random() < 0.12:
            forms.append("course" if rng.random() < 0.5 else "seminar")
        return forms

    def provider_for(self, person: Person, form: str) -> str:
        """The provider a teacher of this region and district would go to for this form."""
        key = (person.school.region, person.school.district, form)
        choice = self._choices.get(key)
        if choice is None:
            choice = self._choices[key] = Weighted(self._options(*key))
        return choice.pick(self.rng)

    @staticmethod
    def _options(region: str, district: str, form: str) -> list[tuple[str, float]]:
        # Empty for the two cities, which have their own options below.
        oblast = cat.OBLAST_INSTITUTES.get(region, ("",))[0]
        university = UNIVERSITY_OF.get(region, "")
        if form == "internship":
            return [("KAE", 0.4)] + (
                [(university, 0.6)]
                if university
                else [(code, 0.2) for code in CAPITAL_UNIVERSITIES]
            )
        if form == "course":
            if region == "KG-GB":
                return [("RIPK", 0.45), ("KAE", 0.2), ("IEP-KAE", 0.05)] + [
                    (code, 0.1) for code in CAPITAL_UNIVERSITIES
                ]
            if region == "KG-GO":
                return [("RIPK", 0.25), ("OSHSU", 0.35), ("OIPK-OSH", 0.3), ("KAE", 0.1)]
            return [
                (oblast, 0.5),
                ("RIPK", 0.2),
                ("KAE", 0.08),
                (university, 0.17),
                ("IEP-KAE", 0.05),
            ]
        department = f"RONO-{cat.ascii_slug(district)}"
        centre = {"KG-GB": "BGMC", "KG-GO": "OSH-GMC"}.get(region, oblast)
        ngo = "OPEN-CLASS" if region in ("KG-J", "KG-O", "KG-GO", "KG-B") else "EDU-INIT"
        return [
            (department, 0.4),
            (centre, 0.2),
            ("RIPK", 0.1),
            (ngo, 0.15),
            ("EDU-INIT" if ngo == "OPEN-CLASS" else "IEP-KAE", 0.1),
            ("KAE", 0.05),
        ]

    # -- cohorts ----------------------------------------------------------------------

    def programmes(
        self, wishes: list[tuple[Person, str]], low: date, high: date
    ) -> list[PlannedProgramme]:
        """Group the year's wishes into cohorts starting between `low` and `high`.

        A provider runs as many cohorts of a form in a term as its demand fills; members
        are grouped by subject, so a cohort of one subject gets that subject's title.
        """
        rng = self.rng
        groups: dict[tuple, list[tuple[str, int, Person]]] = {}
        taken: set[tuple] = set()
        for order, (person, form) in enumerate(wishes):
            term = self._term(random_day(rng, low, high), low, high)
            key = (self.provider_for(person, form), form, term)
            if (person, *key) in taken:  # a second seminar of the year is a training instead
                form = "training" if form == "seminar" else "seminar"
                key = (self.provider_for(person, form), form, term)
                if (person, *key) in taken:
                    continue
            taken.add((person, *key))
            groups.setdefault(key, []).append((self._topic(person, form), order, person))
        planned = []
        for (provider, form, (first, last)), members in groups.items():
            members.sort(key=lambda member: member[:2])
            size = COHORT_SIZE[form]
            for i in range(0, len(members), size):
                cohort = members[i : i + size]
                topics = {topic for topic, _, _ in cohort}
                topic = topics.pop() if len(topics) == 1 else "general"
                programme = self._programme(provider, form, topic, random_day(rng, first, last))
                programme.participants = [person for _, _, person in cohort]
                planned.append(programme)
        planned.sort(key=lambda p: p.starts_on)
        return planned

    @staticmethod
    def _term(day: date, low: date, high: date) -> tuple[date, date]:
        """The term of the academic year a day falls in, clipped to [low, high]."""
        for first_month, last_month in TERMS:
            if first_month <= day.month <= last_month:
                first = date(day.year, first_month, 1)
                last = (date(day.year, last_month, 28) + timedelta(days=4)).replace(
                    day=1
                ) - timedelta(days=1)
                return max(low, first), min(high, last)
        raise AssertionError("every month is in a term")

    def _topic(self, person: Person, form: str) -> str:
        roll = self.rng.random()
        if form == "course" and person.position in cat.LEADERSHIP and roll < 0.5:
            return "leadership"
        if form == "internship" or (form == "course" and roll < 0.65) or roll < 0.3:
            return person.subject
        return "general"

    def _title(self, form: str, topic: str) -> str:
        rng = self.rng
        if topic == "leadership":
            return cat.LEADERSHIP_COURSE_TITLE
        if form == "internship":
            return f"{topic}: internship at a leading school"
        if form == "course":
            if topic == "general":
                return one_of(rng, cat.GENERAL_COURSE_TITLES)
            return one_of(rng, cat.SUBJECT_COURSE_TITLES).format(s=topic)
        if topic == "general":
            return one_of(rng, cat.SEMINAR_TITLES)
        return one_of(rng, cat.SUBJECT_SEMINAR_TITLES).format(s=topic)

    def _programme(self, provider: str, form: str, topic: str, starts_on: date) -> PlannedProgramme:
        rng = self.rng
        hours = HOURS[form].pick(rng)
        mode = MODES[form].pick(rng)
        serial = self.codes.get((provider, starts_on.year), 0) + 1
        self.codes[(provider, starts_on.year)] = serial
        code = f"{starts_on.year}-{self.branch}{FORM_LETTER[form]}{serial:03d}"
        return PlannedProgramme(
            provider=provider,
            code=code,
            title=self._title(form, topic),
            form=form,
            mode=mode,
            hours=hours,
            assessment=ASSESSMENTS[form].pick(rng),
            funding="state" if rng.random() < cat.STATE_FUNDED[form] else "contract",
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=duration_days(form, hours, mode)),
            id=ProgrammeAggregate.id_for(provider, code),
        )

    def legacy_title(self, person: Person, form: str) -> str:
        """The title written on a paper certificate."""
        return self._title(form, self._topic(person, form))
