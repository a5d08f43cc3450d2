"""GET /api/analytics/packages: the contract of shared/api.md, checked against the hand-computed fixture."""

from datetime import date

import pytest

from punchcard.analytics.tests.test_analytics_selectors import (
    NOW,
    _frozen_now,  # noqa: F401  (autouse: the fixture's "today")
    build_fixture,
    make_package,
)
from punchcard.packages.tests.factories import PackageTypeFactory
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

URL = "/api/analytics/packages"


def test_it_answers_the_hand_computed_figures_for_2026(owner):
    build_fixture(owner.studio)
    response = owner.api.get(URL, {"from": "2026-01-01", "to": "2026-12-31"})
    assert response.status_code == 200
    body = response.json()
    assert body.pop("sessions_by_month") == []
    assert body == {
        "package_count": 7,
        "average_package_value": "814.29",
        "completion_rate": 0.6667,
        "popular_types": [
            {"name": "Custom 7", "count": 2, "package_type_id": None},
            {
                "name": "Flex 12",
                "count": 2,
                "package_type_id": body["popular_types"][1]["package_type_id"],
            },
            {
                "name": "Standard",
                "count": 2,
                "package_type_id": body["popular_types"][2]["package_type_id"],
            },
            {"name": "Trial", "count": 1, "package_type_id": None},
        ],
        "revenue_by_type": [
            {
                "name": "Standard",
                "revenue": "2400.00",
                "count": 2,
                "package_type_id": body["popular_types"][2]["package_type_id"],
            },
            {
                "name": "Flex 12",
                "revenue": "2000.00",
                "count": 2,
                "package_type_id": body["popular_types"][1]["package_type_id"],
            },
            {"name": "Custom 7", "revenue": "1200.00", "count": 2, "package_type_id": None},
            {"name": "Trial", "revenue": "100.00", "count": 1, "package_type_id": None},
        ],
        "unused_session_value": "1635.71",
        "expired_unused_value": "416.67",
        "currency": "USD",
        "revenue": "5700.00",
        "completed_count": 2,
        "expired_count": 1,
    }
    assert isinstance(body["popular_types"][1]["package_type_id"], int)


def test_without_a_range_it_covers_all_time(owner):
    build_fixture(owner.studio)
    body = owner.api.get(URL).json()
    assert body["package_count"] == 8
    assert body["average_package_value"] == "862.50"
    assert body["revenue"] == "6900.00"
    assert body["unused_session_value"] == "2835.71"
    assert body["revenue_by_type"][0] == {
        "name": "Standard",
        "revenue": "3600.00",
        "count": 3,
        "package_type_id": body["revenue_by_type"][0]["package_type_id"],
    }


def test_blank_bounds_are_no_bounds(owner):
    build_fixture(owner.studio)
    assert owner.api.get(URL + "?from=&to=").json()["package_count"] == 8


def test_each_end_is_a_studio_local_day_inclusive(owner):
    build_fixture(owner.studio)
    # B was created at 00:00 on 1 Jan 2026 in New York, H at 23:30 on 31 Dec 2025.
    assert (
        owner.api.get(URL, {"from": "2026-01-01", "to": "2026-01-01"}).json()["package_count"] == 1
    )
    assert owner.api.get(URL, {"to": "2025-12-31"}).json()["package_count"] == 1


def test_it_names_the_currency_of_the_studio(owner):
    owner.studio.currency = "EUR"
    owner.studio.save(update_fields=["currency"])
    make_package(owner.studio, NOW, total_value_cents=100_000, total_sessions=12)
    body = owner.api.get(URL).json()
    assert body["currency"] == "EUR" and body["average_package_value"] == "1000.00"


def test_an_empty_studio_answers_zeros_and_a_null_completion_rate(owner):
    body = owner.api.get(URL).json()
    assert body == {
        "package_count": 0,
        "average_package_value": "0.00",
        "completion_rate": None,
        "popular_types": [],
        "revenue_by_type": [],
        "unused_session_value": "0.00",
        "expired_unused_value": "0.00",
        "currency": "USD",
        "revenue": "0.00",
        "completed_count": 0,
        "expired_count": 0,
        "sessions_by_month": [],
    }


def test_sessions_by_month_is_included(owner):
    package = make_package(owner.studio, NOW)
    TrainingSessionFactory(package=package, starts_at=NOW)
    body = owner.api.get(URL, {"from": "2026-11-01", "to": "2026-11-30"}).json()
    assert body["sessions_by_month"] == [{"month": "2026-11", "sessions": 1}]


def test_it_checks_the_role(trainer):
    response = trainer.api.get(URL)
    assert response.status_code == 403
    assert "owner" in response.json()["detail"]


def test_it_requires_sign_in(client):
    assert client.get(URL).status_code == 401


def test_the_browser_session_works_too(owner):
    assert owner.web.get(URL).status_code == 200


def test_it_checks_ownership(owner, outsider):
    build_fixture(owner.studio)
    make_package(
        outsider.studio, NOW, name="Charlie's ten", total_value_cents=77_700, total_sessions=10
    )
    body = outsider.api.get(URL).json()
    assert body["package_count"] == 1
    assert body["revenue"] == "777.00"
    assert [t["name"] for t in body["popular_types"]] == ["Charlie's ten"]


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-02-30"}, {"to": "2026-1-1x"}],
)
def test_bad_dates_are_a_422_naming_the_field(owner, params):
    response = owner.api.get(URL, params)
    assert response.status_code == 422
    (field,) = params
    assert [item["loc"][-1] for item in response.json()["detail"]] == [field]


def test_from_after_to_is_a_422_naming_to(owner):
    response = owner.api.get(URL, {"from": "2026-03-02", "to": "2026-03-01"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "to"]
    assert "on or after" in error["msg"]


def test_dates_at_the_ends_of_the_calendar_never_fail(owner):
    owner.studio.timezone = "Pacific/Kiritimati"
    owner.studio.save(update_fields=["timezone"])
    make_package(owner.studio, NOW)
    response = owner.api.get(URL, {"from": "0001-01-01", "to": "9999-12-31"})
    assert response.status_code == 200 and response.json()["package_count"] == 1


def test_the_openapi_document_describes_it(owner):
    schema = owner.api.get("/api/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to"}
    assert set(operation["responses"]) >= {"200", "403", "422"}


@pytest.mark.parametrize("size", [3, 40])
def test_it_runs_a_fixed_number_of_queries(owner, size, django_assert_max_num_queries):
    kinds = [PackageTypeFactory(studio=owner.studio, name=n) for n in ("Starter", "Elite")]
    for i in range(size):
        package = make_package(owner.studio, NOW, package_type=kinds[i % 2])
        TrainingSessionFactory(package=package, starts_at=NOW)
    # Two for the token (look-up, last-used stamp), then the three analytics queries.
    with django_assert_max_num_queries(5):
        response = owner.api.get(URL, {"from": date(2026, 1, 1).isoformat()})
    assert response.json()["package_count"] == size
