from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from punchcard.clients.models import Client
from punchcard.core.api import (
    AwareDateTime,
    Day,
    ErrorOut,
    InSchema,
    PageIn,
    StorableText,
    StrictInt,
    ValidationErrorOut,
    json_value,
    own_or_422,
    paginate,
    rendered,
)
from punchcard.core.dates import DateRange
from punchcard.packages.models import Package
from punchcard.packages.present import package_json
from punchcard.packages.schemas import PackageOut
from punchcard.training import services
from punchcard.training.models import TrainingSession

router = Router(tags=["sessions"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# An unsafe method can also be refused for a session cookie without its CSRF token.
WRITE_ERRORS = {**ERRORS, 403: ErrorOut}
StatusName = TrainingSession.Status
# What a 422 says of an id in the body that is not the studio's (own_or_422's words).
NOT_YOURS = "Not found in your studio."
WarningName = str


class SessionIn(InSchema):
    client_id: StrictInt = Field(..., ge=1, le=2**62)
    package_id: StrictInt | None = Field(None, ge=1, le=2**62)
    starts_at: AwareDateTime | None = None
    duration_minutes: StrictInt = Field(60, ge=1, le=1440)
    status: StatusName = StatusName.COMPLETED
    notes: StorableText = Field("", max_length=2000)


class SessionPatch(InSchema):
    package_id: StrictInt | None = Field(None, ge=1, le=2**62)
    starts_at: AwareDateTime | None = None
    duration_minutes: StrictInt | None = Field(None, ge=1, le=1440)
    status: StatusName | None = None
    notes: StorableText | None = Field(None, max_length=2000)


class SessionOut(Schema):
    id: int
    client_id: int
    package_id: int | None
    starts_at: datetime
    duration_minutes: int
    status: StatusName
    notes: str
    created_at: datetime


class LoggedSessionOut(SessionOut):
    package: PackageOut | None
    warnings: list[WarningName]


class SessionList(Schema):
    items: list[SessionOut]
    count: int


class SessionFilters(Schema):
    client_id: int | None = Field(None, ge=1, le=2**62)
    package_id: int | None = Field(None, ge=1, le=2**62)
    from_: Day | None = Field(None, alias="from")
    to: Day | None = None


def _get_session(request, session_id: int) -> TrainingSession:
    return get_object_or_404(
        TrainingSession.objects.for_studio(request.studio).live(), pk=session_id
    )


def _logged_out(request, logged: services.LoggedSession, status: int = 200) -> HttpResponse:
    """A LoggedSessionOut, written as the API writes it, without pydantic's pass over what it
    was built for: that pass was a tenth of a logged session's Python. Held to the bytes the
    schema gives by test_logged_answer_is_byte_for_byte_what_its_schema_gives."""
    session, package = logged.session, logged.package
    studio = request.studio
    return rendered(
        {
            "id": session.id,
            "client_id": session.client_id,
            "package_id": session.package_id,
            "starts_at": json_value(session.starts_at),
            "duration_minutes": session.duration_minutes,
            "status": session.status,
            "notes": session.notes,
            "created_at": json_value(session.created_at),
            "package": package_json(package, studio=studio, today=studio.today())
            if package
            else None,
            "warnings": logged.warnings,
        },
        status=status,
    )


@router.get("", response={200: SessionList, **ERRORS})
def session_list(request, filters: Query[SessionFilters], paging: Query[PageIn]):
    sessions = TrainingSession.objects.for_studio(request.studio).live()
    if filters.client_id is not None:
        sessions = sessions.filter(client_id=filters.client_id)
    if filters.package_id is not None:
        sessions = sessions.filter(package_id=filters.package_id)
    # Dates are whole days in the studio's time zone, both ends included.
    lower, upper = DateRange(filters.from_, filters.to).bounds(request.studio.tzinfo)
    if lower is not None:
        sessions = sessions.filter(starts_at__gte=lower)
    if upper is not None:
        sessions = sessions.filter(starts_at__lt=upper)
    return paginate(sessions.order_by("-starts_at", "-id"), paging.page, paging.page_size)


@router.post("", response={201: LoggedSessionOut, **WRITE_ERRORS})
def session_create(request, payload: SessionIn):
    fields = {
        "starts_at": payload.starts_at,
        "duration_minutes": payload.duration_minutes,
        "status": payload.status,
        "notes": payload.notes,
    }
    if payload.package_id is None:
        # The client's check rides on the rule's query: one round trip less.
        logged = services.session_log_by_client_id(
            studio=request.studio,
            actor=request.user,
            client_id=payload.client_id,
            unknown_client=NOT_YOURS,
            **fields,
        )
    else:
        client = own_or_422(Client, request, payload.client_id, "client_id", NOT_YOURS)
        package = own_or_422(Package, request, payload.package_id, "package_id", NOT_YOURS)
        logged = services.session_log(
            studio=request.studio, actor=request.user, client=client, package=package, **fields
        )
    return _logged_out(request, logged, status=201)


@router.get("/{int:session_id}", response={200: SessionOut, **ERRORS})
def session_read(request, session_id: int):
    return _get_session(request, session_id)


@router.patch("/{int:session_id}", response={200: LoggedSessionOut, **WRITE_ERRORS})
def session_patch(request, session_id: int, payload: SessionPatch):
    session = _get_session(request, session_id)
    changes = payload.dict(exclude_unset=True)
    if "package_id" in changes:
        changes["package"] = own_or_422(Package, request, changes.pop("package_id"), "package_id")
    logged = services.session_update(session=session, actor=request.user, **changes)
    return _logged_out(request, logged)


@router.delete("/{int:session_id}", response={204: None, **WRITE_ERRORS})
def session_delete(request, session_id: int):
    services.session_delete(session=_get_session(request, session_id), actor=request.user)
    return Status(204, None)
