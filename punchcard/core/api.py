"""Shared pieces of the JSON API: authentication, paging, and role checks."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from ninja import Schema
from ninja.security import APIKeyCookie, HttpBearer

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


def paginate(queryset: QuerySet, page: int, page_size: int) -> dict:
    """The `{"items", "count"}` shape of every list; count is all rows matching the filters."""
    start = (page - 1) * page_size
    return {"items": list(queryset[start : start + page_size]), "count": queryset.count()}
