"""Shared pieces of the JSON API: paging, money, JSON rendering, and strict input types.

Who may call it (tokens, the session cookie, the owner check) is studios.api_auth.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

import orjson
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Schema
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    Strict,
    WithJsonSchema,
    model_validator,
)

# Text and datetimes in: what the databases cannot store is a 422 naming the field, never a 500.

NO_NUL_PATTERN = r"^[^\x00]*$"


def _storable_text(value: str) -> str:
    # PostgreSQL text cannot hold NUL (SQLite can, so only the PostgreSQL suite would notice).
    # Lone surrogates never get here: pydantic refuses them as invalid Unicode already.
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL (\\u0000) characters.")
    return value


class _DocumentNoNul:
    def __get_pydantic_json_schema__(self, core_schema, handler):
        return {**handler(core_schema), "pattern": NO_NUL_PATTERN}


StorableText = Annotated[str, AfterValidator(_storable_text), _DocumentNoNul()]


# A day inside the calendar's edges, so that the instant can be shown in any studio's time zone.
EARLIEST_MOMENT = datetime(1, 1, 2, tzinfo=UTC)
LATEST_MOMENT = datetime(9999, 12, 30, tzinfo=UTC)


def _in_utc(value: datetime) -> datetime:
    # Python allows offsets up to ±23:59, PostgreSQL only ±15:59; the instant is what matters.
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST_MOMENT <= moment <= LATEST_MOMENT:
        raise ValueError("Use a date and time between 0001-01-02 and 9999-12-30.")
    return moment


# Strict input (shared/api.md): JSON bodies are validated from Python objects, where pydantic's
# strict mode would refuse a date given as text, so dates and datetimes get their own checks and
# the rest is annotated Strict. A number is not a datetime (lax mode reads 0 as 1970), a datetime
# is not a date, and a datetime without its UTC offset says no instant at all.
_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*")


def _day_text(value):
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DAY_TEXT.fullmatch(value):
        raise ValueError("Enter a date such as 2026-11-24.")
    return value


def _moment_text(value):
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _MOMENT_TEXT.fullmatch(value):
        raise ValueError(
            "Enter a date and time with its offset, such as 2026-11-24T09:30:00+00:00."
        )
    return value


def _with_offset(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Give the time's UTC offset, such as 2026-11-24T09:30:00+00:00.")
    return value


Day = Annotated[date, BeforeValidator(_day_text)]
AwareDateTime = Annotated[
    datetime, BeforeValidator(_moment_text), AfterValidator(_with_offset), AfterValidator(_in_utc)
]
StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]


def _query_flag(value):
    # Query strings are text: only the JSON spellings, so that ?is_active=yes is not "true".
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    raise ValueError("Use true or false.")


QueryBool = Annotated[bool, PlainValidator(_query_flag), WithJsonSchema({"type": "boolean"})]


class InSchema(Schema):
    """A request body: a JSON object, never a list or a bare value.

    Ninja's Schema reads its fields as attributes of whatever it is given, so `[]`, `"x"` or
    `5` would pass as an object with every field left out (a PATCH of nothing).
    """

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value):
        # Schema's own validator runs first and wraps what it got in a DjangoGetter.
        given = value._obj if isinstance(value, DjangoGetter) else value
        if not isinstance(given, dict | cls):
            raise ValueError("The body must be a JSON object.")
        return value


class ErrorOut(Schema):
    detail: str


class ValidationErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str | None = None


class ValidationErrorOut(Schema):
    detail: list[ValidationErrorItem]


class PageIn(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


# Dates and times are handed to NinjaJSONEncoder (PASSTHROUGH): orjson's own spelling keeps the
# microseconds and writes +00:00, where the API writes milliseconds and Z.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_NINJA_ENCODER = NinjaJSONEncoder()


def to_json(data) -> bytes:
    """The API's JSON: orjson, with NinjaJSONEncoder's spelling of what JSON has no type for."""
    return orjson.dumps(data, default=_NINJA_ENCODER.default, option=_ORJSON_OPTIONS)


class JsonRenderer(BaseRenderer):
    """Every answer of the NinjaAPI, through to_json."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return to_json(data)


def rendered(data: dict, status: int = 200) -> HttpResponse:
    """`data` as the API renders any answer (same encoder, same bytes), minus pydantic's second pass.

    For the long lists only, where validating every row against the schema it was built for
    was most of the request's Python. Their dicts come from one function each in
    present.py, and what they render is held to the declared schema by tests and the fuzzer.
    """
    return HttpResponse(
        to_json(data),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def json_value(value):
    """A date or datetime as the API's JSON spells it, ahead of encoding: the encoder then
    writes the row without calling back into Python for each value."""
    return _ENCODER.default(value) if isinstance(value, date) else value


# Django's own: what NinjaJSONEncoder falls back to for dates, minus its pydantic checks first.
_ENCODER = DjangoJSONEncoder()


def paginate(queryset: QuerySet, page: int, page_size: int) -> dict:
    """The `{"items", "count"}` shape of every list; count is all rows matching the filters."""
    start = (page - 1) * page_size
    return {"items": list(queryset[start : start + page_size]), "count": queryset.count()}


# Money in the API: strings such as "1200.00" out; a string or a number with at most two decimals in.


def _parse_money(value):
    from punchcard.core.money import parse_money

    if value is None:
        raise ValueError("Enter an amount such as 1200.00.")
    return parse_money(value)


MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
# A number is taken too (shared/api.md), so the document says so: a fuzzer sending 5 must not
# count its 201 as a type the API should have refused. The pattern applies to the text, the
# bounds to the number; "at most two decimals" is left to the description (multipleOf 0.01 on
# binary floats refuses 0.07 in some checkers).
MoneyIn = Annotated[
    Decimal,
    PlainValidator(_parse_money),
    WithJsonSchema(
        {
            "type": ["string", "number"],
            "pattern": MONEY_PATTERN,
            "minimum": 0,
            "exclusiveMaximum": 10**12,
            "description": "An amount with at most two decimals, as text or a number.",
            "examples": ["1200.00"],
        }
    ),
]
MoneyOut = Annotated[
    str,
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["1200.00"]}),
]


def own_or_422(
    model, request, pk: int | None, field: str, message: str = "Not found in your studio."
):
    """An id given in a request body: the studio's live object, None for None, else a 422 on field.

    A 422 and not a 404: the URL exists, the body names something that isn't yours to use.
    """
    if pk is None:
        return None
    found = model.objects.for_studio(request.studio).live().filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [message]})
    return found
