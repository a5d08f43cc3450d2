"""Reads that combine apps: the dashboard, and the pace forecast of packages from their holders'
sessions. Each a fixed number of queries."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import chain, islice
from typing import NamedTuple

from django.db.models import Count, OuterRef, QuerySet, Subquery

from punchcard.clients.models import Client
from punchcard.core.expressions import RowCount
from punchcard.packages import forecast as pace
from punchcard.packages.models import Package
from punchcard.packages.rules import EXPIRING_SOON_DAYS
from punchcard.studios.models import Studio
from punchcard.training.models import TrainingSession
from punchcard.training.selectors import day_bounds

DASHBOARD_ROWS = 8
TODAY_ROWS = 30


class ClientRef(NamedTuple):
    pk: int
    name: str


class PackageRow:
    """A package as the dashboard lists it: the fields it shows, and Package's own rules on them.

    The dashboard shows a few dozen packages (and weighs 200 forecast candidates); plain values
    cost a fraction of model instances and their clients. The status rules are Package's
    functions, borrowed, so they stay in one place.
    """

    __slots__ = (
        "pk",
        "name",
        "client",
        "total_sessions",
        "sessions_used",
        "is_active",
        "expiry_date",
        "deleted_at",
    )
    FIELDS = (
        "id",
        "name",
        "client_id",
        "client_name",
        "total_sessions",
        "sessions_used",
        "is_active",
        "expiry_date",
        "deleted_at",
    )

    Status = Package.Status
    remaining = Package.remaining
    progress_percent = Package.progress_percent
    is_expired_on = Package.is_expired_on
    status_on = Package.status_on
    near_completion_on = Package.near_completion_on
    expiring_soon_on = Package.expiring_soon_on

    def __init__(self, row: tuple):
        (
            self.pk,
            self.name,
            client_id,
            client_name,
            self.total_sessions,
            self.sessions_used,
            self.is_active,
            self.expiry_date,
            self.deleted_at,
        ) = row[: len(self.FIELDS)]
        self.client = ClientRef(client_id, client_name)

    @property
    def client_id(self) -> int:
        return self.client.pk


SESSION_STATUS_LABELS = dict(TrainingSession.Status.choices)


# The dashboard's reads -------------------------------------------------------------------------


def _sessions(studio) -> QuerySet:
    return TrainingSession.objects.for_studio(studio).live()


SESSION_COLUMNS = ("id", "starts_at", "status", "duration_minutes", "client_id", "package_id")


def _name_of(model, key: str) -> Subquery:
    """The name of the row `key` points to, as a scalar subquery: a look-up by primary key per
    shown row, where a join would be planned for every row considered."""
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values("name"))


def _session_values(sessions: QuerySet) -> QuerySet:
    return sessions.annotate(
        client_name=_name_of(Client, "client_id"), package_name=_name_of(Package, "package_id")
    ).values_list(*SESSION_COLUMNS, "client_name", "package_name")


def _package_values(packages: QuerySet, *extra: str) -> QuerySet:
    return packages.annotate(client_name=_name_of(Client, "client_id")).values_list(
        *PackageRow.FIELDS, *extra
    )


def _dashboard_sessions(studio, start, end, since) -> tuple[list, list, list]:
    """Today's sessions (first ones first, one extra row telling whether there are more), the
    counted sessions without a package of the last 30 days, and those before today (newest
    first)."""
    today = _sessions(studio).filter(starts_at__gte=start, starts_at__lt=end)
    uncovered = (
        _sessions(studio)
        .filter(package__isnull=True, status__in=TrainingSession.COUNTED)
        .filter(starts_at__gte=since)
    )
    before = _sessions(studio).filter(starts_at__lt=start)
    return (
        list(_session_values(today.order_by("starts_at", "id"))[: TODAY_ROWS + 1]),
        list(_session_values(uncovered.order_by("-starts_at", "-id"))[:DASHBOARD_ROWS]),
        list(_session_values(before.order_by("-starts_at", "-id"))[:DASHBOARD_ROWS]),
    )


def _session_rows(rows: list[tuple]) -> list[dict]:
    """Sessions as the dashboard's tables show them (overview/_dashboard_sessions.html): dicts of
    the shown fields, not model instances with their clients and packages."""
    keys = (*SESSION_COLUMNS, "client_name", "package_name")
    sessions = [dict(zip(keys, row, strict=True)) for row in rows]
    for session in sessions:
        session["status_label"] = SESSION_STATUS_LABELS[session["status"]]
    return sessions


def dashboard(*, studio: Studio) -> dict:
    """Everything the dashboard shows, in three statements (the sign-in adds its own): the
    packages near completion, the forecast's candidates, and the three session tables at once.

    "Expiring in the next 14 days" is the head of the forecast's candidates (the same order, and
    a 60-day horizon holds the 14 days), so it costs no query of its own. Rows are plain values
    (PackageRow, session dicts), not model instances: only the fields the page shows are read.
    """
    today = studio.today()
    candidates = forecast_candidates(studio=studio, today=today)
    head = list(islice(candidates, DASHBOARD_ROWS))
    unused = will_expire_unused(studio=studio, today=today, candidates=chain(head, candidates))
    soon = today + timedelta(days=EXPIRING_SOON_DAYS)
    start, end = day_bounds(studio, today)
    today_sessions, uncovered, recent = _dashboard_sessions(
        studio, start, end, since=start - timedelta(days=30)
    )
    near_completion = _package_values(
        Package.objects.for_studio(studio)
        .near_completion(studio.low_balance_threshold, today)
        .order_by("sessions_remaining", "id")
    )[:DASHBOARD_ROWS]
    return {
        "today": today,
        "near_completion": [PackageRow(row) for row in near_completion],
        "expiring_soon": [c.package for c in head if c.expiry_date <= soon],
        "uncovered": _session_rows(uncovered),
        # A chain logs hundreds a day: show the first ones, and link to the rest (one extra row
        # tells whether there are more, without a count).
        "today_sessions": _session_rows(today_sessions[:TODAY_ROWS]),
        "today_more": len(today_sessions) > TODAY_ROWS,
        "recent_sessions": _session_rows(recent),
        "will_expire_unused": unused,
    }


# Pace forecast ---------------------------------------------------------------------------------

# The dashboard forecasts only packages expiring this soon, and at most this many of them (the
# soonest first): one query whatever the studio's size.
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


def _resumes(package, today):
    frozen_until = getattr(package, "frozen_until", None)
    return frozen_until + timedelta(days=1) if frozen_until else today


def package_forecasts(packages, *, counts: dict[int, int], today) -> dict[int, pace.Forecast]:
    """Forecasts of these packages, by package id, from their holders' counts in the window."""
    # A frozen package (frozen_until annotated) resumes its pace the day after the freeze.
    return {
        package.pk: pace.forecast_from_count(
            counts.get(package.client_id, 0),
            today=_resumes(package, today),
            remaining=package.remaining,
            expiry_date=package.expiry_date,
        )
        for package in packages
    }


