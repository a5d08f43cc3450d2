"""Every write to package types and packages: pages and the API both come through here.

Each service validates, writes in one transaction, and stamps the history row with its action.
Errors are django ValidationErrors keyed by the API's field names.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.packages import counter, tallies
from punchcard.packages.models import (
    MAX_FREEZE_DAYS,
    Adjustment,
    ExpiryRule,
    Freeze,
    Package,
    PackageType,
    Transfer,
)
from punchcard.studios.models import Studio, User
from punchcard.studios.services import on_studio_created

DEFAULT_TYPES = [
    ("Starter", 5, 500_00),
    ("Standard", 12, 1200_00),
    ("Premium", 24, 2160_00),
    ("Elite", 50, 4000_00),
]
MAX_SESSIONS = 10_000


@on_studio_created
def create_default_types(studio: Studio) -> None:
    PackageType.objects.bulk_create(
        PackageType(studio=studio, name=name, total_sessions=sessions, total_value_cents=cents)
        for name, sessions, cents in DEFAULT_TYPES
    )


# Validation shared by types and packages ------------------------------------------------------


def _cents(value: Decimal | str | int | None, field: str = "total_value") -> int:
    try:
        return money.to_cents(money.parse_money(value))
    except (ValueError, TypeError) as exc:
        raise ValidationError({field: [str(exc)]}) from exc


def _check_sessions(value, field: str = "total_sessions") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SESSIONS:
        raise ValidationError(
            {field: [f"Enter a whole number of sessions from 1 to {MAX_SESSIONS:,}."]}
        )
    return value


def _check_name(value: str | None, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: ["Give it a name."]})
    if len(value) > 120:
        raise ValidationError({field: ["Use at most 120 characters."]})
    return value


def _check_validity(validity_days: int | None, expiry_rule: str) -> int | None:
    if expiry_rule not in ExpiryRule.values:
        raise ValidationError({"expiry_rule": [f"Choose one of: {', '.join(ExpiryRule.values)}."]})
    if validity_days is not None and not (
        isinstance(validity_days, int)
        and not isinstance(validity_days, bool)
        and 1 <= validity_days <= 3650
    ):
        raise ValidationError(
            {"validity_days": ["Enter a number of days from 1 to 3,650, or leave it empty."]}
        )
    if expiry_rule == ExpiryRule.FROM_FIRST_SESSION and validity_days is None:
        raise ValidationError(
            {"validity_days": ["Say how many days the package is valid after the first session."]}
        )
    return validity_days


# Package types --------------------------------------------------------------------------------


@transaction.atomic
def package_type_save(
    *,
    studio: Studio,
    package_type: PackageType | None = None,
    name: str,
    total_sessions: int,
    total_value,
    description: str = "",
    validity_days: int | None = None,
    expiry_rule: str = ExpiryRule.FROM_SALE,
    is_active: bool = True,
) -> PackageType:
    """Create (package_type=None) or replace a type's editable fields."""
    validity_days = _check_validity(validity_days, expiry_rule)
    if package_type is None:
        package_type = PackageType(studio=studio)
    else:
        # Every editable field is written: read them under the lock, not as the caller read them.
        package_type = PackageType.objects.select_for_update(no_key=True).get(pk=package_type.pk)
    package_type.name = _check_name(name)
    package_type.description = (description or "").strip()
    package_type.total_sessions = _check_sessions(total_sessions)
    package_type.total_value_cents = _cents(total_value)
    package_type.validity_days = validity_days
    package_type.expiry_rule = expiry_rule
    package_type.is_active = is_active
    package_type.full_clean(exclude=["studio"])
    package_type.save()
    return package_type


def package_type_delete(*, package_type: PackageType) -> None:
    """Soft delete: sold packages keep pointing at it for analytics."""
    package_type.deleted_at = timezone.now()
    package_type.save(update_fields=["deleted_at", "updated_at"])


# Packages -------------------------------------------------------------------------------------


def _save(
    package: Package,
    *,
    actor: User | None,
    action: str,
    reason: str = "",
    fields: list[str] | None = None,
) -> None:
    """Save with its history row (the instance as it stands: read under the row's lock).

    `fields` are the columns this change writes; None only for a new package. A row's other
    columns, the session counter above all, are never written back from what was read.
    """
    package._history_user = actor
    package._history_action = action
    package._history_reason = reason
    package.save(update_fields=None if fields is None else [*fields, "updated_at"])


