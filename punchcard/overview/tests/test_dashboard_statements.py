"""The dashboard's SQL is written once and run with each visit's values: every studio and every
day must still get its own rows, the ones the ORM's own querysets return."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from punchcard.clients.tests.factories import ClientFactory
from punchcard.overview import selectors
from punchcard.packages import services as package_services
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.models import TrainingSession
from punchcard.training.selectors import day_bounds
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def a_busy_studio(studio, seed: int):
    """Packages running low, expiring soon and later, and sessions today, before and uncovered."""
    for n in range(12):
        client = ClientFactory(studio=studio, name=f"Client {seed}-{n:02}")
        package = PackageFactory(
            studio=studio,
            client=client,
            total_sessions=3 + (n + seed) % 5,
            expiry_date=TODAY + timedelta(days=(n * 7 + seed) % 70),
        )
        for hours in range(n % 4):
            TrainingSessionFactory(package=package, starts_at=NOW - timedelta(hours=20 * hours))
        TrainingSessionFactory(client=client, starts_at=NOW - timedelta(days=n % 3, hours=n))


def orm_reading(studio) -> dict:
    """What the dashboard's parts are, asked of the ORM the ordinary way."""
    today = timezone.localdate(timezone=studio.tzinfo)
    start, end = day_bounds(studio, today)
    packages = Package.objects.for_studio(studio)
    sessions = TrainingSession.objects.for_studio(studio).live()
    candidates = packages.usable(today).filter(
        expiry_date__gte=today,
        expiry_date__lte=today + timedelta(days=selectors.FORECAST_HORIZON_DAYS),
    )
    return {
        "near_completion": list(
            packages.near_completion(studio.low_balance_threshold, today)
            .order_by("sessions_remaining", "id")
            .values_list("id", flat=True)[:8]
        ),
        "expiring_soon": list(
            packages.expiring_soon(today)
            .order_by("expiry_date", "id")
            .values_list("id", flat=True)[:8]
        ),
        "candidates": list(candidates.order_by("expiry_date", "id").values_list("id", flat=True)),
        "today_sessions": list(
            sessions.filter(starts_at__gte=start, starts_at__lt=end)
            .order_by("starts_at", "id")
            .values_list("id", flat=True)[:30]
        ),
        "uncovered": list(
            sessions.filter(package__isnull=True, status__in=TrainingSession.COUNTED)
            .filter(starts_at__gte=start - timedelta(days=30))
            .order_by("-starts_at", "-id")
            .values_list("id", flat=True)[:8]
        ),
        "recent_sessions": list(
            sessions.filter(starts_at__lt=start)
            .order_by("-starts_at", "-id")
            .values_list("id", flat=True)[:8]
        ),
    }


def dashboard_reading(studio) -> dict:
    data = selectors.dashboard(studio=studio)
    reading = {key: [row.pk for row in data[key]] for key in ("near_completion", "expiring_soon")}
    reading.update(
        {key: [row["id"] for row in data[key]] for key in ("today_sessions", "uncovered")}
    )
    reading["recent_sessions"] = [row["id"] for row in data["recent_sessions"]]
    flagged = [item["package"].pk for item in data["will_expire_unused"]]
    reading["candidates"] = flagged
    return reading


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_each_studio_and_day_gets_its_own_rows(owner, outsider, zone):
    for seed, studio in enumerate([owner.studio, outsider.studio]):
        studio.timezone = zone
        studio.low_balance_threshold = 2 + seed
        studio.save()
        with time_machine.travel(NOW, tick=False):
            a_busy_studio(studio, seed)
    # Three days in a row, each studio in turn: the SQL of the first visit serves them all.
    for days in range(3):
        with time_machine.travel(NOW + timedelta(days=days), tick=False):
            for studio in (owner.studio, outsider.studio):
                expected, shown = orm_reading(studio), dashboard_reading(studio)
                flagged = shown.pop("candidates")
                assert set(flagged) <= set(expected.pop("candidates"))
                assert shown == expected
                assert any(shown.values())


def test_a_frozen_package_keeps_its_pace_for_after_the_freeze(owner):
    with time_machine.travel(NOW, tick=False):
        # 2 sessions a week for 8 weeks, 8 left, expiring in 30 days: used up in 28, on pace.
        client = ClientFactory(studio=owner.studio, name="Frida Frost")
        package = PackageFactory(
            studio=owner.studio,
            client=client,
            total_sessions=24,
            expiry_date=TODAY + timedelta(days=30),
        )
        for i in range(16):
            TrainingSessionFactory(package=package, starts_at=NOW - timedelta(days=3.5 * i))
        assert selectors.dashboard(studio=owner.studio)["will_expire_unused"] == []
        # Frozen for the next 20 days: the expiry moves out by 21, to day 51, and the pace starts
        # after the freeze: its 28 days still fit.
        package_services.package_freeze(
            package=package, actor=None, starts_on=TODAY, ends_on=TODAY + timedelta(days=20)
        )
        assert selectors.dashboard(studio=owner.studio)["will_expire_unused"] == []
        # Expiring on day 45: 24 days of pace after the freeze use 6 of the 8, where a pace
        # counted from today would have used them all by day 28.
        Package.objects.filter(pk=package.pk).update(expiry_date=TODAY + timedelta(days=45))
        (item,) = selectors.dashboard(studio=owner.studio)["will_expire_unused"]
        frozen = Package.objects.with_frozen_until(TODAY).get(pk=package.pk)
        counts = selectors.recent_session_counts(
            studio=owner.studio, client_ids=[client.pk], today=TODAY
        )
        expected = selectors.package_forecasts([frozen], counts=counts, today=TODAY)[package.pk]
        assert item["forecast"] == expected
        assert expected.sessions_expiring_unused == 8 - 6
