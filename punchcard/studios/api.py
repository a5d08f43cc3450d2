from datetime import datetime

from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate, update_session_auth_hash
from django.db import connection
from ninja import Field, Query, Router, Schema, Status

from punchcard.core.api import (
    ErrorOut,
    InSchema,
    PageIn,
    StorableText,
    StrictBool,
    ValidationErrorOut,
    paginate,
)
from punchcard.studios import services
from punchcard.studios.access import access_member_by_id
from punchcard.studios.api_auth import require_owner
from punchcard.studios.models import Membership

router = Router(tags=["auth"])


class HealthOut(Schema):
    status: str
    database: str


class StudioOut(Schema):
    id: int
    name: str


class StudioDetailOut(StudioOut):
    currency: str
    timezone: str
    low_balance_threshold: int


class UserOut(Schema):
    id: int
    email: str
    role: str


class SignupIn(InSchema):
    studio_name: StorableText = Field(..., min_length=1, max_length=120)
    email: StorableText = Field(..., min_length=3, max_length=254)
    password: StorableText = Field(..., min_length=1, max_length=128)


class SignupOut(Schema):
    token: str
    studio: StudioOut
    user: UserOut


class TokenIn(InSchema):
    email: StorableText = Field(..., max_length=254)
    password: StorableText = Field(..., max_length=128)


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    user: UserOut
    studio: StudioDetailOut


class MemberIn(InSchema):
    email: StorableText = Field(..., min_length=3, max_length=254)
    password: StorableText = Field(..., min_length=1, max_length=128)
    role: Membership.Role = Membership.Role.TRAINER


class MemberOut(Schema):
    id: int
    email: str
    role: Membership.Role
    is_active: bool
    last_login: datetime | None = Field(..., description="The last sign-in with a password.")


class MemberList(Schema):
    items: list[MemberOut]
    count: int


def _unchanged_if_left_out(**constraints):
    # Left out: unchanged. Sent as null: a 422 (neither column holds null), so the document
    # leaves out the None default that is never read.
    return Field(None, json_schema_extra=lambda schema: schema.pop("default", None), **constraints)


class MemberPatch(InSchema):
    role: Membership.Role = _unchanged_if_left_out()
    is_active: StrictBool = _unchanged_if_left_out(
        description="false signs the member out everywhere and revokes their API tokens at once."
    )


class PasswordIn(InSchema):
    old_password: StorableText = Field(..., max_length=4096)
    new_password: StorableText = Field(..., max_length=128)


MEMBER_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def _member_out(membership: Membership) -> dict:
    user = membership.user
    return {
        "id": user.id,
        "email": user.email,
        "role": membership.role,
        "is_active": user.is_active,
        "last_login": user.last_login,
    }


def _user_out(membership: Membership) -> dict:
    return {"id": membership.user.id, "email": membership.user.email, "role": membership.role}


@router.get("/health", auth=None, response={200: HealthOut, 503: HealthOut}, tags=["health"])
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return Status(503, {"status": "degraded", "database": "unreachable"})
    return {"status": "ok", "database": "ok"}


@router.post(
    "/auth/signup", auth=None, response={201: SignupOut, 403: ErrorOut, 422: ValidationErrorOut}
)
def signup(request, payload: SignupIn):
    if not settings.PUNCHCARD_ALLOW_SIGNUP:
        return Status(403, {"detail": "Sign-up is switched off on this server."})
    membership = services.studio_signup(**payload.dict())
    _, raw = services.token_issue(user=membership.user, name="Sign-up token")
    return Status(
        201,
        {
            "token": raw,
            "studio": {"id": membership.studio.id, "name": membership.studio.name},
            "user": _user_out(membership),
        },
    )


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
)
def token(request, payload: TokenIn):
    # Through django.contrib.auth so that django-axes counts failures and locks the email out.
    user = authenticate(request, username=payload.email.strip().lower(), password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return Status(
            429, {"detail": "Too many failed attempts for this email. Try again in 15 minutes."}
        )
    if user is None or not hasattr(user, "membership"):
        return Status(401, {"detail": "Wrong email or password."})
    _, raw = services.token_issue(user=user, name="API token")
    return {"token": raw}


@router.get("/me", response={200: MeOut, 401: ErrorOut})
def me(request):
    studio = request.studio
    return {
        "user": _user_out(request.membership),
        "studio": {
            "id": studio.id,
            "name": studio.name,
            "currency": studio.currency,
            "timezone": studio.timezone,
            "low_balance_threshold": studio.low_balance_threshold,
        },
    }


@router.post(
    "/members",
    response={201: UserOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
    tags=["members"],
)
def member_create(request, payload: MemberIn):
    require_owner(request)
    membership = services.member_create(studio=request.studio, **payload.dict())
    return Status(201, _user_out(membership))


@router.get(
    "/members",
    response={200: MemberList, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
    tags=["members"],
)
def member_list(request, paging: Query[PageIn]):
    require_owner(request)
    team = (
        Membership.objects.filter(studio=request.studio).select_related("user").order_by("user_id")
    )
    page = paginate(team, paging.page, paging.page_size)
    return {"items": [_member_out(m) for m in page["items"]], "count": page["count"]}


@router.patch(
    "/members/{int:member_id}",
    response={200: MemberOut, 409: ErrorOut, **MEMBER_ERRORS},
    tags=["members"],
    description="A member's id is their user id. 409 when the change would leave the studio "
    "without an active owner.",
)
def member_patch(request, member_id: int, payload: MemberPatch):
    require_owner(request)
    member = access_member_by_id(request.studio, member_id)
    try:
        member = services.member_update(membership=member, **payload.dict(exclude_unset=True))
    except services.LastOwnerError as exc:
        return Status(409, {"detail": str(exc)})
    return _member_out(member)


@router.post(
    "/auth/password",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
    description="Ends the user's other sign-in sessions and revokes their other API tokens. "
    "The caller keeps working: a browser session stays signed in, and a bearer token that "
    "made the call stays valid.",
)
def password_change(request, payload: PasswordIn):
    services.password_change(
        user=request.user,
        old_password=payload.old_password,
        new_password=payload.new_password,
        keep_token=_bearer_token(request),
    )
    if request.session.get(SESSION_KEY) == str(request.user.pk):
        update_session_auth_hash(request, request.user)
    return Status(204, None)


def _bearer_token(request) -> str | None:
    # The raw token of a call that TokenAuth let in (it is tried before the session cookie).
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return raw.strip() or None
