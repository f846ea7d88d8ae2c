"""Personal names for synthetic teachers: Kyrgyz, Russian and Uzbek, by sex.

Official documents in the Kyrgyz Republic write "Surname Given-name Patronymic" in
Cyrillic; some Kyrgyz people instead carry the traditional "Given-name Father uulu /
kyzy" with no surname, so a share of Kyrgyz names take that form.
"""

from __future__ import annotations

import random

from registry.generate.chance import Weighted, one_of

KYRGYZ_FEMALE = (
    "Айгүл",
    "Айжан",
    "Гүлнара",
    "Бурул",
    "Нургүл",
    "Жылдыз",
    "Чолпон",
    "Асель",
    "Назгүл",
    "Айнура",
    "Динара",
    "Мээрим",
    "Гүлзат",
    "Жибек",
    "Элмира",
    "Аида",
    "Бактыгүл",
    "Салтанат",
    "Айпери",
    "Толкун",
    "Канышай",
    "Сайкал",
    "Анара",
    "Бермет",
    "Гүлмира",
    "Нуриза",
    "Венера",
    "Жамила",
    "Гүлсара",
    "Айсулуу",
    "Эльвира",
    "Назира",
    "Чынара",
    "Суусар",
    "Бүбүсара",
    "Урмат",
    "Акмарал",
    "Кундуз",
    "Зуура",
    "Роза",
)
KYRGYZ_MALE = (
    "Бакыт",
    "Азамат",
    "Нурлан",
    "Эрлан",
    "Улан",
    "Талант",
    "Мирлан",
    "Бекболот",
    "Алмаз",
    "Канат",
    "Мурат",
    "Эрмек",
    "Тимур",
    "Руслан",
    "Жыргалбек",
    "Самат",
    "Нурбек",
    "Айбек",
    "Бактыбек",
    "Марат",
    "Кубанычбек",
    "Жээнбек",
    "Асан",
    "Медер",
    "Темирлан",
    "Болот",
    "Токтосун",
    "Сагын",
    "Мамыт",
    "Султан",
    "Адилет",
    "Бекжан",
    "Табылды",
    "Чынгыз",
)
KYRGYZ_SURNAMES = (
    "Асанов",
    "Токтогулов",
    "Осмонов",
    "Жумабаев",
    "Абдыкадыров",
    "Сыдыков",
    "Кадыров",
    "Мамытов",
    "Усенов",
    "Турдубаев",
    "Эсенбаев",
    "Садыков",
    "Бекмуратов",
    "Абдраев",
    "Шаршеев",
    "Джумалиев",
    "Акматов",
    "Ибраимов",
    "Касымов",
    "Орозбаев",
    "Алымбеков",
    "Токтосунов",
    "Темиров",
    "Кочкоров",
    "Мамбетов",
    "Жолдошев",
    "Бообеков",
    "Исаков",
    "Кенжебаев",
    "Сатыбалдиев",
    "Качкынбаев",
    "Молдокулов",
    "Жээнбеков",
    "Абдылдаев",
    "Суранчиев",
    "Бейшеев",
    "Кожобеков",
    "Омуралиев",
    "Тыныбеков",
    "Байзаков",
)
# Fathers' names that take the -ович / -овна patronymic ending as written.
KYRGYZ_FATHERS = (
    "Бакыт",
    "Нурлан",
    "Эрмек",
    "Талант",
    "Алмаз",
    "Канат",
    "Мурат",
    "Жыргалбек",
    "Самат",
    "Нурбек",
    "Айбек",
    "Бактыбек",
    "Марат",
    "Кубанычбек",
    "Жээнбек",
    "Асан",
    "Болот",
    "Токтосун",
    "Сагын",
    "Мамыт",
    "Султан",
    "Абдырахман",
    "Осмон",
    "Турдубек",
    "Эсен",
)

RUSSIAN_FEMALE = (
    "Елена",
    "Ольга",
    "Татьяна",
    "Наталья",
    "Ирина",
    "Светлана",
    "Людмила",
    "Галина",
    "Марина",
    "Валентина",
    "Анна",
    "Юлия",
    "Екатерина",
    "Надежда",
    "Любовь",
    "Оксана",
    "Вера",
    "Лариса",
    "Евгения",
    "Алла",
)
RUSSIAN_MALE = (
    "Александр",
    "Сергей",
    "Владимир",
    "Андрей",
    "Николай",
    "Виктор",
    "Дмитрий",
    "Игорь",
    "Олег",
    "Михаил",
    "Юрий",
    "Евгений",
    "Павел",
    "Алексей",
)
RUSSIAN_SURNAMES = (
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Лебедев",
    "Козлов",
    "Степанов",
    "Никитин",
    "Орлов",
    "Захаров",
    "Белов",
    "Семёнов",
)
RUSSIAN_INVARIANT_SURNAMES = ("Ткаченко", "Шевченко", "Бондаренко", "Коваленко")
RUSSIAN_PATRONYMICS = (  # (male, female)
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Владимирович", "Владимировна"),
    ("Николаевич", "Николаевна"),
    ("Викторович", "Викторовна"),
    ("Петрович", "Петровна"),
    ("Иванович", "Ивановна"),
    ("Юрьевич", "Юрьевна"),
    ("Михайлович", "Михайловна"),
    ("Анатольевич", "Анатольевна"),
)

