"""Selling and changing packages: create, edit, primary, transfer, delete and restore.

Each service validates, locks what it writes in the one order every writer takes (see _lock),
writes in one transaction only the fields it changes, and stamps the history row with its action.
Errors are django ValidationErrors keyed by the API's field names.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.packages import tallies
from punchcard.packages.models import ExpiryRule, Package, PackageType, Transfer
from punchcard.packages.services.checks import (
    check_dates,
    check_money,
    check_name,
    check_sessions,
    check_validity,
)
from punchcard.studios.models import Studio, User


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
    validity_days = check_validity(validity_days, expiry_rule)
    if expiry_rule == ExpiryRule.FROM_FIRST_SESSION and expiry_date is not None:
        raise ValidationError(
            {"expiry_date": ["Leave the expiry empty: it is set when the first session is logged."]}
        )
    check_dates(start_date, expiry_date)
    package = Package(
        studio=studio,
        client=client,
        package_type=package_type,
        name=check_name(name or f"{total_sessions} sessions"),
        description=(description or "").strip(),
        total_value_cents=check_money(total_value),
        total_sessions=check_sessions(total_sessions),
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
        new["name"] = check_name(changes["name"])
    if "description" in changes:
        new["description"] = (changes["description"] or "").strip()
    if "total_value" in changes:
        new["total_value_cents"] = check_money(changes["total_value"])
    if "total_sessions" in changes:
        new["total_sessions"] = check_sessions(changes["total_sessions"])
    for field in ("is_active", "start_date", "expiry_date"):
        if field in changes:
            new[field] = changes[field]
    if "is_primary" in changes:
        new["is_primary"] = bool(changes["is_primary"])
    if "expiry_rule" in changes or "validity_days" in changes:
        new["expiry_rule"] = changes.get("expiry_rule") or package.expiry_rule
        new["validity_days"] = check_validity(
            changes.get("validity_days", package.validity_days), new["expiry_rule"]
        )
    check_dates(
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
