"""Writes for studios, members and API tokens. Pages and API call these, never the ORM directly."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from punchcard.studios.models import ApiToken, Membership, Studio, User, hash_token

_studio_created_hooks = []


def on_studio_created(func):
    """Register a function(studio) run inside studio_signup's transaction (e.g. default types)."""
    _studio_created_hooks.append(func)
    return func


def _check_new_user(*, email: str, password: str) -> str:
    email = User.objects.normalize_email(email or "").strip().lower()
    errors = {}
    if not email or "@" not in email:
        errors["email"] = ["Enter a valid email address."]
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = ["An account with this email already exists."]
    try:
        validate_password(password or "", User(email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return email


@transaction.atomic
def studio_signup(*, studio_name: str, email: str, password: str) -> Membership:
    """Create a studio with its owner. Raises ValidationError naming the bad field."""
    studio_name = (studio_name or "").strip()
    email = _check_new_user(email=email, password=password)
    if not studio_name:
        raise ValidationError({"studio_name": ["Give your studio a name."]})
    studio = Studio(name=studio_name)
    studio.full_clean()
    studio.save()
    user = User.objects.create_user(email=email, password=password)
    membership = Membership.objects.create(user=user, studio=studio, role=Membership.Role.OWNER)
    for hook in _studio_created_hooks:
        hook(studio)
    return membership


@transaction.atomic
def studio_update(*, studio: Studio, **changes) -> Studio:
    """Change the studio's settings (name, currency, timezone, low_balance_threshold)."""
    for name, value in changes.items():
        setattr(studio, name, value)
    studio.full_clean()
    studio.save(update_fields=list(changes))
    return studio


@transaction.atomic
def member_create(*, studio: Studio, email: str, password: str, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError({"role": [f"Choose one of: {', '.join(Membership.Role.values)}."]})
    email = _check_new_user(email=email, password=password)
    user = User.objects.create_user(email=email, password=password)
    return Membership.objects.create(user=user, studio=studio, role=role)


class LastOwnerError(Exception):
    """The change would leave the studio without an active owner (the API answers 409)."""


LAST_OWNER_MESSAGE = (
    "A studio needs at least one active owner. Make another member an owner first, "
    "then change this one."
)


@transaction.atomic
def member_update(
    *, membership: Membership, role: str | None = None, is_active: bool | None = None
) -> Membership:
    """Change a member's role or whether they can sign in (None leaves it as it is).

    Deactivating ends the member's sign-in sessions and revokes their API tokens at once:
    User.is_active is the one flag that sign-in, the session backend and the token check all
    refuse, and session_epoch keeps old sessions ended after a reactivation. Raises
    LastOwnerError when the studio would be left without an active owner.
    """
    if role is not None and role not in Membership.Role.values:
        raise ValidationError({"role": [f"Choose one of: {', '.join(Membership.Role.values)}."]})
    # The studio's owner rows are locked first, lowest id first, by every change: two owners
    # demoting each other at once take turns, and the second then sees the first's change, so
    # neither can leave the studio with no owner. (SQLite's IMMEDIATE transactions take turns
    # already; select_for_update is a no-op there.)
    list(
        Membership.objects.select_for_update()
        .filter(studio_id=membership.studio_id, role=Membership.Role.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Read again after the lock: what another change committed while this one waited.
    current = Membership.objects.select_related("user", "studio").get(pk=membership.pk)
    user = current.user
    new_role = current.role if role is None else role
    new_active = user.is_active if is_active is None else is_active
    was_active_owner = current.is_owner and user.is_active
    if was_active_owner and not (new_role == Membership.Role.OWNER and new_active):
        others = (
            Membership.objects.filter(
                studio_id=current.studio_id, role=Membership.Role.OWNER, user__is_active=True
            )
            .exclude(pk=current.pk)
            .exists()
        )
        if not others:
            raise LastOwnerError(LAST_OWNER_MESSAGE)
    if new_role != current.role:
        Membership.objects.filter(pk=current.pk).update(role=new_role)
        current.role = new_role
    if new_active and not user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=True)
    elif not new_active and user.is_active:
        User.objects.filter(pk=user.pk).update(
            is_active=False, session_epoch=F("session_epoch") + 1
        )
        # Revoked, not only refused while inactive: a reactivation starts without them.
        ApiToken.objects.live().filter(user=user).update(revoked_at=timezone.now())
    user.is_active = new_active
    return current


def password_change(
    *, user: User, old_password: str, new_password: str, keep_token: str | None = None
) -> None:
    """Check the current password and a new one, then set it (see password_set).

    Raises ValidationError naming old_password and/or new_password.
    """
    errors = {}
    if not user.check_password(old_password or ""):
        errors["old_password"] = ["Your current password is not right."]
    try:
        validate_password(new_password or "", user)
    except ValidationError as exc:
        errors["new_password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    password_set(user=user, new_password=new_password, keep_token=keep_token)


@transaction.atomic
def password_set(*, user: User, new_password: str, keep_token: str | None = None) -> None:
    """Set a password the caller has checked, ending the user's other sessions and tokens.

    Every sign-in session ends with the password (its hash is part of the session's); the caller
    keeps its own with update_session_auth_hash. API tokens are revoked, all but keep_token (the
    raw bearer token of the request that changed it, which goes on working).
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens = ApiToken.objects.live().filter(user=user)
    if keep_token:
        tokens = tokens.exclude(key_hash=hash_token(keep_token))
    tokens.update(revoked_at=timezone.now())


def token_issue(*, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """Create a token and return it with the raw value, which is never stored."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=(name or "API token")[:80], key_hash=hash_token(raw), hint=raw[:10]
    )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_authenticate(raw: str) -> Membership | None:
    """The membership behind a live bearer token, or None."""
    token = (
        ApiToken.objects.live()
        .select_related("user__membership__studio")
        .filter(key_hash=hash_token(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    membership = getattr(token.user, "membership", None)
    if membership is None:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute: no write on every API call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return membership