UZBEK_FEMALE = (
    "Дилноза",
    "Гулчехра",
    "Мохира",
    "Нилуфар",
    "Зарина",
    "Шахноза",
    "Феруза",
    "Мавлюда",
    "Одина",
    "Мухаббат",
)
UZBEK_MALE = (
    "Бахтиёр",
    "Рустам",
    "Улугбек",
    "Шерзод",
    "Фаррух",
    "Акмал",
    "Дилшод",
    "Журабек",
    "Равшан",
    "Тахир",
)
UZBEK_SURNAMES = (
    "Юсупов",
    "Рахимов",
    "Каримов",
    "Абдуллаев",
    "Ташматов",
    "Мирзаев",
    "Хамидов",
    "Исмаилов",
    "Алиев",
    "Турсунов",
)
UZBEK_FATHERS = ("Рустам", "Бахтиёр", "Акмал", "Равшан", "Тахир", "Шерзод", "Алишер", "Абдулла")

# Approximate ethnic composition of the teaching staff by region (census shares, rounded).
ETHNICITY_BY_REGION = {
    "KG-GB": (("kyrgyz", 0.66), ("russian", 0.29), ("uzbek", 0.05)),
    "KG-C": (("kyrgyz", 0.62), ("russian", 0.33), ("uzbek", 0.05)),
    "KG-GO": (("kyrgyz", 0.50), ("uzbek", 0.45), ("russian", 0.05)),
    "KG-O": (("kyrgyz", 0.66), ("uzbek", 0.32), ("russian", 0.02)),
    "KG-J": (("kyrgyz", 0.72), ("uzbek", 0.25), ("russian", 0.03)),
    "KG-B": (("kyrgyz", 0.80), ("uzbek", 0.18), ("russian", 0.02)),
    "KG-Y": (("kyrgyz", 0.86), ("russian", 0.14)),
    "KG-N": (("kyrgyz", 0.99), ("russian", 0.01)),
    "KG-T": (("kyrgyz", 0.95), ("russian", 0.05)),
}

ETHNICITIES = {region: Weighted(pairs) for region, pairs in ETHNICITY_BY_REGION.items()}


def _patronymic(father: str, female: bool) -> str:
    return father + ("овна" if female else "ович")


def person_name(rng: random.Random, region: str, female: bool) -> str:
    """A full name typical of the region, in the form written on official documents."""
    ethnicity = ETHNICITIES[region].pick(rng) if region in ETHNICITIES else "kyrgyz"
    if ethnicity == "russian":
        given = one_of(rng, RUSSIAN_FEMALE if female else RUSSIAN_MALE)
        if rng.random() < 0.1:
            surname = one_of(rng, RUSSIAN_INVARIANT_SURNAMES)
        else:
            surname = one_of(rng, RUSSIAN_SURNAMES) + ("а" if female else "")
        return f"{surname} {given} {one_of(rng, RUSSIAN_PATRONYMICS)[1 if female else 0]}"
    if ethnicity == "uzbek":
        given = one_of(rng, UZBEK_FEMALE if female else UZBEK_MALE)
        surname = one_of(rng, UZBEK_SURNAMES) + ("а" if female else "")
        return f"{surname} {given} {_patronymic(one_of(rng, UZBEK_FATHERS), female)}"
    given = one_of(rng, KYRGYZ_FEMALE if female else KYRGYZ_MALE)
    father = one_of(rng, KYRGYZ_FATHERS)
    if rng.random() < 0.12:
        return f"{given} {father} {'кызы' if female else 'уулу'}"
    surname = one_of(rng, KYRGYZ_SURNAMES) + ("а" if female else "")
    return f"{surname} {given} {_patronymic(father, female)}"


def married_name(rng: random.Random, full_name: str, region: str) -> str:
    """The name after a marriage: the husband's surname (in its female form) replaces hers."""
    parts = full_name.split()
    if len(parts) != 3 or parts[2] in ("кызы", "уулу"):
        return full_name
    pool = (
        RUSSIAN_SURNAMES
        if any(parts[2].endswith(p[1]) for p in RUSSIAN_PATRONYMICS)
        else KYRGYZ_SURNAMES
    )
    surname = one_of(rng, pool) + "а"
    return full_name if surname == parts[0] else f"{surname} {parts[1]} {parts[2]}"
