"""Analytics in a real Chromium: open the page, switch the date range, watch cards and charts change.

Checked with axe in light and dark mode and at phone width; screenshots land in test-artifacts/.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import sign_in
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory, PackageTypeFactory
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

# (months ago, type, sessions used); this month sells Standard and Premium only.
SALES = [
    (5, "Starter", 5),
    (5, "Standard", 12),
    (4, "Standard", 9),
    (4, "Elite", 30),
    (3, "Premium", 24),
    (3, "Standard", 6),
    (2, "Starter", 2),
    (2, "Elite", 12),
    (1, "Standard", 4),
    (1, "Premium", 3),
    (0, "Standard", 1),
    (0, "Premium", 0),
]
TYPES = {
    "Starter": (5, 50_000),
    "Standard": (12, 120_000),
    "Premium": (24, 216_000),
    "Elite": (50, 400_000),
}


def months_ago(today, months: int, day: int = 3):
    """Noon on `day` of the month `months` before today's (or today itself for this month)."""
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    when = today if months == 0 else first.replace(day=day)
    return datetime.combine(when, time(0, 1), tzinfo=timezone.get_current_timezone())


def seed_studio(studio) -> None:
    today = studio.today()
    kinds = {
        name: PackageTypeFactory(studio=studio, name=name, total_sessions=n, total_value_cents=v)
        for name, (n, v) in TYPES.items()
    }
    for index, (ago, name, used) in enumerate(SALES):
        client = ClientFactory(studio=studio, name=f"Client {index:02d}")
        sessions, value = TYPES[name]
        package = PackageFactory(
            studio=studio,
            client=client,
            package_type=kinds[name],
            name=name,
            total_sessions=sessions,
            total_value_cents=value,
        )
        Package.objects.filter(pk=package.pk).update(created_at=months_ago(today, ago))
        for k in range(used):
            # Sessions spread over the months since the sale, so the monthly chart has a shape.
            TrainingSessionFactory(
                package=package,
                starts_at=months_ago(today, max(ago - k % (ago + 1), 0), 5 + k % 20),
            )


def test_switching_the_range_changes_cards_and_charts(
    page: Page, owner, screenshot, assert_accessible
):
    seed_studio(owner.studio)
    sign_in(page, owner.user.email)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Package analytics")
    expect(nav.get_by_role("link", name="Analytics")).to_have_attribute("aria-current", "page")

    count = page.locator('[data-figure="package_count"]')
    revenue_chart = page.get_by_role("img", name="Revenue per package type (bar chart)")
    presets = page.get_by_role("navigation", name="Date range presets")
    expect(presets.get_by_role("link", name="All time")).to_have_attribute("aria-current", "true")
    expect(count).to_have_text("12")
    expect(page.locator('[data-figure="revenue"]')).to_have_text("$21,480.00")
    expect(revenue_chart).to_be_visible()
    expect(revenue_chart).to_contain_text("Elite")
    expect(
        page.get_by_role("img", name="Sessions delivered per month (column chart)")
    ).to_be_visible()
    assert_accessible(page, "analytics, all time")
    screenshot(page, "analytics-all-time")

    # A preset swaps the figures in place (htmx) and bookmarks the range in the URL.
    presets.get_by_role("link", name="This month").click()
    expect(page).to_have_url(re.compile(r"\?range=this-month$"))
    expect(count).to_have_text("2")
    expect(page.locator('[data-figure="revenue"]')).to_have_text("$3,360.00")
    expect(presets.get_by_role("link", name="This month")).to_have_attribute("aria-current", "true")
    expect(revenue_chart).not_to_contain_text("Elite")
    expect(revenue_chart).to_contain_text("Premium")
    assert_accessible(page, "analytics, this month")
    screenshot(page, "analytics-this-month")

    # The table behind a chart, with links to the packages list.
    page.get_by_text("Show as table").first.click()
    table = page.get_by_role("table", name="Revenue per package type, highest first")
    expect(table.get_by_role("link", name="Standard")).to_have_attribute(
        "href", "/packages/?q=Standard"
    )

    # A typed range: from the first sale's month to the month before this one.
    today = owner.studio.today()
    page.get_by_label("From", exact=True).fill(months_ago(today, 5, 1).date().isoformat())
    page.get_by_label("To", exact=True).fill((today.replace(day=1) - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(count).to_have_text("10")
    expect(page).to_have_url(re.compile(r"from=.*&to="))
    expect(presets.get_by_role("link", name="All time")).not_to_have_attribute(
        "aria-current", "true"
    )

    # Dark mode and a phone.
    presets.get_by_role("link", name="Last 3 months").click()
    expect(page).to_have_url(re.compile(r"\?range=last-3-months$"))
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "analytics, dark")
    screenshot(page, "analytics-dark")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "sideways scroll at 375px"
    )
    assert_accessible(page, "analytics, phone, dark")
    screenshot(page, "analytics-phone-dark")
    page.emulate_media(color_scheme="light")
    assert_accessible(page, "analytics, phone")
    screenshot(page, "analytics-phone")
    page.set_viewport_size(DESKTOP)


def test_an_empty_studio_gets_a_friendly_page(page: Page, owner, screenshot, assert_accessible):
    sign_in(page, owner.user.email)
    page.goto("/analytics/")
    expect(page.get_by_role("heading", name="No packages sold yet")).to_be_visible()
    expect(page.locator('[data-figure="completion_rate"]')).to_have_text("—")
    assert_accessible(page, "analytics, empty")
    screenshot(page, "analytics-empty")


def test_a_trainer_is_refused(page: Page, trainer):
    sign_in(page, trainer.user.email)
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Analytics")
    ).to_have_count(0)
    response = page.goto("/analytics/")
    assert response.status == 403
