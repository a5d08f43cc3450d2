"""Package types (templates): a new studio's defaults, create or replace, soft delete."""

from django.db import transaction
from django.utils import timezone

from punchcard.packages.models import ExpiryRule, PackageType
from punchcard.packages.services.checks import (
    check_money,
    check_name,
    check_sessions,
    check_validity,
)
from punchcard.studios.models import Studio
from punchcard.studios.services import on_studio_created

DEFAULT_TYPES = [
    ("Starter", 5, 500_00),
    ("Standard", 12, 1200_00),
    ("Premium", 24, 2160_00),
    ("Elite", 50, 4000_00),
]


@on_studio_created
def create_default_types(studio: Studio) -> None:
    PackageType.objects.bulk_create(
        PackageType(studio=studio, name=name, total_sessions=sessions, total_value_cents=cents)
        for name, sessions, cents in DEFAULT_TYPES
    )


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
    validity_days = check_validity(validity_days, expiry_rule)
    if package_type is None:
        package_type = PackageType(studio=studio)
    else:
        # Every editable field is written: read them under the lock, not as the caller read them.
        package_type = PackageType.objects.select_for_update(no_key=True).get(pk=package_type.pk)
    package_type.name = check_name(name)
    package_type.description = (description or "").strip()
    package_type.total_sessions = check_sessions(total_sessions)
    package_type.total_value_cents = check_money(total_value)
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
