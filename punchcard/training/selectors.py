"""Reads of sessions: the sessions list and a studio's calendar day."""

from datetime import datetime, timedelta

from django.db.models import QuerySet

from punchcard.core import dates
from punchcard.core.dates import DateRange
from punchcard.studios.models import Studio
from punchcard.training.models import TrainingSession


def day_bounds(studio: Studio, day) -> tuple[datetime, datetime]:
    """Start and end of a calendar day where the studio is (core.dates.day_start of it and of
    the day after)."""
    zone = studio.tzinfo
    return dates.day_start(day, zone), dates.day_start(day + timedelta(days=1), zone)


def session_list(
    *, studio: Studio, client_id=None, package_id=None, date_from=None, date_to=None
) -> QuerySet:
    sessions = (
        TrainingSession.objects.for_studio(studio)
        .live()
        .select_related("client", "package", "trainer")
    )
    if client_id:
        sessions = sessions.filter(client_id=client_id)
    if package_id:
        sessions = sessions.filter(package_id=package_id)
    lower, upper = DateRange(date_from, date_to).bounds(studio.tzinfo)
    if lower is not None:
        sessions = sessions.filter(starts_at__gte=lower)
    if upper is not None:
        sessions = sessions.filter(starts_at__lt=upper)
    return sessions.order_by("-starts_at", "-id")
