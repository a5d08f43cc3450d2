"""Reads for the dashboard and the sessions list: each a fixed number of queries."""

from datetime import datetime, time, timedelta

from django.db.models import QuerySet

from punchcard.core.dates import DateRange
from punchcard.packages.models import Package
from punchcard.studios.models import Studio
from punchcard.training.models import TrainingSession

DASHBOARD_ROWS = 8


def day_bounds(studio: Studio, day) -> tuple[datetime, datetime]:
    """Start and end of a calendar day where the studio is."""
    start = datetime.combine(day, time.min, tzinfo=studio.tzinfo)
    return start, start + timedelta(days=1)


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


def dashboard(*, studio: Studio) -> dict:
    today = studio.today()
    packages = Package.objects.for_studio(studio).select_related("client")
    start, end = day_bounds(studio, today)
    sessions = TrainingSession.objects.for_studio(studio).live().select_related("client", "package")
    return {
        "today": today,
        "near_completion": list(
            packages.near_completion(studio.low_balance_threshold, today).order_by(
                "sessions_remaining", "id"
            )[:DASHBOARD_ROWS]
        ),
        "expiring_soon": list(
            packages.expiring_soon(today).order_by("expiry_date", "id")[:DASHBOARD_ROWS]
        ),
        "uncovered": list(
            sessions.filter(package__isnull=True, status__in=TrainingSession.COUNTED)
            .filter(starts_at__gte=start - timedelta(days=30))
            .order_by("-starts_at")[:DASHBOARD_ROWS]
        ),
        "today_sessions": list(
            sessions.filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at")
        ),
        "recent_sessions": list(
            sessions.filter(starts_at__lt=start).order_by("-starts_at", "-id")[:DASHBOARD_ROWS]
        ),
    }