def _lock(
    package_id: int, *, to_client: Client | None = None, primaries: bool = False
) -> tuple[Package, list[Package]]:
    """Lock what a change of this package writes, in the one order every writer takes:
    its client (and `to_client`), lowest id first, then the package and, with `primaries`,
    the client's other live primary packages, lowest id first.

    Returns the package and those other primaries as read under the locks. Every change of
    who holds a package or which one is primary locks the client first, so no two of them can
    interleave; a session's counter UPDATE locks one package at a time and never a client.
    SQLite ignores the locks: its IMMEDIATE transactions already run one writer at a time.
    FOR NO KEY UPDATE, because a plain FOR UPDATE also blocks the KEY SHARE lock that inserting
    a session or a transfer takes on the rows it references.
    """
    while True:
        try:
            # A savepoint: if the package changed hands between the read of its holder and its
            # lock, rolling back to it lets go of the old holder's lock and the package's (both
            # databases release a savepoint's row locks), so the next try takes them in order.
            with transaction.atomic():
                holder = Package.objects.values_list("client_id", flat=True).get(pk=package_id)
                clients = {holder} | ({to_client.pk} if to_client is not None else set())
                list(
                    Client.objects.select_for_update(no_key=True)
                    .filter(pk__in=clients)
                    .order_by("pk")
                )
                rows = Q(pk=package_id)
                if primaries:
                    rows |= Q(client_id=holder, is_primary=True, deleted_at__isnull=True)
                locked = list(
                    Package.objects.select_for_update(no_key=True).filter(rows).order_by("pk")
                )
                package = next(row for row in locked if row.pk == package_id)
                if package.client_id != holder:
                    raise _ChangedHands
                return package, [row for row in locked if row.pk != package_id]
        except _ChangedHands:
            continue


class _ChangedHands(Exception):
    """The package moved to another client while _lock waited for its holder's lock."""


def _lock_primaries_of(client: Client) -> list[Package]:
    """A new package's client, then its live primary package(s), as _lock orders them."""
    Client.objects.select_for_update(no_key=True).filter(pk=client.pk).first()
    return list(
        Package.objects.select_for_update(no_key=True)
        .filter(client_id=client.pk, is_primary=True, deleted_at__isnull=True)
        .order_by("pk")
    )


def _unset_primaries(others: list[Package], *, actor: User | None) -> None:
    for other in others:
        other.is_primary = False
        _save(other, actor=actor, action="primary_unset", fields=["is_primary"])


def _check_dates(start_date: date | None, expiry_date: date | None) -> None:
    if start_date and expiry_date and expiry_date < start_date:
        raise ValidationError({"expiry_date": ["The expiry date cannot be before the start date."]})


@transaction.atomic
def package_create(
    *,
    studio: Studio,
    actor: User | None,
    client: Client,
    package_type: PackageType | None = None,
    name: str | None = None,
    description: str = "",
    total_value=None,
    total_sessions: int | None = None,
    is_active: bool = True,
    is_primary: bool = False,
    start_date: date | None = None,
    expiry_date: date | None = None,
    expiry_rule: str | None = None,
    validity_days: int | None = None,
) -> Package:
    """Sell a package to a client, from scratch or from a type (which fills what is not given).

    A type's "from the first session" rule is copied: the expiry then waits for the first session.
    """
    if client.studio_id != studio.id or client.deleted_at is not None:
        raise ValidationError({"client_id": ["Choose one of your clients."]})
    if package_type is not None:
        if package_type.studio_id != studio.id or package_type.deleted_at is not None:
            raise ValidationError({"package_type_id": ["Choose one of your package types."]})
        name = name or package_type.name
        total_value = package_type.total_value_cents if total_value is None else total_value
        total_sessions = total_sessions or package_type.total_sessions
        description = description or package_type.description
        if expiry_rule is None and validity_days is None:
            expiry_rule, validity_days = package_type.expiry_rule, package_type.validity_days
            if expiry_date is not None:
                # An expiry typed in on the sale overrides a "from the first session" type.
                expiry_rule = ExpiryRule.FROM_SALE
        if expiry_rule == ExpiryRule.FROM_SALE and validity_days and expiry_date is None:
            start_date = start_date or studio.today()
            try:
                expiry_date = start_date + timedelta(days=validity_days)
            except OverflowError:
                raise ValidationError(
                    {"start_date": ["The type's validity would run past the year 9999."]}
                ) from None
        if isinstance(total_value, int):
            total_value = money.from_cents(total_value)
    errors = {}
    if total_value is None:
        errors["total_value"] = ["Enter the package's total value, e.g. 1200.00."]
    if total_sessions is None:
        errors["total_sessions"] = ["Enter how many sessions the package holds."]
    if errors:
        raise ValidationError(errors)
    expiry_rule = expiry_rule or ExpiryRule.FROM_SALE
    validity_days = _check_validity(validity_days, expiry_rule)
    if expiry_rule == ExpiryRule.FROM_FIRST_SESSION and expiry_date is not None:
        raise ValidationError(
            {"expiry_date": ["Leave the expiry empty: it is set when the first session is logged."]}
        )
    _check_dates(start_date, expiry_date)
    package = Package(
        studio=studio,
        client=client,
        package_type=package_type,
        name=_check_name(name or f"{total_sessions} sessions"),
        description=(description or "").strip(),
        total_value_cents=_cents(total_value),
        total_sessions=_check_sessions(total_sessions),
        is_active=is_active,
        is_primary=is_primary,
        start_date=start_date,
        expiry_date=expiry_date,
        expiry_rule=expiry_rule,
        validity_days=validity_days,
    )
    if is_primary:
        _unset_primaries(_lock_primaries_of(client), actor=actor)
    _save(package, actor=actor, action="created")
    tallies.live_packages_moved(studio.id, +1)
    return package


