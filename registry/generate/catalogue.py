"""Vocabularies of the synthetic history: subjects, positions, providers, programme topics.

Shares are approximations of the Kyrgyz school system (teaching staff by subject,
providers by kind) good enough for realistic statistics, not official figures.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from registry.domain.reference import seed_spellings, spelling_key
from registry.domain.regions import regions

# (subject, share of teachers); primary-class teachers teach every subject of grades 1–4.
SUBJECTS = (
    ("Primary classes", 0.22),
    ("Kyrgyz language and literature", 0.10),
    ("Russian language and literature", 0.10),
    ("Mathematics", 0.10),
    ("English", 0.07),
    ("History", 0.05),
    ("Physical education", 0.05),
    ("Physics", 0.04),
    ("Biology", 0.04),
    ("Computer science", 0.04),
    ("Chemistry", 0.03),
    ("Geography", 0.03),
    ("Technology", 0.03),
    ("Music", 0.02),
    ("Fine arts", 0.02),
    ("Man and society", 0.02),
)
POSITIONS = (
    ("teacher", 0.78),
    ("senior teacher", 0.08),
    ("teacher-methodologist", 0.04),
    ("deputy director for academic affairs", 0.04),
    ("director", 0.025),
    ("school psychologist", 0.02),
    ("social pedagogue", 0.015),
)


def code_of(list_name: str, name: str) -> str:
    """The reference list's code for one of the names above or a district's English name
    (the generator's teachers carry codes, as the API takes them)."""
    return seed_spellings()[(list_name, spelling_key(name))]


LEADERSHIP = ("deputy director for academic affairs", "director")

SCHOOL_KINDS = (
    ("Secondary school", 0.80),
    ("Gymnasium", 0.08),
    ("Basic school", 0.06),
    ("Lyceum", 0.04),
    ("Primary school", 0.02),
)
SCHOOL_PATRONS = (
    "Toktogul",
    "Ch. Aitmatov",
    "A. Osmonov",
    "K. Tynystanov",
    "T. Satylganov",
    "Kurmanjan Datka",
    "T. Moldo",
    "J. Balasagyn",
    "A. S. Pushkin",
    "Manas",
    "B. Beishenalieva",
    "K. Bayalinov",
    "S. Naamatov",
    "Togolok Moldo",
)

SUBJECT_COURSE_TITLES = (
    "{s}: modern teaching methods",
    "{s} under the new subject standard",
    "Assessing learning outcomes in {s}",
    "{s}: preparing pupils for olympiads and national testing",
)
GENERAL_COURSE_TITLES = (
    "Competency-based teaching and learning",
    "Formative assessment in the classroom",
    "Inclusive education in the general school",
    "Digital literacy for teachers",
    "Teaching in multilingual classrooms",
)
LEADERSHIP_COURSE_TITLE = "School management and educational leadership"
SEMINAR_TITLES = (
    "Lesson study in practice",
    "Mentoring young teachers",
    "Working with parents and the community",
    "Child protection and a safe school",
    "Critical thinking strategies in the lesson",
    "Project-based learning",
    "Electronic class journals and school information systems",
    "Education for sustainable development",
    "First aid at school",
    "Preparing pupils for the national testing (ORT)",
)
SUBJECT_SEMINAR_TITLES = ("{s}: methodological seminar", "{s}: open lessons and peer review")

COURSE_HOURS = ((72, 0.6), (108, 0.2), (144, 0.2))
SEMINAR_HOURS = ((8, 0.2), (12, 0.15), (16, 0.2), (18, 0.15), (24, 0.15), (36, 0.15))
TRAINING_HOURS = ((16, 0.35), (24, 0.35), (36, 0.3))
INTERNSHIP_HOURS = ((36, 0.5), (72, 0.5))

MODES = {
    "course": (
        ("full_time", 0.5),
        ("blended", 0.2),
        ("distance", 0.15),
        ("correspondence", 0.1),
        ("visiting", 0.05),
    ),
    "seminar": (("full_time", 0.5), ("visiting", 0.3), ("distance", 0.2)),
    "training": (("full_time", 0.6), ("visiting", 0.2), ("blended", 0.2)),
    "internship": (("full_time", 1.0),),
}
STATE_FUNDED = {"course": 0.75, "seminar": 0.85, "training": 0.6, "internship": 0.9}
ASSESSMENTS = {
    "course": (("exam", 0.35), ("test", 0.35), ("final_work", 0.2), ("essay", 0.1)),
    "seminar": (("none", 0.7), ("test", 0.3)),
    "training": (("none", 0.6), ("test", 0.4)),
    "internship": (("final_work", 0.6), ("essay", 0.4)),
}

WITHDRAWAL_REASONS = (
    "illness",
    "family circumstances",
    "workload at school",
    "moved to another programme",
)
DEPARTURE_REASONS = (
    ("resignation", 0.35),
    ("relocation", 0.25),
    ("left the profession", 0.3),
    ("moved abroad", 0.1),
)
REVOCATION_REASONS = (
    ("issued in error: wrong number of hours", True),
    ("data-entry error in the teacher's details", True),
    ("assessment annulled after an appeal review", False),
)


@dataclass(frozen=True)
class ProviderSpec:
    """A provider the history is written with; district departments serve one district."""

    code: str
    name: str
    kind: str
    region: str
    district: str | None = None
    name_ky: str | None = None
    name_ru: str | None = None


def ascii_slug(text: str) -> str:
    """An upper-case ASCII code fragment of a place name (Alamüdün -> ALAMUDUN)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain).strip("-").upper()


OBLAST_INSTITUTES = {  # region -> (code, name)
    "KG-C": ("OIPK-CHUY", "Chüy Oblast Institute of Advanced Teacher Training"),
    "KG-Y": ("OIPK-ISSYKKUL", "Issyk-Kul Oblast Institute of Advanced Teacher Training"),
    "KG-J": ("OIPK-JALALABAD", "Jalal-Abad Oblast Institute of Advanced Teacher Training"),
    "KG-N": ("OIPK-NARYN", "Naryn Oblast Institute of Advanced Teacher Training"),
    "KG-O": ("OIPK-OSH", "Osh Oblast Institute of Advanced Teacher Training"),
    "KG-B": ("OIPK-BATKEN", "Batken Oblast Institute of Advanced Teacher Training"),
    "KG-T": ("OIPK-TALAS", "Talas Oblast Institute of Advanced Teacher Training"),
}
UNIVERSITIES = (  # code, English, Kyrgyz and Russian names, region
    (
        "KNU",
        "Jusup Balasagyn Kyrgyz National University",
        "Жусуп Баласагын атындагы Кыргыз улуттук университети",
        "Кыргызский национальный университет имени Жусупа Баласагына",
        "KG-GB",
    ),
    (
        "KSU-ARABAEV",
        "Ishenaly Arabaev Kyrgyz State University",
        "Ишеналы Арабаев атындагы Кыргыз мамлекеттик университети",
        "Кыргызский государственный университет имени Ишеналы Арабаева",
        "KG-GB",
    ),
    (
        "KRSU",
        "Kyrgyz-Russian Slavic University",
        "Кыргыз-Россия Славян университети",
        "Кыргызско-Российский Славянский университет",
        "KG-GB",
    ),
    (
        "OSHSU",
        "Osh State University",
        "Ош мамлекеттик университети",
        "Ошский государственный университет",
        "KG-GO",
    ),
    (
        "JASU",
        "Jalal-Abad State University",
        "Жалал-Абад мамлекеттик университети",
        "Джалал-Абадский государственный университет",
        "KG-J",
    ),
    (
        "IKSU",
        "K. Tynystanov Issyk-Kul State University",
        "К. Тыныстанов атындагы Ысык-Көл мамлекеттик университети",
        "Иссык-Кульский государственный университет имени К. Тыныстанова",
        "KG-Y",
    ),
    (
        "NARYNSU",
        "S. Naamatov Naryn State University",
        "С. Нааматов атындагы Нарын мамлекеттик университети",
        "Нарынский государственный университет имени С. Нааматова",
        "KG-N",
    ),
    (
        "TALASSU",
        "Talas State University",
        "Талас мамлекеттик университети",
        "Таласский государственный университет",
        "KG-T",
    ),
    (
        "BATKENSU",
        "Batken State University",
        "Баткен мамлекеттик университети",
        "Баткенский государственный университет",
        "KG-B",
    ),
)


def providers() -> list[ProviderSpec]:
    """Every provider of the synthetic history, national ones first, each with its names
    in English, Kyrgyz and Russian (the pages show the reader's)."""
    specs = [
        ProviderSpec(
            "KAE",
            "Kyrgyz Academy of Education",
            "academy",
            "KG-GB",
            name_ky="Кыргыз билим берүү академиясы",
            name_ru="Кыргызская академия образования",
        ),
        ProviderSpec(
            "RIPK",
            "Republican Institute of Advanced Training and Retraining of Pedagogical Staff",
            "republican_institute",
            "KG-GB",
            name_ky="Педагогикалык кадрлардын квалификациясын жогорулатуу жана кайра даярдоо "
            "республикалык институту",
            name_ru="Республиканский институт повышения квалификации и переподготовки "
            "педагогических работников",
        ),
        ProviderSpec(
            "IEP-KAE",
            "Institute of Education Problems (scientific research)",
            "scientific_organisation",
            "KG-GB",
            name_ky="Билим берүү көйгөйлөрү институту (илимий-изилдөө)",
            name_ru="Институт проблем образования (научно-исследовательский)",
        ),
        ProviderSpec(
            "BGMC",
            "Bishkek City Methodological Centre",
            "methodological_centre",
            "KG-GB",
            name_ky="Бишкек шаардык методикалык борбору",
            name_ru="Бишкекский городской методический центр",
        ),
        ProviderSpec(
            "OSH-GMC",
            "Osh City Methodological Centre",
            "methodological_centre",
            "KG-GO",
            name_ky="Ош шаардык методикалык борбору",
            name_ru="Ошский городской методический центр",
        ),
        ProviderSpec(
            "EDU-INIT",
            "Education Initiatives Support Foundation",
            "other",
            "KG-GB",
            name_ky="Билим берүү демилгелерин колдоо фонду",
            name_ru="Фонд поддержки образовательных инициатив",
        ),
        ProviderSpec(
            "OPEN-CLASS",
            "Open Classroom Teachers' Association",
            "other",
            "KG-J",
            name_ky="«Ачык класс» мугалимдер ассоциациясы",
            name_ru="Ассоциация учителей «Открытый класс»",
        ),
    ]
    all_regions = regions()
    specs += [
        ProviderSpec(
            code,
            name,
            "oblast_institute",
            region,
            name_ky=f"{all_regions[region].short_ky} облустук мугалимдердин квалификациясын жогорулатуу "
            "институту",
            name_ru=f"Институт повышения квалификации учителей ({all_regions[region].name_ru})",
        )
        for region, (code, name) in OBLAST_INSTITUTES.items()
    ]
    specs += [
        ProviderSpec(code, name, "university", region, name_ky=ky, name_ru=ru)
        for code, name, ky, ru, region in UNIVERSITIES
    ]
    for region in all_regions.values():
        for (district_en, district_ru), district_ky in zip(
            region.districts, region.districts_ky, strict=True
        ):
            if region.code == "KG-GO":
                name = "Osh City Department of Education"
                ky = "Ош шаарынын билим берүү башкармалыгы"
                ru = "Управление образования города Ош"
            elif region.code == "KG-GB":
                name = f"Bishkek City Department of Education, {district_en} district"
                ky = f"Бишкек шаарынын билим берүү башкармалыгы, {district_ky} району"
                ru = f"Управление образования города Бишкек, {district_ru} район"
            else:
                name = f"{district_en} District Department of Education"
                ky = f"{district_ky} районунун билим берүү бөлүмү"
                ru = f"{district_ru} районный отдел образования"
            specs.append(
                ProviderSpec(
                    f"RONO-{ascii_slug(district_en)}",
                    name,
                    "district_department",
                    region.code,
                    district_en,
                    name_ky=ky,
                    name_ru=ru,
                )
            )
    return specs
