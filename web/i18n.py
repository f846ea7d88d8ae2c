"""Languages of the pages (Kyrgyz, Russian, English): which one a request gets, and how
dates and numbers are written in it.

The choice is, in order: `?lang=` in the URL (remembered in a cookie), the cookie, the
browser's Accept-Language, then the default (Russian, the lingua franca of the ministry).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, request
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
)

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
_COOKIE_AGE = 365 * 24 * 3600


def languages() -> tuple[str, ...]:
    """The languages this deployment offers."""
    return tuple(current_app.config.get("LANGUAGES", ("ky", "ru", "en")))


def select_locale() -> str:
    """The language of this request (see the module docstring for the order)."""
    offered = languages()
    for choice in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if choice in offered:
            return choice
    return request.accept_languages.best_match(offered) or current_app.config.get(
        "BABEL_DEFAULT_LOCALE", "ru"
    )


def remember_choice(response: Response) -> Response:
    """A `?lang=` choice sticks: later pages keep the language without the parameter."""
    choice = request.args.get("lang")
    if choice in languages() and request.cookies.get(LANGUAGE_COOKIE) != choice:
        response.set_cookie(
            LANGUAGE_COOKIE,
            choice,
            max_age=_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure,
            httponly=True,
        )
    if "text/html" in (response.content_type or ""):
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


def current_language() -> str:
    """The language code of this request ("ky", "ru" or "en")."""
    return str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "ru"))


def url_in_language(code: str) -> str:
    """This page's URL (query kept) in another language; a form page is shown afresh."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return f"{request.path}?{urlencode(args + [('lang', code)])}"


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def date_filter(value: Any, style: str = "medium") -> str:
    """A date in the reader's language ("21 марта 2024 г."), or an empty string."""
    day = _as_date(value)
    return format_date(day, style) if day else ""


def datetime_filter(value: Any, style: str = "medium") -> str:
    """A time in the reader's language, in Bishkek time."""
    moment = _as_datetime(value)
    return format_datetime(moment, style) if moment else ""


def number_filter(value: Any) -> str:
    """A number with the language's grouping and decimal mark (12 345,5)."""
    if value is None or value == "":
        return "—"
    return format_decimal(value)


def percent_filter(value: Any) -> str:
    """A share (0.85) as a percentage in the reader's language."""
    if value is None or value == "":
        return "—"
    return format_percent(value, "#,##0.#%")


def init_app(app: Flask) -> None:
    """Install Flask-Babel with our locale choice and the formatting filters."""
    app.config.setdefault("LANGUAGES", ("ky", "ru", "en"))
    Babel(app, locale_selector=select_locale)
    app.after_request(remember_choice)
    app.jinja_env.filters.update(
        date=date_filter, datetime=datetime_filter, number=number_filter, percent=percent_filter
    )
    app.jinja_env.globals.update(
        url_in_language=url_in_language,
        current_language=current_language,
        language_names=LANGUAGE_NAMES,
        languages=languages,
    )
