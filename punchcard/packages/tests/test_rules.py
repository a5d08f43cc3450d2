"""Status, near completion and expiring soon exactly as product.md defines them, at their edges."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.models import TrainingSession
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 24)


def use(package, n, status=TrainingSession.Status.COMPLETED):
    for _ in range(n):
        TrainingSessionFactory(package=package, status=status)
    package.refresh_from_db()
    return package


def test_status_first_match_wins():
    package = PackageFactory(
        total_sessions=2, expiry_date=TODAY - timedelta(days=1), is_active=False
    )
    assert package.status_on(TODAY) == "expired"  # expired beats inactive
    use(package, 2)
    assert package.status_on(TODAY) == "completed"  # completed beats expired
    package.deleted_at = timezone.now()
    assert package.status_on(TODAY) == "deleted"  # deleted beats everything


@pytest.mark.parametrize(
    ("expiry", "status"),
    [
        (TODAY - timedelta(days=1), "expired"),
        (TODAY, "active"),
        (TODAY + timedelta(days=1), "active"),
        (None, "active"),
    ],
)
def test_expired_means_expiry_before_today(expiry, status):
    assert PackageFactory(expiry_date=expiry).status_on(TODAY) == status


def test_inactive_flag():
    assert PackageFactory(is_active=False).status_on(TODAY) == "inactive"


@pytest.mark.parametrize(
    ("status", "counted"),
    [("completed", True), ("no_show", True), ("late_cancel", True), ("cancelled", False)],
)
def test_counted_statuses(status, counted):
    package = use(PackageFactory(total_sessions=5), 1, status=status)
    assert package.sessions_used == (1 if counted else 0)


def test_overage_shows_negative_remaining_and_value_stays_capped():
    package = use(PackageFactory(total_sessions=2, total_value_cents=10_000), 3)
    assert (package.sessions_used, package.remaining, package.sessions_remaining) == (3, -1, -1)
    assert (package.used_value_cents, package.unused_value_cents) == (10_000, 0)
    assert package.status_on(TODAY) == "completed"


@pytest.mark.parametrize(("used", "near"), [(9, False), (10, True), (11, True), (12, False)])
def test_near_completion_at_threshold(used, near):
    package = use(PackageFactory(total_sessions=12), used)
    # threshold 2: 2 left is near, 3 left is not; 0 left is completed, not near.
    assert package.near_completion_on(TODAY, threshold=2) is near


@pytest.mark.parametrize(("days", "soon"), [(-1, False), (0, True), (14, True), (15, False)])
def test_expiring_soon_within_14_days(days, soon):
    assert PackageFactory(expiry_date=TODAY + timedelta(days=days)).expiring_soon_on(TODAY) is soon


def test_inactive_package_is_neither_near_nor_expiring():
    package = use(PackageFactory(total_sessions=3, is_active=False, expiry_date=TODAY), 2)
    assert not package.near_completion_on(TODAY, 2)
    assert not package.expiring_soon_on(TODAY)


def test_queryset_status_filter_matches_python_rule():
    packages = [
        PackageFactory(),
        PackageFactory(is_active=False),
        PackageFactory(expiry_date=TODAY - timedelta(days=1)),
        use(PackageFactory(total_sessions=1), 1),
        PackageFactory(deleted_at=timezone.now()),
    ]
    for status in ["active", "inactive", "expired", "completed", "deleted"]:
        from_sql = set(Package.objects.with_status(status, TODAY).values_list("pk", flat=True))
        from_python = {
            p.pk for p in packages if Package.objects.get(pk=p.pk).status_on(TODAY) == status
        }
        assert from_sql == from_python and len(from_sql) == 1, status


def test_queryset_warnings_match_python_rules():
    soon, later = TODAY + timedelta(days=14), TODAY + timedelta(days=15)
    packages = [
        use(PackageFactory(total_sessions=4), 2),  # 2 left: near
        use(PackageFactory(total_sessions=4), 1),  # 3 left
        use(PackageFactory(total_sessions=4, is_active=False), 3),  # inactive: never warns
        PackageFactory(expiry_date=soon),
        PackageFactory(expiry_date=later),
        PackageFactory(expiry_date=TODAY - timedelta(days=1)),  # expired: never warns
        use(PackageFactory(total_sessions=2, expiry_date=soon), 2),  # used up: never warns
    ]
    fresh = [Package.objects.get(pk=p.pk) for p in packages]
    near = set(Package.objects.near_completion(2, TODAY).values_list("pk", flat=True))
    assert near == {p.pk for p in fresh if p.near_completion_on(TODAY, 2)} == {packages[0].pk}
    expiring = set(Package.objects.expiring_soon(TODAY).values_list("pk", flat=True))
    assert expiring == {p.pk for p in fresh if p.expiring_soon_on(TODAY)} == {packages[3].pk}


def test_today_is_the_studios_today_not_the_servers():
    package = PackageFactory(expiry_date=date(2026, 11, 24))
    package.studio.timezone = "Pacific/Auckland"  # UTC+13 in November
    # 12:00 UTC on the 24th is already the 25th in Auckland: the package has expired there.
    with time_machine.travel(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), tick=False):
        assert package.studio.today() == date(2026, 11, 25)
        assert package.status_on(package.studio.today()) == "expired"
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=False):
        assert package.status_on(package.studio.today()) == "active"


def test_per_session_value_column_matches_the_money_rule():
    for total, sessions, expected in [
        (216_000, 24, 9_000),
        (100_000, 12, 8_333),
        (10_000, 3, 3_333),
        (5, 2, 3),
    ]:
        package = PackageFactory(total_value_cents=total, total_sessions=sessions)
        stored = Package.objects.values_list("per_session_value_cents", flat=True).get(
            pk=package.pk
        )
        assert stored == package.per_session_cents == expected
