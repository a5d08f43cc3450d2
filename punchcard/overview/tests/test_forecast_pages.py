"""The pace forecast where people see it: package page, client page, dashboard and the API."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.models import TrainingSession
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def paced_package(studio, *, name="Ana Lopez", per_week=2, total=30, expiry_days=None):
    """A client who trained `per_week` times a week for 8 weeks, all against one package."""
    client = ClientFactory(studio=studio, name=name)
    package = PackageFactory(
        studio=studio,
        client=client,
        name=f"{name} pack",
        total_sessions=total,
        expiry_date=TODAY + timedelta(days=expiry_days) if expiry_days is not None else None,
    )
    step = timedelta(days=7) / per_week if per_week else None
    for i in range(8 * per_week):
        TrainingSessionFactory(package=package, starts_at=NOW - step * i)
    # Neither of these is part of the pace: too old, and cancelled.
    TrainingSessionFactory(client=client, starts_at=NOW - timedelta(days=60))
    TrainingSessionFactory(
        client=client, starts_at=NOW - timedelta(days=1), status=TrainingSession.Status.CANCELLED
    )
    return package


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


# Package page ----------------------------------------------------------------------------------


def test_package_page_says_when_it_runs_out(owner):
    package = paced_package(owner.studio)  # 30 - 16 = 14 left at 2 a week: 49 days
    html = text_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert "At 2 sessions a week, runs out around <strong>20 April</strong>." in html
    assert "will expire unused" not in html


def test_package_page_warns_when_sessions_would_expire_unused(owner):
    package = paced_package(owner.studio, expiry_days=21)  # 6 more by then, 8 left over
    html = text_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert "At 2 sessions a week, runs out around <strong>20 April</strong>." in html
    assert "8 sessions will expire unused at this pace" in html
    assert "(expires 23 Mar 2026)" in html


def test_package_page_without_recent_sessions_says_there_is_no_pace(owner):
    package = PackageFactory(studio=owner.studio, expiry_date=TODAY + timedelta(days=30))
    html = text_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert "No sessions in the last 8 weeks" in html
    assert "12 sessions will expire unused at this pace" in html


def test_a_used_up_package_has_no_forecast(owner):
    package = paced_package(owner.studio, total=16)
    html = text_of(owner.web.get(reverse("packages:detail", args=[package.pk])))
    assert "runs out around" not in html and "No sessions in the last 8 weeks" not in html


def test_package_page_forecast_costs_one_query(owner, django_assert_max_num_queries):
    package = paced_package(owner.studio, expiry_days=21)
    with django_assert_max_num_queries(8):
        assert owner.web.get(reverse("packages:detail", args=[package.pk])).status_code == 200


# Client page -----------------------------------------------------------------------------------


def test_client_page_shows_the_forecast_of_each_active_package(owner):
    package = paced_package(owner.studio, expiry_days=21)
    html = text_of(owner.web.get(reverse("clients:detail", args=[package.client_id])))
    assert "At 2 sessions a week, runs out around <strong>20 April</strong>." in html
    assert "8 sessions will expire unused at this pace" in html


@pytest.mark.parametrize("count", [1, 12])
def test_client_page_runs_a_fixed_number_of_queries(owner, count, django_assert_max_num_queries):
    package = paced_package(owner.studio, per_week=1, expiry_days=21)
    for n in range(count):
        extra = PackageFactory(
            studio=owner.studio, client=package.client, expiry_date=TODAY + timedelta(days=n + 1)
        )
        TrainingSessionFactory(package=extra)
    with django_assert_max_num_queries(8):
        response = owner.web.get(reverse("clients:detail", args=[package.client_id]))
    assert text_of(response).count('<p class="forecast') == count + 1


# API -------------------------------------------------------------------------------------------


def test_forecast_endpoint_answers_the_numbers(owner):
    package = paced_package(owner.studio, expiry_days=21)
    response = owner.api.get(f"/api/packages/{package.pk}/forecast")
    assert response.status_code == 200
    assert response.json() == {
        "weekly_rate": 2.0,
        "runs_out_on": "2026-04-20",
        "expires_first": True,
        "sessions_expiring_unused": 8,
        "sessions_remaining": 14,
        "sessions_in_window": 16,
        "window_days": 56,
    }


def test_forecast_endpoint_without_pace_or_expiry(trainer):
    package = PackageFactory(studio=trainer.studio)
    assert trainer.api.get(f"/api/packages/{package.pk}/forecast").json() == {
        "weekly_rate": 0.0,
        "runs_out_on": None,
        "expires_first": False,
        "sessions_expiring_unused": 0,
        "sessions_remaining": 12,
        "sessions_in_window": 0,
        "window_days": 56,
    }


def test_forecast_endpoint_checks_ownership_and_sign_in(owner, outsider, client):
    package = paced_package(owner.studio)
    assert outsider.api.get(f"/api/packages/{package.pk}/forecast").status_code == 404
    assert client.get(f"/api/packages/{package.pk}/forecast").status_code == 401
    assert owner.api.get("/api/packages/987654321/forecast").status_code == 404
    owner.api.delete(f"/api/packages/{package.pk}")
    assert owner.api.get(f"/api/packages/{package.pk}/forecast").status_code == 404


def test_forecast_endpoint_is_in_the_api_document(owner):
    operation = owner.api.get("/api/openapi.json").json()["paths"][
        "/api/packages/{package_id}/forecast"
    ]["get"]
    assert {"200", "401", "404", "422"} <= set(operation["responses"])


def test_the_window_is_the_studios_calendar_days(owner):
    # 23:30 UTC on the day before the window opens is already inside it in Auckland (UTC+13).
    owner.studio.timezone = "Pacific/Auckland"
    owner.studio.save()
    today = owner.studio.today()
    package = PackageFactory(studio=owner.studio, total_sessions=20)
    first_day = today - timedelta(days=55)
    inside = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    TrainingSessionFactory(package=package, starts_at=inside.replace(hour=11, minute=30))
    TrainingSessionFactory(package=package, starts_at=inside.replace(hour=10, minute=30))
    body = owner.api.get(f"/api/packages/{package.pk}/forecast").json()
    assert body["sessions_in_window"] == 1


# Dashboard -------------------------------------------------------------------------------------


def test_dashboard_lists_packages_that_will_expire_with_sessions_left(owner):
    paced_package(owner.studio, name="Wasting Wendy", expiry_days=21)
    paced_package(owner.studio, name="Steady Steve", expiry_days=55)  # runs out on day 49
    paced_package(owner.studio, name="Later Lara", total=60, expiry_days=90)  # beyond 60 days
    idle = PackageFactory(
        studio=owner.studio,
        client=ClientFactory(studio=owner.studio, name="Idle Ivan"),
        expiry_date=TODAY + timedelta(days=40),
    )
    html = text_of(owner.web.get(reverse("core:dashboard")))
    section = html.split('id="unused-h"')[1].split("</section>")[0]
    assert "Will expire with sessions left" in html
    assert "Wasting Wendy" in section and "8 of 14 sessions will expire unused" in section
    assert "at 2 sessions a week" in section
    assert "Idle Ivan" in section and f"{idle.total_sessions} of 12 sessions" in section
    assert "no sessions in the last 8 weeks" in section
    assert "Steady Steve" not in section and "Later Lara" not in section
    # Soonest expiry first.
    assert section.index("Wasting Wendy") < section.index("Idle Ivan")


def test_dashboard_says_when_everything_is_on_pace(owner):
    paced_package(owner.studio, expiry_days=55)
    html = text_of(owner.web.get(reverse("core:dashboard")))
    assert "Every package expiring in the next 60 days is on pace" in html


@pytest.mark.parametrize("count", [1, 25])
def test_dashboard_forecast_is_a_fixed_number_of_queries(
    owner, count, django_assert_max_num_queries
):
    for n in range(count):
        client = ClientFactory(studio=owner.studio, name=f"Client {n:02}")
        package = PackageFactory(
            studio=owner.studio, client=client, expiry_date=TODAY + timedelta(days=n % 50 + 1)
        )
        TrainingSessionFactory(package=package, starts_at=NOW - timedelta(days=n % 40))
    with django_assert_max_num_queries(8):
        response = owner.web.get(reverse("core:dashboard"))
    assert text_of(response).count("will expire unused") == min(count, 8)
