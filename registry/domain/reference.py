"""Reference lists as data: districts, subjects and positions, each entry a stable code with
names in Kyrgyz, Russian and English; and the spellings recorded before the lists existed,
each tied to a code by an administrator.

An entry (`ReferenceEntry`) is keyed by its list and code (uuid5), so a duplicate collides
on save; a district is bound to its region. A spelling (`Spelling`) is keyed by its list
and its folded text (`registry.domain.search.fold`: case, Kyrgyz letters and script make
no difference), so one spelling has one mapping, which an administrator may change.

The lists the registry starts with (`seed_entries`) are the districts of the reference
file and the subjects and positions below; `registry init` records those not yet
recorded. Teachers carry codes from then on; the text stored before stays as it was
(events are forever), and statistics map it to codes through the spellings
(`registry.queries.reference`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from uuid import UUID

from eventsourcing.domain import event

from registry.domain.base import RegistryAggregate, natural_id
from registry.domain.errors import ConflictError, RuleViolationError
from registry.domain.regions import region_codes
from registry.domain.search import fold
from registry.domain.values import check_region, check_text

LISTS = ("districts", "subjects", "positions")
# The teacher's field each list gives its codes to.
FIELD_OF = {"districts": "district", "subjects": "subject", "positions": "position"}
LIST_OF = {field: name for name, field in FIELD_OF.items()}
NAME_LANGUAGES = ("ky", "ru", "en")
UNMAPPED = "unmapped"  # the statistics' group of spellings not tied to a code yet

_CODE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")


def check_list(value: object, field: str = "list") -> str:
    """One of the reference lists."""
    if value not in LISTS:
        raise RuleViolationError(
            f"{field} must be one of: {', '.join(LISTS)}.", field=field, code="unknown_list"
        )
    return value


def check_entry_code(value: object, field: str = "code") -> str:
    """An entry's code: lower-case Latin letters, digits, '_' or '-', at most 40."""
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise RuleViolationError(
            f"{field} must be 1–40 lower-case Latin letters, digits, '_' or '-'.",
            field=field,
            code="invalid_code",
        )
    return value


def check_names(names: dict[str, object]) -> dict[str, str]:
    """Names in the three languages, each required."""
    return {
        f"name_{lang}": check_text(names.get(f"name_{lang}"), "name") for lang in NAME_LANGUAGES
    }


def spelling_key(text: str) -> str:
    """What makes two spellings one: their folded form (case, letters, script)."""
    return fold(text)


class ReferenceEntry(RegistryAggregate):
    """One entry of a reference list: a stable code and its names; a district's region."""

    @staticmethod
    def id_for(list_name: str, code: str) -> UUID:
        return natural_id("reference", f"{list_name}:{code}")

    @event("Added")
    def __init__(
        self,
        list_name: str,
        code: str,
        name_ky: str,
        name_ru: str,
        name_en: str,
        region: str | None,
    ):
        self.list_name = list_name
        self.code = code
        self.name_ky, self.name_ru, self.name_en = name_ky, name_ru, name_en
        self.region = region
        self.retired = False

    @classmethod
    def add(
        cls, list_name: str, code: str, names: dict[str, object], region: str | None = None
    ) -> ReferenceEntry:
        """A new entry from checked details; a district needs its region, nothing else has one."""
        list_name, code = check_list(list_name), check_entry_code(code)
        if list_name == "districts":
            region = check_region(region)
        elif region is not None:
            raise RuleViolationError(
                "Only a district belongs to a region.", field="region", code="no_region"
            )
        return cls._create(
            cls.Added,  # type: ignore[attr-defined]  # @event("Added") makes this class at runtime
            id=cls.id_for(list_name, code),
            list_name=list_name,
            code=code,
            region=region,
            **check_names(names),
        )

    @property
    def names(self) -> dict[str, str]:
        return {"name_ky": self.name_ky, "name_ru": self.name_ru, "name_en": self.name_en}

    def rename(self, names: dict[str, object]) -> None:
        """New names (the code stays)."""
        clean = check_names({**self.names, **{k: v for k, v in names.items() if v is not None}})
        if clean == self.names:
            raise RuleViolationError("The names are unchanged.", code="no_change")
        self._renamed(**clean)

    @event("Renamed")
    def _renamed(self, name_ky: str, name_ru: str, name_en: str) -> None:
        self.name_ky, self.name_ru, self.name_en = name_ky, name_ru, name_en

    def retire(self, reason: str) -> None:
        """Offer the entry no more for new records; what carries its code keeps it, and
        its names still name it."""
        reason = check_text(reason, "reason")
        if self.retired:
            raise ConflictError(f"{self.code} is retired already.", code="already_retired")
        self._retired(reason=reason)

    @event("Retired")
    def _retired(self, reason: str) -> None:
        self.retired = True

    def check_current(self, field: str) -> None:
        """A new record may not take a retired code."""
        if self.retired:
            raise RuleViolationError(
                f"{field} {self.code} is retired; the current codes are at "
                f"GET /api/v1/reference/{self.list_name}.",
                field=field,
                code="retired_code",
            )


