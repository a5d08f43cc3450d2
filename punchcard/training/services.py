"""Logging, correcting and deleting sessions; the package counter moves in the same transaction.

A used-up, expired or inactive package never blocks a session: the session is recorded and the
caller gets warnings to show.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.packages import counter, rules
from punchcard.packages import services as package_services
from punchcard.packages.models import Package
from punchcard.studios.models import Studio, User
from punchcard.training.models import TrainingSession

WARNING_TEXT = {
    "no_package": "Not covered by a package: this client has no package with sessions left.",
    "package_exceeded": "This package is used up: the session was recorded as overage.",
    "package_expired": "This package has expired: the session was recorded anyway.",
    "package_inactive": "This package is switched off (inactive): the session was recorded anyway.",
    "package_frozen": "This package is frozen on that day: the session was recorded anyway.",
}


@dataclass
class LoggedSession:
    session: TrainingSession
    package: Package | None
    warnings: list[str] = field(default_factory=list)


def _assignment_candidates(studio_id: int, client_id: int, today: date, day: date):
    # One query for both steps: the primary (whatever its state) sorts before every usable one.
    # One filter with an OR of conditions: OR-ing two querysets cost more to build than to run.
    candidates = Package.objects.filter(
        Q(is_primary=True) | rules.status_q(rules.ACTIVE, today),
        studio_id=studio_id,
        client_id=client_id,
        deleted_at__isnull=True,
    )
    return candidates.with_frozen_until(day).order_by(
        F("is_primary").desc(), F("expiry_date").asc(nulls_last=True), "created_at", "id"
    )[:1]


def package_for_new_session(
    *, studio: Studio, client: Client, day: date | None = None
) -> Package | None:
    """The assignment rule: the primary package, else the usable one expiring first, else none.

    The package carries `frozen_until` for `day` (default today), as with_frozen_until() sets it.
    """
    today = studio.today()
    return _assignment_candidates(studio.id, client.id, today, day or today).first()


def warnings_for(package: Package | None, *, today) -> list[str]:
    """What to tell the trainer about the package a session went to (never a refusal).

    A package read with_frozen_until(the session's day) also warns when it was frozen that day.
    """
    if package is None:
        return ["no_package"]
    found = []
    if package.sessions_used > package.total_sessions:
        found.append("package_exceeded")
    if package.is_expired_on(today):
        found.append("package_expired")
    if not package.is_active:
        found.append("package_inactive")
    if getattr(package, "frozen_until", None) is not None:
        found.append("package_frozen")
    return found


def _check_package(studio: Studio, client: Client, package: Package | None) -> None:
    if package is None:
        return
    if package.studio_id != studio.id or package.deleted_at is not None:
        raise ValidationError({"package_id": ["Choose one of this client's packages."]})
    if package.client_id != client.id:
        raise ValidationError({"package_id": ["This package belongs to another client."]})


def _check_fields(duration_minutes: int, status: str, notes: str) -> None:
    if not 1 <= duration_minutes <= 1440:
        raise ValidationError({"duration_minutes": ["Enter a duration from 1 to 1,440 minutes."]})
    if status not in TrainingSession.Status.values:
        raise ValidationError(
            {"status": [f"Choose one of: {', '.join(TrainingSession.Status.values)}."]}
        )
    if len(notes) > 2000:
        raise ValidationError({"notes": ["Use at most 2,000 characters."]})


def _local_day(starts_at: datetime, studio: Studio) -> date:
    return timezone.localtime(starts_at, studio.tzinfo).date()


def _count(session: TrainingSession, studio: Studio, actor: User | None) -> None:
    """Count a session against its package, and start a "from the first session" expiry.

    session.package then holds the counter as the UPDATE left it (exact: read under its lock).
    """
    used = counter.bump(session.package_id, +1)
    if session.package is not None:
        session.package.sessions_used = used
        _start_expiry(session, studio, actor)


def _start_expiry(session: TrainingSession, studio: Studio, actor: User | None) -> None:
    package = session.package
    if package.expiry_waits_for_first_session:
        package_services.start_expiry_on_first_session(
            package_id=package.pk, day=_local_day(session.starts_at, studio), actor=actor
        )


def _result(session: TrainingSession, studio: Studio) -> LoggedSession:
    day = _local_day(session.starts_at, studio)
    package = (
        Package.objects.select_related("client").with_frozen_until(day).get(pk=session.package_id)
        if session.package_id
        else None
    )
    return LoggedSession(session, package, warnings_for(package, today=studio.today()))


def session_log(
    *,
    studio: Studio,
    actor: User | None,
    client: Client,
    package: Package | None = None,
    starts_at: datetime | None = None,
    duration_minutes: int = 60,
    status: str = TrainingSession.Status.COMPLETED,
    notes: str = "",
) -> LoggedSession:
    """Record a session and count it against its package (or the one the rule picks).

    The answer's package is the row read here, with the counter the UPDATE returned (exact:
    the UPDATE holds the row until the transaction ends). The reads before the write lock
    nothing, so on SQLite they do not wait for the write lock.
    """
    if client.studio_id != studio.id or client.deleted_at is not None:
        raise ValidationError({"client_id": ["Choose one of your clients."]})
    notes = (notes or "").strip()
    _check_fields(duration_minutes, status, notes)
    starts_at = starts_at or timezone.now()
    day = _local_day(starts_at, studio)
    if package is None:
        package = package_for_new_session(studio=studio, client=client, day=day)
    else:
        _check_package(studio, client, package)
        # The freeze needs a query anyway; reading the row with it gives the answer the package
        # as stored now, not as the caller read it some time before.
        package = Package.objects.with_frozen_until(day).get(pk=package.pk)
    return _save_and_count(
        studio, actor, client, package, starts_at, duration_minutes, status, notes
    )


def session_log_by_client_id(
    *,
    studio: Studio,
    actor: User | None,
    client_id: int,
    starts_at: datetime | None = None,
    duration_minutes: int = 60,
    status: str = TrainingSession.Status.COMPLETED,
    notes: str = "",
    unknown_client: str = "Choose one of your clients.",
) -> LoggedSession:
    """session_log for a client given by its id, counted against the package the rule picks. A
    client who is not the studio's, or deleted, is a ValidationError on client_id saying
    `unknown_client`, as session_log's check would.
    """
    client = Client.objects.for_studio(studio).live().filter(pk=client_id).first()
    if client is None:
        raise ValidationError({"client_id": [unknown_client]})
    return session_log(
        studio=studio,
        actor=actor,
        client=client,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        status=status,
        notes=notes,
    )


def _save_and_count(studio, actor, client, package, starts_at, duration_minutes, status, notes):
    """Save the session logged and count it, in one transaction; the answer as session_log
    gives it."""
    session = TrainingSession(
        studio=studio,
        client=client,
        package=package,
        trainer=actor,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        status=status,
        notes=notes,
    )
    with transaction.atomic():
        session.save(force_insert=True)
        if package is not None and session.is_counted:
            _count(session, studio, actor)
            if package.expiry_waits_for_first_session:
                # Its expiry started, here or in a writer just before us: read the row again.
                package.refresh_from_db()
    if package is not None:
        package.client = client
    return LoggedSession(session, package, warnings_for(package, today=studio.today()))


UNSET = object()


@transaction.atomic
def session_update(
    *,
    session: TrainingSession,
    actor: User | None,
    package=UNSET,
    starts_at=UNSET,
    duration_minutes=UNSET,
    status=UNSET,
    notes=UNSET,
) -> LoggedSession:
    """Correct a session; if its package or counted-ness changes, the package counters move at
    once."""
    # Lock the row so two edits of one session cannot both move the counters.
    session = (
        TrainingSession.objects.select_for_update(no_key=True, of=("self",))
        .select_related("client", "studio")
        .get(pk=session.pk)
    )
    if session.deleted_at is not None:
        raise ValidationError({"session": ["This session was deleted."]})
    was_counted, old_package_id = session.is_counted, session.package_id
    if package is not UNSET:
        _check_package(session.studio, session.client, package)
        session.package = package
    if starts_at is not UNSET and starts_at is not None:
        session.starts_at = starts_at
    if duration_minutes is not UNSET and duration_minutes is not None:
        session.duration_minutes = duration_minutes
    if status is not UNSET and status is not None:
        session.status = status
    if notes is not UNSET and notes is not None:
        session.notes = notes.strip()
    _check_fields(session.duration_minutes, session.status, session.notes)
    session.save()
    # Two packages move when a counted session changes package: bump them lowest id first, the
    # order every writer locks packages in, so that two such edits cannot deadlock.
    moved = Counter()
    if was_counted:
        moved[old_package_id] -= 1
    if session.is_counted:
        moved[session.package_id] += 1
    for package_id in sorted(pk for pk, delta in moved.items() if pk is not None and delta):
        counter.bump(package_id, moved[package_id])
    if session.is_counted and session.package is not None:
        _start_expiry(session, session.studio, actor)
    return _result(session, session.studio)


@transaction.atomic
def session_delete(*, session: TrainingSession, actor: User | None) -> None:
    """Soft delete; a counted session gives its package the session back at once."""
    session = TrainingSession.objects.select_for_update(no_key=True).get(pk=session.pk)
    if session.deleted_at is not None:
        return
    was_counted = session.is_counted
    session.deleted_at = timezone.now()
    session.save(update_fields=["deleted_at", "updated_at"])
    if was_counted:
        counter.bump(session.package_id, -1)
