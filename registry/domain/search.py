"""How names and schools are compared when people search: one folding for stored keys and
typed queries, so that case, Kyrgyz letters typed on a Russian keyboard (у for ү, о for ө,
н for ң) and the script (Cyrillic or Latin) make no difference.

`fold("Асанова Айгүл") == fold("асанова айгул") == fold("Asanova Aygul") == "asanova aigul"`.

Everything is brought to a Latin skeleton of lower-case ASCII letters, digits and single
spaces: Cyrillic is transliterated, diacritics dropped, and the spellings that differ
between transliteration habits (zh/j, kh/h, y/i, ng/n ...) reduced to one. The same
function makes the directory's search key and normalises the query, so whatever it
merges, it merges on both sides.
"""

from __future__ import annotations

import re
import unicodedata

# Kyrgyz, Russian (and the Kazakh letters a Kyrgyz name may carry) to Latin.
_CYRILLIC = {
    "а": "a",
    "ә": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "j",
    "з": "z",
    "и": "i",
    "і": "i",
    "й": "i",
    "к": "k",
    "қ": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "n",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ү": "u",
    "ұ": "u",
    "ф": "f",
    "х": "h",
    "һ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
# Latin letters whose diacritics carry a sound of their own (Turkish-style spellings).
_LATIN = {"ş": "sh", "ç": "ch", "ı": "i", "ğ": "g", "ß": "ss"}
# Apostrophes join (Kyrgyz Latin and Russian transliterations use them as soft signs).
_APOSTROPHES = "'’ʼ`´‘"
# One spelling for what transliteration habits spell differently, applied in this order
# to the Latin text of both sides.
_SPELLINGS = (
    ("shch", "sh"),
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("x", "ks"),
    ("y", "i"),
    ("w", "v"),
    ("q", "k"),
    ("ng", "n"),
)
# "ie" where a Cyrillic е after a vowel or at a word's start is written "ye" in Latin.
_IOTATED_E = re.compile(r"(?:(?<=[aeiou])|(?<![a-z0-9]))ie")
_OTHER = re.compile(r"[^a-z0-9]+")

# The most a query may be: the longest text a teacher's name or school may have.
MAX_QUERY = 200
# The fewest letters or digits of the longest word of a query: one letter finds half the
# country, and the indexes need two to find anything by themselves.
MIN_TERM = 2


def fold(text: str) -> str:
    """The Latin skeleton of a text: lower-case ASCII letters, digits, single spaces."""
    out = []
    for char in text.casefold():
        if char in _APOSTROPHES:
            continue
        mapped = _CYRILLIC.get(char) or _LATIN.get(char)
        if mapped is not None:
            out.append(mapped)
            continue
        if char in _CYRILLIC:  # the hard and soft signs: nothing
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    latin = "".join(out).casefold()
    latin = _OTHER.sub(" ", latin)
    for spelling, one in _SPELLINGS:
        latin = latin.replace(spelling, one)
    latin = _IOTATED_E.sub("e", latin)
    return " ".join(latin.split())


def search_key(*parts: str | None) -> str:
    """What a search matches a record by: its folded parts, each word preceded by a space
    (so a word's start is a substring too) and parts kept apart by " |"."""
    return "".join(f" {fold(part or '')} |" for part in parts)


def terms(text: str) -> list[str]:
    """The words of a query, folded, longest first (the most selective leads)."""
    return sorted(set(fold(text).split()), key=lambda word: (-len(word), word))
