"""Reads for the dashboard and the sessions list: each a fixed number of queries."""

from datetime import datetime, time, timedelta

from django.db.models import Count, QuerySet

from punchcard.core.dates import DateRange
from punchcard.packages import forecast as pace
from punchcard.packages.models import Package
from punchcard.studios.models import Studio
from punchcard.training.models import TrainingSession

DASHBOARD_ROWS = 8
TODAY_ROWS = 30


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
    today_sessions = list(
        sessions.filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "id")[
            : TODAY_ROWS + 1
        ]
    )
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
        # A chain logs hundreds a day: show the first ones, and link to the rest (one extra row
        # tells whether there are more, without a count).
        "today_sessions": today_sessions[:TODAY_ROWS],
        "today_more": len(today_sessions) > TODAY_ROWS,
        "recent_sessions": list(
            sessions.filter(starts_at__lt=start).order_by("-starts_at", "-id")[:DASHBOARD_ROWS]
        ),
        "will_expire_unused": will_expire_unused(studio=studio, today=today),
    }


# Pace forecast ---------------------------------------------------------------------------------

# The dashboard forecasts only packages expiring this soon, and at most this many of them (the
# soonest first): two queries whatever the studio's size.
FORECAST_HORIZON_DAYS = 60
FORECAST_CANDIDATES = 200


def pace_window(studio: Studio, today) -> tuple[datetime, datetime]:
    """The forecast window: the WINDOW_DAYS studio-local days ending with today, as datetimes."""
    start, _ = day_bounds(studio, today - timedelta(days=pace.WINDOW_DAYS - 1))
    _, end = day_bounds(studio, today)
    return start, end


def recent_session_counts(*, studio: Studio, client_ids, today) -> dict[int, int]:
    """Counted sessions per client in the forecast window: one grouped query, 0 when none."""
    client_ids = list(client_ids)
    if not client_ids:
        return {}
    start, end = pace_window(studio, today)
    rows = (
        TrainingSession.objects.for_studio(studio)
        .counted()
        .filter(client_id__in=client_ids, starts_at__gte=start, starts_at__lt=end)
        .order_by()
        .values("client_id")
        .annotate(n=Count("id"))
        .values_list("client_id", "n")
    )
    counts = dict.fromkeys(client_ids, 0)
    counts.update(rows)
    return counts


def package_forecasts(packages, *, counts: dict[int, int], today) -> dict[int, pace.Forecast]:
    """Forecasts of these packages, by package id, from their holders' counts in the window."""
    return {
        package.pk: pace.forecast_from_count(
            counts.get(package.client_id, 0),
            today=today,
            remaining=package.remaining,
            expiry_date=package.expiry_date,
        )
        for package in packages
    }


def will_expire_unused(*, studio: Studio, today) -> list[dict]:
    """Active packages expiring within the horizon that the client's pace will not use up in time.

    Soonest expiry first, at most DASHBOARD_ROWS; each a dict with the package and its forecast.
    """
    candidates = list(
        Package.objects.for_studio(studio)
        .usable(today)
        .filter(
            expiry_date__isnull=False,
            expiry_date__lte=today + timedelta(days=FORECAST_HORIZON_DAYS),
        )
        .select_related("client")
        .order_by("expiry_date", "id")[:FORECAST_CANDIDATES]
    )
    counts = recent_session_counts(
        studio=studio, client_ids={p.client_id for p in candidates}, today=today
    )
    forecasts = package_forecasts(candidates, counts=counts, today=today)
    flagged = [
        {"package": p, "forecast": forecasts[p.pk]}
        for p in candidates
        if forecasts[p.pk].expires_first
    ]
    return flagged[:DASHBOARD_ROWS]
