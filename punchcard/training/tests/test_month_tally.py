"""The stored count of counted sessions per studio-local month (SessionMonthTally) equals the rows
after every write that changes which sessions count or their month."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services as package_services
from punchcard.packages.tests.factories import PackageFactory, PackageTypeFactory
from punchcard.studios import services as studio_services
from punchcard.studios.models import Studio
from punchcard.training import counts, services
from punchcard.training.models import SessionMonthTally, TrainingSession
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
# 30 Nov 2026 20:00 UTC is already 1 December in Auckland (UTC+13).
NOVEMBER_EVENING = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ana(owner):
    return ClientFactory(studio=owner.studio, name="Ana Lopez")


def tally(studio) -> dict[str, int]:
    """The stored count of each month (the sum of its shards), months at 0 left out."""
    found = {}
    for month, n in SessionMonthTally.objects.filter(studio=studio).values_list(
        "month", "sessions"
    ):
        found[f"{month:%Y-%m}"] = found.get(f"{month:%Y-%m}", 0) + n
    return {month: n for month, n in sorted(found.items()) if n}


def exact(*studios) -> bool:
    return counts.tally_drifted([s.pk for s in studios]) == []


def log(owner, client, **fields):
    return services.session_log(studio=owner.studio, actor=owner.user, client=client, **fields)


def test_logging_counts_counted_sessions_in_their_month_with_or_without_a_package(owner, ana):
    package = PackageFactory(studio=owner.studio, client=ana)
    log(owner, ana, package=package)
    log(owner, ana, starts_at=datetime(2026, 10, 31, 23, 0, tzinfo=UTC))  # none: the rule's
    log(owner, ClientFactory(studio=owner.studio), starts_at=datetime(2026, 10, 2, tzinfo=UTC))
    log(owner, ana, status="no_show")
    log(owner, ana, status="cancelled")  # not counted
    assert tally(owner.studio) == {"2026-10": 2, "2026-11": 2}
    assert exact(owner.studio)


def test_the_month_is_the_studios_local_month(owner, ana):
    studio_services.studio_update(studio=owner.studio, timezone="Pacific/Auckland")
    log(owner, ana, starts_at=NOVEMBER_EVENING)
    assert tally(owner.studio) == {"2026-12": 1}
    assert exact(owner.studio)


def test_an_api_post_counts_its_month(owner, ana):
    response = owner.api.post(
        "/api/sessions",
        {"client_id": ana.pk, "starts_at": "2026-09-05T10:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert tally(owner.studio) == {"2026-09": 1}


def test_a_first_session_that_starts_the_expiry_counts_its_month(owner, ana):
    kind = PackageTypeFactory(
        studio=owner.studio, validity_days=30, expiry_rule="from_first_session"
    )
    package = package_services.package_create(
        studio=owner.studio, actor=owner.user, client=ana, package_type=kind
    )
    log(owner, ana, package=package, starts_at=datetime(2026, 8, 3, tzinfo=UTC))
    assert tally(owner.studio) == {"2026-08": 1}
    assert exact(owner.studio)


def test_an_edit_moves_the_session_between_months_and_in_and_out_of_the_count(owner, ana):
    studio_services.studio_update(studio=owner.studio, timezone="Pacific/Auckland")
    session = log(owner, ana, starts_at=datetime(2026, 11, 20, tzinfo=UTC)).session
    assert tally(owner.studio) == {"2026-11": 1}
    # Across the month's end where the studio is (still November in UTC).
    services.session_update(session=session, actor=None, starts_at=NOVEMBER_EVENING)
    assert tally(owner.studio) == {"2026-12": 1}
    services.session_update(session=session, actor=None, status="cancelled")
    assert tally(owner.studio) == {}
    # Moved while not counted, then counted again: it lands in its new month.
    services.session_update(session=session, actor=None, starts_at=datetime(2026, 7, 1, tzinfo=UTC))
    assert tally(owner.studio) == {}
    services.session_update(session=session, actor=None, status="late_cancel")
    assert tally(owner.studio) == {"2026-07": 1}
    # A new package, the same month: the tally stays.
    package = PackageFactory(studio=owner.studio, client=ana)
    services.session_update(session=session, actor=None, package=package)
    assert tally(owner.studio) == {"2026-07": 1}
    assert exact(owner.studio)


def test_a_patch_through_the_api_moves_the_month(owner, ana):
    session = log(owner, ana, starts_at=datetime(2026, 11, 20, tzinfo=UTC)).session
    response = owner.api.patch(
        f"/api/sessions/{session.pk}",
        {"starts_at": "2026-06-01T09:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert tally(owner.studio) == {"2026-06": 1}


def test_a_delete_takes_the_session_out_of_its_month(owner, ana):
    kept = log(owner, ana).session
    gone = log(owner, ana).session
    cancelled = log(owner, ana, status="cancelled").session
    services.session_delete(session=gone, actor=None)
    services.session_delete(session=gone, actor=None)  # twice: once out
    services.session_delete(session=cancelled, actor=None)  # was not counted
    assert tally(owner.studio) == {"2026-11": 1}
    assert kept.pk and exact(owner.studio)


def test_a_new_time_zone_moves_every_session_to_its_new_month(owner, ana, outsider):
    log(owner, ana, starts_at=NOVEMBER_EVENING)
    log(owner, ana, starts_at=datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    other = ClientFactory(studio=outsider.studio)
    services.session_log(
        studio=outsider.studio, actor=None, client=other, starts_at=NOVEMBER_EVENING
    )
    assert tally(owner.studio) == {"2026-03": 1, "2026-11": 1}
    # The settings page, as an owner changes it.
    response = owner.web.post(
        reverse("studios:settings"),
        {
            "name": "Alice's Gym",
            "currency": "USD",
            "timezone": "Pacific/Auckland",
            "low_balance_threshold": 2,
        },
    )
    assert response.status_code == 302
    # 31 March 12:00 UTC is 1 April 01:00 in Auckland (UTC+13 until its DST ends on 5 April).
    assert tally(owner.studio) == {"2026-04": 1, "2026-12": 1}
    assert tally(outsider.studio) == {"2026-11": 1}
    assert exact(owner.studio, outsider.studio)


def test_a_session_logged_by_a_studio_read_before_its_zone_changed_counts_in_the_new_zone(
    owner, ana
):
    read_before = Studio.objects.get(pk=owner.studio.pk)
    studio_services.studio_update(
        studio=Studio.objects.get(pk=owner.studio.pk), timezone="Pacific/Auckland"
    )
    assert read_before.timezone == "UTC"
    services.session_log(studio=read_before, actor=None, client=ana, starts_at=NOVEMBER_EVENING)
    assert tally(owner.studio) == {"2026-12": 1}
    assert exact(owner.studio)


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/London", "Pacific/Kiritimati", "Etc/GMT+12"]
)
def test_a_rebuild_counts_local_months_across_dst_and_the_calendars_edges(owner, ana, zone):
    owner.studio.timezone = zone
    owner.studio.save(update_fields=["timezone"])
    moments = [
        datetime(1, 1, 2, 0, 0, tzinfo=UTC),  # the earliest moment the API takes
        datetime(9999, 12, 30, 0, 0, tzinfo=UTC),  # the latest
        datetime(2026, 3, 1, 4, 59, tzinfo=UTC),  # New York: still February
        datetime(2026, 3, 1, 5, 0, tzinfo=UTC),  # New York: March
        datetime(2026, 11, 1, 3, 59, tzinfo=UTC),  # New York: October, summer time
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC),  # New York: November
        datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
    ]
    TrainingSession.objects.bulk_create(
        TrainingSession(studio=owner.studio, client=ana, starts_at=m) for m in moments
    )
    assert counts.rebuild_tally([owner.studio.pk]) >= 4
    expected = {}
    for moment in moments:
        key = f"{counts.month_of(moment, owner.studio.tzinfo):%Y-%m}"
        expected[key] = expected.get(key, 0) + 1
    assert tally(owner.studio) == expected
    assert exact(owner.studio)


def test_check_counts_finds_and_fixes_a_drifted_month(owner, ana, capsys):
    log(owner, ana)
    call_command("check_counts")
    assert "sessions per month match" in capsys.readouterr().out
    SessionMonthTally.objects.filter(studio=owner.studio).update(sessions=5)
    with pytest.raises(Exception, match="1 month"):
        call_command("check_counts")
    call_command("check_counts", "--fix")
    assert tally(owner.studio) == {"2026-11": 1}
    assert exact(owner.studio)


def test_the_factory_recounts_the_month(owner, ana):
    TrainingSessionFactory(client=ana, starts_at=datetime(2026, 5, 5, tzinfo=UTC))
    TrainingSessionFactory(client=ana, starts_at=datetime(2026, 5, 6, tzinfo=UTC), deleted_at=NOW)
    assert tally(owner.studio) == {"2026-05": 1}


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_tally_from_the_rows(owner, ana, outsider):
    studio_services.studio_update(studio=owner.studio, timezone="Pacific/Auckland")
    executor = MigrationExecutor(connection)
    executor.migrate([("training", "0005_counted_and_live_sessions_indexes")])
    try:
        moments = [NOVEMBER_EVENING, NOVEMBER_EVENING, datetime(2025, 1, 10, tzinfo=UTC)]
        TrainingSession.objects.bulk_create(
            [TrainingSession(studio=owner.studio, client=ana, starts_at=m) for m in moments]
            + [
                TrainingSession(studio=owner.studio, client=ana, starts_at=NOW, status="cancelled"),
                TrainingSession(
                    studio=outsider.studio,
                    client=ClientFactory(studio=outsider.studio),
                    starts_at=NOVEMBER_EVENING,
                ),
            ]
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert tally(owner.studio) == {"2025-01": 1, "2026-12": 2}
    assert tally(outsider.studio) == {"2026-11": 1}
    assert exact(owner.studio, outsider.studio)
