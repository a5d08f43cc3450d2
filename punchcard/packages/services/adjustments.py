"""Adjustments (sessions added or removed by hand), freezes, and the expiry that starts with the
first session: writes that change what a package holds without selling or moving it."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from punchcard.packages import counter
from punchcard.packages.models import MAX_FREEZE_DAYS, Adjustment, ExpiryRule, Freeze, Package
from punchcard.packages.services.checks import MAX_SESSIONS, check_reason
from punchcard.packages.services.packages import _lock, _save
from punchcard.studios.models import User


def _lock_live(package: Package, what: str) -> Package:
    package, _ = _lock(package.pk)
    if package.deleted_at is not None:
        raise ValidationError(
            {"package": [f"This package is deleted: restore it before {what} it."]}
        )
    return package


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
    reason = check_reason(reason, required=True)
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
    reason = check_reason(reason, required=False)
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
