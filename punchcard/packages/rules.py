"""A package's status and warnings (product.md, "Status of a package"), each rule in its Python
form (one package) and its Q() form (a queryset) side by side: lists, analytics, reports and
pages all import them from here, so the two forms cannot drift apart.

The Python forms take the fields they read; Package.status_on() and the querysets call them.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

# How far ahead "expiring soon" looks, in days.
EXPIRING_SOON_DAYS = 14

DELETED, COMPLETED, EXPIRED, INACTIVE, ACTIVE = (
    "deleted",
    "completed",
    "expired",
    "inactive",
    "active",
)
STATUS_LABELS = {
    ACTIVE: "Active",
    COMPLETED: "Completed",
    EXPIRED: "Expired",
    INACTIVE: "Inactive",
    DELETED: "Deleted",
}


# Counting: which sessions use up their package (a session cancelled in time does not) ---------

COUNTED_STATUSES = ("completed", "no_show", "late_cancel")


# Status, first match wins ---------------------------------------------------------------------


def status(
    *, deleted: bool, remaining: int, expiry_date: date | None, is_active: bool, today: date
) -> str:
    if deleted:
        return DELETED
    if remaining <= 0:
        return COMPLETED
    if is_expired(expiry_date, today):
        return EXPIRED
    if not is_active:
        return INACTIVE
    return ACTIVE


def status_q(name: str, today: date) -> Q:
    live = Q(deleted_at__isnull=True)
    has_left = Q(sessions_remaining__gt=0)
    expired = Q(expiry_date__lt=today)
    return {
        DELETED: ~live,
        COMPLETED: live & ~has_left,
        EXPIRED: live & has_left & expired,
        INACTIVE: live & has_left & ~expired & Q(is_active=False),
        ACTIVE: live & has_left & ~expired & Q(is_active=True),
    }[name]


def is_expired(expiry_date: date | None, today: date) -> bool:
    """Expired from the day after its expiry date, in the studio's time zone."""
    return expiry_date is not None and expiry_date < today


# The same buckets without the live test, for one aggregate that counts every status of live
# packages at once (analytics). A NULL expiry must land in not_expired, never in neither bucket.


def completed_q() -> Q:
    return Q(sessions_remaining__lte=0)


def expired_q(today: date) -> Q:
    return Q(sessions_remaining__gt=0, expiry_date__lt=today)


def not_expired_q(today: date) -> Q:
    return Q(sessions_remaining__lte=0) | Q(expiry_date__isnull=True) | Q(expiry_date__gte=today)


# Warnings: only an active package warns ---------------------------------------------------------


def is_near_completion(status_name: str, remaining: int, threshold: int) -> bool:
    return status_name == ACTIVE and remaining <= threshold


def near_completion_q(threshold: int, today: date) -> Q:
    return status_q(ACTIVE, today) & Q(sessions_remaining__lte=threshold)


def is_expiring_soon(status_name: str, expiry_date: date | None, today: date) -> bool:
    return (
        status_name == ACTIVE
        and expiry_date is not None
        and expiry_date <= today + timedelta(days=EXPIRING_SOON_DAYS)
    )


def expiring_soon_q(today: date) -> Q:
    return status_q(ACTIVE, today) & Q(expiry_date__lte=today + timedelta(days=EXPIRING_SOON_DAYS))


@dataclass(frozen=True)
class PackageState:
    """A package's status and warnings on one day, and its sessions left and over, as pages show
    them."""

    status: str
    label: str
    near_completion: bool
    expiring_soon: bool
    over: int  # sessions used beyond the total, 0 when not exceeded
    left: int  # sessions left, never below 0

    @property
    def is_expired(self) -> bool:
        return self.status == EXPIRED


def state(package, *, today: date, threshold: int) -> PackageState:
    name = package.status_on(today)
    return PackageState(
        status=name,
        label=STATUS_LABELS[name],
        near_completion=is_near_completion(name, package.remaining, threshold),
        expiring_soon=is_expiring_soon(name, package.expiry_date, today),
        over=max(0, -package.remaining),
        left=max(0, package.remaining),
    )
