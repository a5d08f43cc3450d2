"""The one NinjaAPI under /api/, and the error shapes of shared/api.md."""

import logging

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db import IntegrityError, OperationalError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from punchcard.analytics.api import router as analytics_router
from punchcard.clients.api import router as clients_router
from punchcard.core.api import JsonRenderer
from punchcard.core.conflicts import WRITE_CONFLICT, is_write_conflict
from punchcard.overview.api import router as overview_router
from punchcard.packages.api import client_packages_router, reports_router, types_router
from punchcard.packages.api import router as packages_router
from punchcard.studios.api import router as studios_router
from punchcard.studios.api_auth import API_AUTH
from punchcard.training.api import router as sessions_router

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="Punchcard API",
    version="1",
    description="Session-package management for personal trainers. See shared/api.md.",
    auth=API_AUTH,
    renderer=JsonRenderer(),
    urls_namespace="api",
)


@api.exception_handler(NinjaValidationError)
def on_invalid_input(request, exc):
    detail = [
        {
            "loc": list(err.get("loc", [])),
            "msg": err.get("msg", "Invalid value."),
            "type": err.get("type"),
        }
        for err in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(ValidationError)
def on_service_validation_error(request, exc):
    """A service refused the input: name each field, as pydantic errors do."""
    if hasattr(exc, "error_dict"):
        detail = [
            {"loc": ["body", field], "msg": msg}
            for field, messages in exc.message_dict.items()
            for msg in messages
        ]
    else:
        detail = [{"loc": ["body"], "msg": msg} for msg in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc):
    detail = [{"loc": ["body"], "msg": "The request body is too large.", "type": "too_large"}]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def on_too_many_fields(request, exc):
    # Django refuses to parse past DATA_UPLOAD_MAX_NUMBER_FIELDS, in the query string or a form body.
    fields_in_query = request.META.get("QUERY_STRING", "").count("&") + 1
    where = "query" if fields_in_query > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS else "body"
    detail = [{"loc": [where], "msg": "Too many parameters.", "type": "too_many_fields"}]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "Not Found"}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Unauthorized"}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # Malformed JSON is invalid input like any other: a 422 that names the body.
        detail = [{"loc": ["body"], "msg": "The body must be valid JSON.", "type": "json_invalid"}]
        return api.create_response(request, {"detail": detail}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(IntegrityError)
@api.exception_handler(OperationalError)
def on_write_conflict(request, exc):
    """Two writes of the same rows at one moment that the database would not serialise."""
    if not is_write_conflict(exc):
        return on_unexpected(request, exc)
    log.warning("Write conflict on %s %s: %s", request.method, request.path, exc)
    return api.create_response(request, {"detail": WRITE_CONFLICT}, status=409)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    log.exception("Unhandled API error on %s %s", request.method, request.path)
    return api.create_response(request, {"detail": "Internal server error"}, status=500)


api.add_router("", studios_router)
api.add_router("/clients", clients_router)
api.add_router("/clients", client_packages_router)
api.add_router("/package-types", types_router)
api.add_router("/packages", packages_router)
api.add_router("/packages", overview_router)
api.add_router("/sessions", sessions_router)
api.add_router("/reports", reports_router)
api.add_router("/analytics", analytics_router)
api.add_router("/imports", "punchcard.packages.import_api.router")
