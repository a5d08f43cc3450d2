"""Shared pieces of the JSON API: authentication, paging, and role checks."""

from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import PlainValidator, WithJsonSchema

from punchcard.studios.services import token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pc_…`; sets request.user/membership/studio like the middleware."""

    def authenticate(self, request, token):
        membership = token_authenticate(token)
        if membership is None:
            return None
        request.user = membership.user
        request.membership = membership
        request.studio = membership.studio
        return membership


class StudioSessionAuth(APIKeyCookie):
    """The browser's session cookie, with CSRF checked on unsafe methods (APIKeyCookie does)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        return getattr(request, "membership", None)


API_AUTH = [TokenAuth(), StudioSessionAuth()]


def require_owner(request) -> None:
    if not request.membership.is_owner:
        raise PermissionDenied("Only the studio owner can do this.")


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
MoneyIn = Annotated[
    Decimal,
    PlainValidator(_parse_money),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1200.00"]}),
]
MoneyOut = Annotated[
    str,
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["1200.00"]}),
]