EDITABLE = (
    "name",
    "description",
    "total_value",
    "total_sessions",
    "is_active",
    "is_primary",
    "start_date",
    "expiry_date",
    "package_type",
    "expiry_rule",
    "validity_days",
)


@transaction.atomic
def package_update(*, package: Package, actor: User | None, **changes) -> Package:
    """Change any subset of the editable fields (PATCH); PUT passes them all.

    Only the fields that really change are written, and a change of nothing writes nothing
    (no history row either).
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({field: ["This field cannot be changed here."] for field in unknown})
    package, others = _lock(package.pk, primaries=changes.get("is_primary") is True)
    if package.deleted_at is not None:
        raise ValidationError(
            {"package": ["This package is deleted: restore it before changing it."]}
        )
    new = {}
    if "package_type" in changes:
        package_type = changes["package_type"]
        if package_type is not None and package_type.studio_id != package.studio_id:
            raise ValidationError({"package_type_id": ["Choose one of your package types."]})
        new["package_type_id"] = package_type.pk if package_type is not None else None
    if "name" in changes:
        new["name"] = _check_name(changes["name"])
    if "description" in changes:
        new["description"] = (changes["description"] or "").strip()
    if "total_value" in changes:
        new["total_value_cents"] = _cents(changes["total_value"])
    if "total_sessions" in changes:
        new["total_sessions"] = _check_sessions(changes["total_sessions"])
    for field in ("is_active", "start_date", "expiry_date"):
        if field in changes:
            new[field] = changes[field]
    if "is_primary" in changes:
        new["is_primary"] = bool(changes["is_primary"])
    if "expiry_rule" in changes or "validity_days" in changes:
        new["expiry_rule"] = changes.get("expiry_rule") or package.expiry_rule
        new["validity_days"] = _check_validity(
            changes.get("validity_days", package.validity_days), new["expiry_rule"]
        )
    _check_dates(
        new.get("start_date", package.start_date), new.get("expiry_date", package.expiry_date)
    )
    changed = [field for field, value in new.items() if getattr(package, field) != value]
    if not changed:
        return package
    for field in changed:
        setattr(package, field, new[field])
    if package.is_primary:
        _unset_primaries(others, actor=actor)
    _save(package, actor=actor, action="updated", fields=changed)
    return package


@transaction.atomic
def package_set_primary(*, package: Package, actor: User | None, primary: bool = True) -> Package:
    """Make this the client's primary package (un-primarying the other) or stop it being primary."""
    package, others = _lock(package.pk, primaries=primary)
    if package.deleted_at is not None:
        raise ValidationError({"is_primary": ["A deleted package cannot be primary."]})
    if package.is_primary == primary:
        return package
    _unset_primaries(others, actor=actor)
    package.is_primary = primary
    _save(
        package,
        actor=actor,
        action="primary_set" if primary else "primary_unset",
        fields=["is_primary"],
    )
    return package


