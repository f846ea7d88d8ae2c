"""The reminders' words, in the teacher's language (ky or ru), as plain text and HTML."""

from __future__ import annotations

from datetime import date
from html import escape

SUBJECTS = {
    "ru": {
        "due_in_180_days": "Через полгода истекает срок повышения квалификации",
        "due_in_60_days": "Через два месяца истекает срок повышения квалификации",
        "overdue": "Срок повышения квалификации истёк",
        "overdue_30_days": "Учитель вашей школы просрочил повышение квалификации",
        "overdue_90_days": "Учитель района просрочил повышение квалификации на 90 дней",
    },
    "ky": {
        "due_in_180_days": "Квалификацияны жогорулатуу мөөнөтү алты айдан кийин бүтөт",
        "due_in_60_days": "Квалификацияны жогорулатуу мөөнөтү эки айдан кийин бүтөт",
        "overdue": "Квалификацияны жогорулатуу мөөнөтү өттү",
        "overdue_30_days": "Мектебиңиздин мугалими квалификациясын жогорулатууну өткөрүп жиберди",
        "overdue_90_days": "Райондун мугалими квалификациясын жогорулатууну 90 күнгө кечиктирди",
    },
}
BODIES = {
    "ru": {
        "teacher": "Уважаемый(ая) {name}! {subject}: {due}. "
        "Запишитесь на курс повышения квалификации у аккредитованного провайдера.",
        "school_head": "{subject}: {name}, {school}. Срок истёк {due}. "
        "Просим направить учителя на курс повышения квалификации.",
        "district_department": "{subject}: {name}, {school}. Срок истёк {due}. "
        "Просим проконтролировать, чтобы учитель прошёл курс повышения квалификации.",
    },
    "ky": {
        "teacher": "Урматтуу {name}! {subject}: {due}. "
        "Аккредиттелген провайдердин квалификацияны жогорулатуу курсуна жазылыңыз.",
        "school_head": "{subject}: {name}, {school}. Мөөнөтү {due} бүткөн. "
        "Мугалимди квалификацияны жогорулатуу курсуна жиберүүңүздү суранабыз.",
        "district_department": "{subject}: {name}, {school}. Мөөнөтү {due} бүткөн. "
        "Мугалимдин квалификацияны жогорулатуу курсунан өтүшүн көзөмөлдөөңүздү суранабыз.",
    },
}


def compose(
    kind: str, role: str, language: str, name: str, school: str, due: date
) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one notice."""
    lang = language if language in SUBJECTS else "ru"
    subject = SUBJECTS[lang][kind]
    text = BODIES[lang][role].format(name=name, school=school, subject=subject, due=due.isoformat())
    html = f'<!doctype html><html lang="{lang}"><body><p>' + escape(text) + "</p></body></html>"
    return subject, text + "\n", html