def _candidates(studio: int, today, horizon, window_start, window_end) -> QuerySet:
    return _package_values(
        Package.objects.for_studio(studio)
        .usable(today)
        .filter(expiry_date__gte=today, expiry_date__lte=horizon)
        .with_frozen_until(today)
        .annotate(window_count=_sessions_of_holder(studio, window_start, window_end))
        .order_by("expiry_date", "id"),
        "window_count",
        "frozen_until",
    )


# Candidates are read in two steps, the first CANDIDATE_PAGE, then (only if the caller reads on)
# the rest: the dashboard stops at its eighth package that will expire unused, so the pace counts
# of all 200 would mostly be computed for nothing, and two queries at most keep the count fixed.
CANDIDATE_PAGE = 2 * DASHBOARD_ROWS


def forecast_candidates(*, studio: Studio, today) -> Iterator["Candidate"]:
    """Usable packages expiring within the horizon, soonest first (at most FORECAST_CANDIDATES),
    each with its holder's counted sessions in the pace window and the end of a freeze that
    covers today: one query, and a second for the rest only if the caller reads past the first
    CANDIDATE_PAGE.

    The expiry is bounded below by today as well: a usable package has not expired, and without
    the bound the scan walks every expired package of the studio first to find the few that
    expire soon. The rows come back as plain values (PackageRow) of the few fields shown.
    """
    window_start, window_end = pace_window(studio, today)
    horizon = today + timedelta(days=FORECAST_HORIZON_DAYS)
    rows = _candidates(studio, today, horizon, window_start, window_end)
    first = list(rows[:CANDIDATE_PAGE])
    yield from map(Candidate, first)
    if len(first) == CANDIDATE_PAGE:
        yield from map(Candidate, rows[CANDIDATE_PAGE:FORECAST_CANDIDATES])


class Candidate:
    """One forecast candidate: the package as the dashboard lists it, its holder's count, and
    the end of a freeze that covers today (None without one)."""

    __slots__ = ("package", "window_count", "frozen_until")

    def __init__(self, row: tuple):
        self.package = PackageRow(row)
        self.window_count, self.frozen_until = row[-2:]

    @property
    def expiry_date(self):
        return self.package.expiry_date

    @property
    def remaining(self) -> int:
        return self.package.remaining


def will_expire_unused(*, studio: Studio, today, candidates=None) -> list[dict]:
    """Active packages expiring within the horizon that the client's pace will not use up in time.

    Soonest expiry first, at most DASHBOARD_ROWS; each a dict with the package and its forecast.
    Reads `candidates` (by default forecast_candidates) only as far as it needs. A frozen
    package's pace starts the day after its freeze, as on the package and client pages.
    """
    if candidates is None:
        candidates = forecast_candidates(studio=studio, today=today)
    flagged = []
    for candidate in candidates:
        found = pace.forecast_from_count(
            candidate.window_count,
            today=_resumes(candidate, today),
            remaining=candidate.remaining,
            expiry_date=candidate.expiry_date,
        )
        if found.expires_first:
            flagged.append({"package": candidate.package, "forecast": found})
            if len(flagged) == DASHBOARD_ROWS:
                break
    return flagged


def recent_sessions_of_holder(studio: Studio, today) -> Subquery:
    """For a package queryset's annotate(): its holder's counted sessions in the forecast window
    (recent_session_counts as a correlated count, so the package's own query brings it)."""
    return _sessions_of_holder(studio, *pace_window(studio, today))


def _sessions_of_holder(studio, start: datetime, end: datetime) -> Subquery:
    in_window = (
        TrainingSession.objects.for_studio(studio)
        .counted()
        .filter(client_id=OuterRef("client_id"), starts_at__gte=start, starts_at__lt=end)
        .order_by()
        .values(n=RowCount())
    )
    return Subquery(in_window)
