from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection
from ninja import Field, Router, Schema, Status

from punchcard.core.api import ErrorOut, InSchema, SafeStr, ValidationErrorOut, require_owner
from punchcard.studios import services
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
    studio_name: SafeStr = Field(..., min_length=1, max_length=120)
    email: SafeStr = Field(..., min_length=3, max_length=254)
    password: SafeStr = Field(..., min_length=1, max_length=128)


class SignupOut(Schema):
    token: str
    studio: StudioOut
    user: UserOut


class TokenIn(InSchema):
    email: SafeStr = Field(..., max_length=254)
    password: SafeStr = Field(..., max_length=128)


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    user: UserOut
    studio: StudioDetailOut


class MemberIn(InSchema):
    email: SafeStr = Field(..., min_length=3, max_length=254)
    password: SafeStr = Field(..., min_length=1, max_length=128)
    role: Membership.Role = Membership.Role.TRAINER


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
