"""Writes for studios, members and API tokens. Pages and API call these, never the ORM directly."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from punchcard.core.compiled import CompiledQuery
from punchcard.studios import tallies
from punchcard.studios.models import ApiToken, Membership, Studio, User, hash_token

_studio_created_hooks = []
_zone_changed_hooks = []


def on_studio_created(func):
    """Register a function(studio) run inside studio_signup's transaction (e.g. default types)."""
    _studio_created_hooks.append(func)
    return func


def on_zone_changed(func):
    """Register a function(studio) run inside studio_update's transaction when the time zone
    changed (e.g. sessions per local month, which move)."""
    if func not in _zone_changed_hooks:
        _zone_changed_hooks.append(func)
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
    tallies.start(studio)
    user = User.objects.create_user(email=email, password=password)
    membership = Membership.objects.create(user=user, studio=studio, role=Membership.Role.OWNER)
    for hook in _studio_created_hooks:
        hook(studio)
    return membership


@transaction.atomic
def studio_update(*, studio: Studio, **changes) -> Studio:
    """Change the studio's settings (name, currency, timezone, low_balance_threshold)."""
    # Locked first, so that the zone compared is the one stored when this write commits.
    stored_zone = (
        Studio.objects.select_for_update(no_key=True)
        .values_list("timezone", flat=True)
        .get(pk=studio.pk)
    )
    for name, value in changes.items():
        setattr(studio, name, value)
    studio.full_clean()
    studio.save(update_fields=list(changes))
    if studio.timezone != stored_zone:
        for hook in _zone_changed_hooks:
            hook(studio)
    return studio


@transaction.atomic
def member_create(*, studio: Studio, email: str, password: str, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError({"role": [f"Choose one of: {', '.join(Membership.Role.values)}."]})
    email = _check_new_user(email=email, password=password)
    user = User.objects.create_user(email=email, password=password)
    return Membership.objects.create(user=user, studio=studio, role=role)


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


# Asked on every API call: its three-table join is written once (see CompiledQuery).
_LIVE_TOKEN = CompiledQuery(
    lambda key_hash: (
        ApiToken.objects.live()
        .select_related("user__membership__studio")
        .filter(key_hash=key_hash, user__is_active=True)[:1]
    ),
    key_hash="\x00 no token hashes to this",
)


def token_authenticate(raw: str) -> Membership | None:
    """The membership behind a live bearer token, or None."""
    token = _LIVE_TOKEN.first(key_hash=hash_token(raw))
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
