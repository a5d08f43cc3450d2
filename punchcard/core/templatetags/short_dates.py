"""{{ value|day_time }} and {{ value|day_month }}: the short dates of session tables, made cheaply.

`{{ value|date:"D j M" }}` runs Django's formatter, with translated day and month names, on every
call, and the dashboard's tables show two dates on each of up to 46 rows. A day's label
is the same on every row of that day, so it is formatted once per day, format and language; the
time of day is digits that need no translation.
"""

from datetime import date, datetime
from functools import lru_cache

from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=1024)
def _day_label(day: date, format: str, language: str | None) -> str:
    return formats.date_format(day, format)


def _day(value: date | datetime, format: str, language: str | None = None) -> str:
    day = value.date() if isinstance(value, datetime) else value
    return _day_label(day, format, language or get_language())


def day_label_in(value: date | datetime, language: str | None) -> str:
    """The day part of day_time ("Mon 2 Mar"), for a value already in local time, in a language
    the caller looked up once (get_language() reads a context-local, on each of a list's rows)."""
    return _day(value, "D j M", language)


def day_month_in(value: date | datetime, language: str | None) -> str:
    """day_month for a value already in local time, in a language the caller looked up once."""
    return _day(value, "j M", language)


@register.filter(expects_localtime=True)
def day_time(value: datetime | None) -> str:
    """The same text as {{ value|date:"D j M, H:i" }}, in the current time zone."""
    if not value:
        return ""
    return f"{_day(value, 'D j M')}, {value:%H:%M}"


@register.filter(expects_localtime=True)
def day_month(value: date | datetime | None) -> str:
    """The same text as {{ value|date:"j M" }}, in the current time zone."""
    if not value:
        return ""
    return _day(value, "j M")
