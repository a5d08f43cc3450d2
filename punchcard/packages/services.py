"""Every write to package types and packages: pages and the API both come through here.

Each service validates, writes in one transaction, and stamps the history row with its action.
Errors are django ValidationErrors keyed by the API's field names.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.packages.models import Package, PackageType, Transfer
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
    is_active: bool = True,
) -> PackageType:
    """Create (package_type=None) or replace a type's editable fields."""
    if validity_days is not None and not (
        isinstance(validity_days, int) and 1 <= validity_days <= 3650
    ):
        raise ValidationError(
            {"validity_days": ["Enter a number of days from 1 to 3,650, or leave it empty."]}
        )
    package_type = package_type or PackageType(studio=studio)
    package_type.name = _check_name(name)
    package_type.description = (description or "").strip()
    package_type.total_sessions = _check_sessions(total_sessions)
    package_type.total_value_cents = _cents(total_value)
    package_type.validity_days = validity_days
    package_type.is_active = is_active
    package_type.full_clean(exclude=["studio"])
    package_type.save()
    return package_type


def package_type_delete(*, package_type: PackageType) -> None:
    """Soft delete: sold packages keep pointing at it for analytics."""
    package_type.deleted_at = timezone.now()
    package_type.save(update_fields=["deleted_at", "updated_at"])


# Packages -------------------------------------------------------------------------------------


def _save(package: Package, *, actor: User | None, action: str, reason: str = "") -> None:
    package._history_user = actor
    package._history_action = action
    package._history_reason = reason
    package.save()


def _lock_client(client: Client) -> None:
    # Serialises concurrent primary changes for one client on PostgreSQL; SQLite's IMMEDIATE
    # transactions already serialise every writer. Every lock here is FOR NO KEY UPDATE: a plain
    # FOR UPDATE also blocks the KEY SHARE locks that inserting a session or a transfer takes on
    # the rows it references, and with transfers, primary changes and logging on one package at
    # once that produced deadlocks (found by test_parallel_transfers_primary_changes_and_logs...).
    Client.objects.select_for_update(no_key=True).filter(pk=client.pk).first()


def _unset_other_primaries(package: Package, *, actor: User | None) -> None:
    others = (
        Package.objects.live()
        .filter(client_id=package.client_id, is_primary=True)
        .exclude(pk=package.pk)
    )
    for other in others:
        other.is_primary = False
        _save(other, actor=actor, action="primary_unset")


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
) -> Package:
    """Sell a package to a client, from scratch or from a type (which fills what is not given)."""
    if client.studio_id != studio.id or client.deleted_at is not None:
        raise ValidationError({"client_id": ["Choose one of your clients."]})
    if package_type is not None:
        if package_type.studio_id != studio.id or package_type.deleted_at is not None:
            raise ValidationError({"package_type_id": ["Choose one of your package types."]})
        name = name or package_type.name
        total_value = package_type.total_value_cents if total_value is None else total_value
        total_sessions = total_sessions or package_type.total_sessions
        description = description or package_type.description
        if package_type.validity_days and expiry_date is None:
            start_date = start_date or studio.today()
            try:
                expiry_date = start_date + timedelta(days=package_type.validity_days)
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
    )
    if is_primary:
        _lock_client(client)
        _unset_other_primaries(package, actor=actor)
    _save(package, actor=actor, action="created")
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
)


@transaction.atomic
def package_update(*, package: Package, actor: User | None, **changes) -> Package:
    """Change any subset of the editable fields (PATCH); PUT passes them all."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({field: ["This field cannot be changed here."] for field in unknown})
    package = Package.objects.select_for_update(no_key=True).get(pk=package.pk)
    if package.deleted_at is not None:
        raise ValidationError(
            {"package": ["This package is deleted: restore it before changing it."]}
        )
    if "package_type" in changes:
        package_type = changes.pop("package_type")
        if package_type is not None and package_type.studio_id != package.studio_id:
            raise ValidationError({"package_type_id": ["Choose one of your package types."]})
        package.package_type = package_type
    if "name" in changes:
        package.name = _check_name(changes["name"])
    if "description" in changes:
        package.description = (changes["description"] or "").strip()
    if "total_value" in changes:
        package.total_value_cents = _cents(changes["total_value"])
    if "total_sessions" in changes:
        package.total_sessions = _check_sessions(changes["total_sessions"])
    for field in ("is_active", "start_date", "expiry_date"):
        if field in changes:
            setattr(package, field, changes[field])
    _check_dates(package.start_date, package.expiry_date)
    becomes_primary = changes.get("is_primary") is True and not package.is_primary
    if "is_primary" in changes:
        package.is_primary = bool(changes["is_primary"])
    if becomes_primary:
        _lock_client(package.client)
        _unset_other_primaries(package, actor=actor)
    _save(package, actor=actor, action="updated")
    return package


@transaction.atomic
def package_set_primary(*, package: Package, actor: User | None, primary: bool = True) -> Package:
    """Make this the client's primary package (un-primarying the other) or stop it being primary."""
    _lock_client(package.client)
    package = Package.objects.select_for_update(no_key=True).get(pk=package.pk)
    if package.deleted_at is not None:
        raise ValidationError({"is_primary": ["A deleted package cannot be primary."]})
    if package.is_primary == primary:
        return package
    if primary:
        _unset_other_primaries(package, actor=actor)
    package.is_primary = primary
    _save(package, actor=actor, action="primary_set" if primary else "primary_unset")
    return package


@transaction.atomic
def package_transfer(
    *, package: Package, actor: User | None, to_client: Client, reason: str = ""
) -> Package:
    """Move a package (and what is left of it) to another client of the same studio.

    Sessions already logged stay with the client who trained: only the package row moves.
    """
    package = Package.objects.select_for_update(no_key=True).get(pk=package.pk)
    if package.deleted_at is not None:
        raise ValidationError(
            {"package": ["This package is deleted: restore it before moving it."]}
        )
    if to_client.studio_id != package.studio_id or to_client.deleted_at is not None:
        raise ValidationError({"client_id": ["Choose one of your clients."]})
    if to_client.pk == package.client_id:
        raise ValidationError({"client_id": ["The package already belongs to this client."]})
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise ValidationError({"reason": ["Use at most 500 characters."]})
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
    _save(package, actor=actor, action="transferred", reason=reason)
    return package


@transaction.atomic
def package_delete(*, package: Package, actor: User | None) -> None:
    """Soft delete: the row, its sessions, transfers and history stay, and it can be restored."""
    package = Package.objects.select_for_update(no_key=True).get(pk=package.pk)
    if package.deleted_at is not None:
        return
    package.deleted_at = timezone.now()
    package.is_primary = False
    _save(package, actor=actor, action="deleted")


@transaction.atomic
def package_restore(*, package: Package, actor: User | None) -> Package:
    package = Package.objects.select_for_update(no_key=True).get(pk=package.pk)
    if package.deleted_at is None:
        return package
    package.deleted_at = None
    _save(package, actor=actor, action="restored")
    return package