class Spelling(RegistryAggregate):
    """A spelling recorded before the lists (or typed since), tied to one code of a list."""

    @staticmethod
    def id_for(list_name: str, spelling: str) -> UUID:
        return natural_id("spelling", f"{list_name}:{spelling_key(spelling)}")

    @event("Mapped")
    def __init__(self, list_name: str, spelling: str, code: str):
        self.list_name = list_name
        self.spelling = spelling
        self.code = code

    @classmethod
    def map(cls, list_name: str, spelling: str, code: str) -> Spelling:
        """A new mapping (the caller checked that the code is listed)."""
        spelling = check_text(spelling, "spelling")
        if not spelling_key(spelling):
            raise RuleViolationError(
                "A spelling needs a letter or digit.", field="spelling", code="invalid_spelling"
            )
        return cls._create(
            cls.Mapped,  # type: ignore[attr-defined]  # @event("Mapped") makes this class at runtime
            id=cls.id_for(list_name, spelling),
            list_name=list_name,
            spelling=spelling,
            code=code,
        )

    def remap(self, code: str) -> bool:
        """Tie the spelling to another code; False if it is tied to this one already."""
        if code == self.code:
            return False
        self._remapped(code=code)
        return True

    @event("Remapped")
    def _remapped(self, code: str) -> None:
        self.code = code


def district_code(name_en: str) -> str:
    """A district's code from its English name: "Jeti-Ögüz" -> "jeti-oguz"."""
    decomposed = unicodedata.normalize("NFKD", name_en)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "-".join(plain.lower().replace("-", " ").split())


@dataclass(frozen=True)
class Seed:
    """An entry the registry starts with."""

    list_name: str
    code: str
    name_ky: str
    name_ru: str
    name_en: str
    region: str | None = None

    @property
    def names(self) -> dict[str, object]:
        return {"name_ky": self.name_ky, "name_ru": self.name_ru, "name_en": self.name_en}


SUBJECTS = (
    ("primary", "Башталгыч класстар", "Начальные классы", "Primary classes"),
    (
        "kyrgyz",
        "Кыргыз тили жана адабияты",
        "Кыргызский язык и литература",
        "Kyrgyz language and literature",
    ),
    (
        "russian",
        "Орус тили жана адабияты",
        "Русский язык и литература",
        "Russian language and literature",
    ),
    ("mathematics", "Математика", "Математика", "Mathematics"),
    ("english", "Англис тили", "Английский язык", "English"),
    ("history", "Тарых", "История", "History"),
    ("physical_education", "Дене тарбия", "Физическая культура", "Physical education"),
    ("physics", "Физика", "Физика", "Physics"),
    ("biology", "Биология", "Биология", "Biology"),
    ("computer_science", "Информатика", "Информатика", "Computer science"),
    ("chemistry", "Химия", "Химия", "Chemistry"),
    ("geography", "География", "География", "Geography"),
    ("technology", "Технология", "Технология", "Technology"),
    ("music", "Музыка", "Музыка", "Music"),
    ("fine_arts", "Сүрөт искусствосу", "Изобразительное искусство", "Fine arts"),
    ("man_and_society", "Адам жана коом", "Человек и общество", "Man and society"),
)
POSITIONS = (
    ("teacher", "Мугалим", "Учитель", "Teacher"),
    ("senior_teacher", "Улук мугалим", "Старший учитель", "Senior teacher"),
    ("methodologist", "Мугалим-методист", "Учитель-методист", "Teacher-methodologist"),
    (
        "deputy_director",
        "Окуу иштери боюнча директордун орун басары",
        "Заместитель директора по учебной работе",
        "Deputy director for academic affairs",
    ),
    ("director", "Директор", "Директор", "Director"),
    ("psychologist", "Мектеп психологу", "Школьный психолог", "School psychologist"),
    ("social_pedagogue", "Социалдык педагог", "Социальный педагог", "Social pedagogue"),
)


@lru_cache(maxsize=1)
def seed_entries() -> tuple[Seed, ...]:
    """Every entry the registry starts with: the reference file's districts, then the
    subjects and positions."""
    text = resources.files("registry").joinpath("data/kg-districts.csv").read_text("utf-8")
    seeds = [
        Seed(
            "districts",
            district_code(row["district_en"]),
            row.get("district_ky") or row["district_ru"],
            row["district_ru"],
            row["district_en"],
            row["region_code"],
        )
        for row in csv.DictReader(text.splitlines())
        if row["region_code"] in region_codes()
    ]
    seeds += [Seed("subjects", *row) for row in SUBJECTS]
    seeds += [Seed("positions", *row) for row in POSITIONS]
    return tuple(seeds)


@lru_cache(maxsize=1)
def seed_spellings() -> dict[tuple[str, str], str]:
    """The seeds' codes and names, folded, to their codes: (list, key) -> code. What a
    teacher's value or a stored spelling means without a mapping of its own."""
    known: dict[tuple[str, str], str] = {}
    for seed in seed_entries():
        for text in (seed.code, seed.name_en, seed.name_ru, seed.name_ky):
            known.setdefault((seed.list_name, spelling_key(text)), seed.code)
    return known


def spellings_of(list_name: str, text: str) -> list[str]:
    """A recorded value and, when it stands for an entry the lists started with, that
    entry's code and names: the texts something keyed on the value before the lists may
    have been recorded under (a school head's contact, say)."""
    found = [text]
    code = seed_spellings().get((list_name, spelling_key(text)))
    for seed in seed_entries():
        if seed.list_name == list_name and seed.code == code:
            found += [seed.code, seed.name_en, seed.name_ru, seed.name_ky]
    return list(dict.fromkeys(found))


def check_in_region(entry: ReferenceEntry, region: object, field: str = "district") -> None:
    """A district belongs to the region given with it."""
    if region in region_codes() and entry.region != region:
        raise RuleViolationError(
            f"District {entry.code} is in {entry.region}, not in {region}.",
            field=field,
            code="district_not_in_region",
        )


def unknown_code(list_name: str, value: object, field: str) -> RuleViolationError:
    """An unknown code's error: the field, and where the valid codes are."""
    return RuleViolationError(
        f"{field} {value!r} is not a code of the {list_name} list; the valid codes are at "
        f"GET /api/v1/reference/{list_name}.",
        field=field,
        code="unknown_code",
    )