@transaction.atomic
def package_transfer(
    *, package: Package, actor: User | None, to_client: Client, reason: str = ""
) -> Package:
    """Move a package (and what is left of it) to another client of the same studio.

    Sessions already logged stay with the client who trained: only the package row moves.
    """
    if to_client.studio_id != package.studio_id or to_client.deleted_at is not None:
        raise ValidationError({"client_id": ["Choose one of your clients."]})
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError({"reason": ["Use at most 500 characters."]})
    package, _ = _lock(package.pk, to_client=to_client)
    if package.deleted_at is not None:
        raise ValidationError(
            {"package": ["This package is deleted: restore it before moving it."]}
        )
    if to_client.pk == package.client_id:
        raise ValidationError({"client_id": ["The package already belongs to this client."]})
    Transfer.objects.create(
        studio_id=package.studio_id,
        package=package,
        from_client_id=package.client_id,
        to_client=to_client,
        reason=reason,
        sessions_remaining=package.remaining,
        actor=actor,
    )
    package.client = to_client
    # The new holder may have a primary package already; they can choose this one explicitly.
    package.is_primary = False
    _save(
        package,
        actor=actor,
        action="transferred",
        reason=reason,
        fields=["client", "is_primary"],
    )
    return package


@transaction.atomic
def package_delete(*, package: Package, actor: User | None) -> None:
    """Soft delete: the row, its sessions, transfers and history stay, and it can be restored."""
    package, _ = _lock(package.pk)
    if package.deleted_at is not None:
        return
    package.deleted_at = timezone.now()
    package.is_primary = False
    _save(package, actor=actor, action="deleted", fields=["deleted_at", "is_primary"])
    tallies.live_packages_moved(package.studio_id, -1)


@transaction.atomic
def package_restore(*, package: Package, actor: User | None) -> Package:
    package, _ = _lock(package.pk)
    if package.deleted_at is None:
        return package
    package.deleted_at = None
    _save(package, actor=actor, action="restored", fields=["deleted_at"])
    tallies.live_packages_moved(package.studio_id, +1)
    return package


# Adjustments, freezes and the first-session expiry --------------------------------------------


def _lock_live(package: Package, what: str) -> Package:
    package, _ = _lock(package.pk)
    if package.deleted_at is not None:
        raise ValidationError(
            {"package": [f"This package is deleted: restore it before {what} it."]}
        )
    return package


def _check_reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": ["Say why (a comp session, a correction…)."]})
    if len(reason) > 500:
        raise ValidationError({"reason": ["Use at most 500 characters."]})
    return reason


def adjustment_words(sessions: int) -> str:
    noun = "session" if abs(sessions) == 1 else "sessions"
    return f"{abs(sessions)} {noun} {'added' if sessions > 0 else 'removed'}"


@transaction.atomic
def package_adjust(*, package: Package, actor: User | None, sessions, reason: str) -> Adjustment:
    """Add (sessions > 0) or remove (< 0) sessions by hand; counted like sessions, in history."""
    if (
        isinstance(sessions, bool)
        or not isinstance(sessions, int)
        or sessions == 0
        or not -MAX_SESSIONS <= sessions <= MAX_SESSIONS
    ):
        raise ValidationError(
            {"sessions": [f"Enter a whole number of sessions from 1 to {MAX_SESSIONS:,}."]}
        )
    reason = _check_reason(reason, required=True)
    package = _lock_live(package, "adjusting")
    adjustment = Adjustment.objects.create(
        studio_id=package.studio_id, package=package, sessions=sessions, reason=reason, actor=actor
    )
    # The history row, then the counter moves by one atomic UPDATE, like a session's.
    _save(
        package,
        actor=actor,
        action="adjusted",
        reason=f"{adjustment_words(sessions)}: {reason}",
        fields=[],
    )
    counter.bump(package.pk, -sessions)
    # No re-read here: the API reads the package again for its answer, the page redirects, and
    # the import does not look; the counter on this instance is the one before the bump.
    return adjustment


def _shift_expiry(package: Package, days: int) -> int:
    """Move the expiry by days; returns how far it moved (0 without an expiry date)."""
    if package.expiry_date is None or days == 0:
        return 0
    try:
        package.expiry_date = package.expiry_date + timedelta(days=days)
    except OverflowError:
        raise ValidationError(
            {"ends_on": ["That would move the expiry past the year 9999."]}
        ) from None
    return days


