"""The dashboard's reads: eight queries in all, the merged scans show what the separate ones did, and
the plain rows it shows say what the model instances said."""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from punchcard.clients.tests.factories import ClientFactory
from punchcard.overview import selectors
from punchcard.packages.models import Package
from punchcard.packages.rules import state as package_state_on
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.models import TrainingSession
from punchcard.training.selectors import session_list
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def mixed_packages(studio, count=40, seed=1):
    """Packages expiring from 20 days ago to 90 days ahead (or never), some used up or switched off,
    held by clients training at different paces."""
    rng = random.Random(seed)
    clients = [ClientFactory(studio=studio) for _ in range(count // 3 + 1)]
    for _package in range(count):
        days = rng.choice([None, -20, -1, 0, 1, 5, 14, 15, 30, 59, 60, 61, 90])
        package = PackageFactory(
            studio=studio,
            client=rng.choice(clients),
            total_sessions=rng.choice([2, 5, 12]),
            is_active=rng.random() > 0.15,
            expiry_date=None if days is None else TODAY + timedelta(days=days),
            deleted_at=NOW if rng.random() < 0.05 else None,
        )
        for _ in range(rng.choice([0, 0, 1, 3, 6])):
            TrainingSessionFactory(
                package=package, starts_at=NOW - timedelta(days=rng.randrange(0, 80))
            )


def test_the_dashboard_runs_eight_queries_with_the_sign_in(owner, django_assert_max_num_queries):
    mixed_packages(owner.studio)
    with django_assert_max_num_queries(8):
        assert owner.web.get(reverse("core:dashboard")).status_code == 200


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_expiring_soon_is_what_its_own_query_would_show(owner, seed):
    mixed_packages(owner.studio, seed=seed)
    expected = list(
        Package.objects.for_studio(owner.studio)
        .expiring_soon(TODAY)
        .order_by("expiry_date", "id")[: selectors.DASHBOARD_ROWS]
    )
    shown = selectors.dashboard(studio=owner.studio)["expiring_soon"]
    assert [p.pk for p in shown] == [p.pk for p in expected]
    assert [p.client.name for p in shown] == [p.client.name for p in expected]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_will_expire_unused_agrees_with_the_separate_count(owner, seed):
    mixed_packages(owner.studio, seed=seed)
    # The rule as two queries: the candidates, then one grouped count of their holders' sessions.
    candidates = list(
        Package.objects.for_studio(owner.studio)
        .usable(TODAY)
        .filter(
            expiry_date__isnull=False,
            expiry_date__lte=TODAY + timedelta(days=selectors.FORECAST_HORIZON_DAYS),
        )
        .order_by("expiry_date", "id")[: selectors.FORECAST_CANDIDATES]
    )
    counts = selectors.recent_session_counts(
        studio=owner.studio, client_ids={p.client_id for p in candidates}, today=TODAY
    )
    forecasts = selectors.package_forecasts(candidates, counts=counts, today=TODAY)
    expected = [p.pk for p in candidates if forecasts[p.pk].expires_first]
    shown = selectors.will_expire_unused(studio=owner.studio, today=TODAY)
    assert [item["package"].pk for item in shown] == expected[: selectors.DASHBOARD_ROWS]
    for item in shown:
        assert item["forecast"] == forecasts[item["package"].pk]
        package = Package.objects.select_related("client").get(pk=item["package"].pk)
        assert item["package"].client.name == package.client.name
        assert item["package"].remaining == package.remaining


def test_candidates_count_only_counted_sessions_in_the_window(owner):
    package = PackageFactory(studio=owner.studio, expiry_date=TODAY + timedelta(days=10))
    for days, status in [(0, "completed"), (55, "no_show"), (56, "completed"), (3, "cancelled")]:
        TrainingSessionFactory(package=package, starts_at=NOW - timedelta(days=days), status=status)
    TrainingSessionFactory(client=package.client, starts_at=NOW, deleted_at=NOW)
    (candidate,) = selectors.forecast_candidates(studio=owner.studio, today=TODAY)
    assert candidate.window_count == 2
    assert candidate.package.pk == package.pk and candidate.remaining == 12 - 3
    assert TrainingSession.objects.filter(client=package.client).count() == 5


# The rows the page shows: plain values that must say what the model instances said --------------


def test_package_rows_follow_the_package_rules(owner):
    mixed_packages(owner.studio, seed=4)
    data = selectors.dashboard(studio=owner.studio)
    rows = data["near_completion"] + data["expiring_soon"]
    rows += [item["package"] for item in data["will_expire_unused"]]
    assert rows
    threshold = owner.studio.low_balance_threshold
    packages = Package.objects.in_bulk([row.pk for row in rows])
    for row in rows:
        package = packages[row.pk]
        assert package_state_on(row, today=TODAY, threshold=threshold) == package_state_on(
            package, today=TODAY, threshold=threshold
        )
        assert (row.name, row.client.pk, row.client.name) == (
            package.name,
            package.client_id,
            package.client.name,
        )
        assert (row.remaining, row.progress_percent, row.expiry_date) == (
            package.remaining,
            package.progress_percent,
            package.expiry_date,
        )


def sessions_of_every_kind(studio):
    """Today's sessions in each status, with and without a package, and names that need escaping."""
    client = ClientFactory(studio=studio, name="O'Brien & <Sons>")
    package = PackageFactory(studio=studio, client=client, name="Ten <pack> & more")
    for hours, status in enumerate(TrainingSession.Status.values):
        TrainingSessionFactory(
            package=package, status=status, starts_at=NOW - timedelta(hours=hours)
        )
        TrainingSessionFactory(
            client=client, status=status, starts_at=NOW - timedelta(hours=hours, minutes=30)
        )


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_session_tables_show_what_the_shared_rows_show(owner, rf, zone):
    owner.studio.timezone = zone
    owner.studio.save()
    sessions_of_every_kind(owner.studio)
    request = rf.get("/")
    with timezone.override(owner.studio.tzinfo):
        response = owner.web.get(reverse("core:dashboard"))
        rows = response.context["today_sessions"]
        instances = list(
            session_list(studio=owner.studio)
            .filter(pk__in=[row["id"] for row in rows])
            .order_by("starts_at", "id")
        )
        assert len(rows) == len(instances) == 8
        columns = {"show_client": True, "show_package": True, "caption": "Today's sessions"}
        shared = render_to_string(
            "training/_session_rows.html", {"sessions": instances, **columns}, request=request
        )
        ours = render_to_string(
            "overview/_dashboard_sessions.html", {"sessions": rows, **columns}, request=request
        )
    assert normalised(ours) == normalised(shared)
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in ours and "Not covered" in ours


def test_dashboard_shows_session_times_in_the_studios_zone(owner):
    owner.studio.timezone = "Europe/Berlin"  # UTC+1 in March
    owner.studio.save()
    client = ClientFactory(studio=owner.studio, name="Late Lena")
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: today there, not yesterday.
    TrainingSessionFactory(client=client, starts_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    html = owner.web.get(reverse("core:dashboard")).content.decode()
    today = html.split('id="today-h"')[1].split("</section>")[0]
    assert "Mon 2 Mar, 00:30" in today and "session of Late Lena on 2 Mar" in today


def test_will_expire_unused_reads_on_until_it_has_its_rows(owner, django_assert_max_num_queries):
    # 30 packages on pace (a client training daily, 2 sessions left), then 10 that are not: the
    # candidates are read in chunks, and the flagged ones are past the first chunks.
    for n in range(40):
        on_pace = n < 30
        package = PackageFactory(
            studio=owner.studio,
            client=ClientFactory(studio=owner.studio, name=f"Client {n:02}"),
            total_sessions=12,
            expiry_date=TODAY + timedelta(days=20 + n),
        )
        for day in range(10 if on_pace else 0):
            TrainingSessionFactory(package=package, starts_at=NOW - timedelta(days=day))
    shown = selectors.will_expire_unused(studio=owner.studio, today=TODAY)
    assert [item["package"].client.name for item in shown] == [
        f"Client {n:02}" for n in range(30, 38)
    ]
    with django_assert_max_num_queries(8):
        response = owner.web.get(reverse("core:dashboard"))
    assert [item["package"].pk for item in response.context["will_expire_unused"]] == [
        item["package"].pk for item in shown
    ]