def _freeze_words(freeze: Freeze) -> str:
    return f"{freeze.starts_on:%d %b %Y} to {freeze.ends_on:%d %b %Y} ({freeze.days} days)"


@transaction.atomic
def package_freeze(
    *, package: Package, actor: User | None, starts_on: date, ends_on: date, reason: str = ""
) -> Freeze:
    """Pause a package for [starts_on, ends_on]; its expiry moves out by those days."""
    if not isinstance(starts_on, date):
        raise ValidationError({"starts_on": ["Enter the first frozen day."]})
    if not isinstance(ends_on, date):
        raise ValidationError({"ends_on": ["Enter the last frozen day."]})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": ["The last frozen day cannot be before the first."]})
    if (ends_on - starts_on).days + 1 > MAX_FREEZE_DAYS:
        raise ValidationError({"ends_on": [f"Freeze at most {MAX_FREEZE_DAYS} days at a time."]})
    reason = _check_reason(reason, required=False)
    package = _lock_live(package, "freezing")
    overlapping = package.freezes.overlapping(starts_on, ends_on).first()
    if overlapping is not None:
        raise ValidationError(
            {"starts_on": [f"It overlaps the freeze from {_freeze_words(overlapping)}."]}
        )
    freeze = Freeze(
        studio_id=package.studio_id,
        package=package,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        actor=actor,
    )
    freeze.expiry_shift_days = _shift_expiry(package, freeze.days)
    freeze.save()
    words = f"Frozen {_freeze_words(freeze)}" + (f": {reason}" if reason else "")
    _save(package, actor=actor, action="frozen", reason=words, fields=["expiry_date"])
    return freeze


@transaction.atomic
def freeze_end(*, freeze: Freeze, actor: User | None, today: date) -> Freeze:
    """End a freeze today (the client is back) or, if it has not begun, cancel it.

    The expiry moves back by the days that will no longer be frozen.
    """
    package = _lock_live(freeze.package, "changing")
    freeze = Freeze.objects.select_for_update(no_key=True).get(pk=freeze.pk)
    if freeze.cancelled or freeze.ends_on < today:
        raise ValidationError({"freeze": ["This freeze is already over."]})
    if freeze.starts_on >= today:
        freeze.cancelled = True
        kept_days = 0
        words = f"Freeze cancelled ({_freeze_words(freeze)})"
    else:
        freeze.ends_on = today - timedelta(days=1)
        kept_days = freeze.days
        words = f"Freeze ended early: now {_freeze_words(freeze)}"
    if package.expiry_date is not None and freeze.expiry_shift_days:
        moved_back = freeze.expiry_shift_days - min(kept_days, freeze.expiry_shift_days)
        _shift_expiry(package, -moved_back)
        freeze.expiry_shift_days -= moved_back
    freeze.ended_at = timezone.now()
    freeze.save()
    _save(package, actor=actor, action="unfrozen", reason=words, fields=["expiry_date"])
    return freeze


def start_expiry_on_first_session(*, package_id: int | None, day: date, actor: User | None) -> None:
    """A "from the first session" package gets its expiry when its first counted session is logged."""
    if package_id is None:
        return
    package = (
        Package.objects.select_for_update(no_key=True)
        .filter(pk=package_id, expiry_rule=ExpiryRule.FROM_FIRST_SESSION, expiry_date__isnull=True)
        .first()
    )
    if package is None or package.validity_days is None:
        return
    anchor = max(day, package.start_date) if package.start_date else day
    try:
        package.expiry_date = anchor + timedelta(days=package.validity_days)
    except OverflowError:
        return
    # Freezes booked while the expiry waited moved nothing; their days from the anchor on count now.
    for freeze in package.freezes.overlapping(anchor, date.max):
        days = (freeze.ends_on - max(freeze.starts_on, anchor)).days + 1
        try:
            freeze.expiry_shift_days = _shift_expiry(package, days)
        except ValidationError:
            continue
        freeze.save(update_fields=["expiry_shift_days"])
    _save(
        package,
        actor=actor,
        action="expiry_started",
        reason=f"First session on {day:%d %b %Y}: valid {package.validity_days} days from then",
        fields=["expiry_date"],
    )
