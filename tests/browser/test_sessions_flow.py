"""Logging sessions from the dashboard in a real Chromium: counts update at once, warnings appear
in words, and a used-up package never blocks the session."""

import pytest
from playwright.sync_api import Page, expect

from conftest import sign_in, wait_for_htmx
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def quick_log(page: Page, name: str) -> None:
    wait_for_htmx(page)
    page.get_by_label("Client name").fill(name.split()[0])
    choices = page.locator("#quick-choices")
    expect(choices).to_contain_text(name)
    choices.get_by_role("button", name=f"Log session for {name}").click()


def test_log_from_dashboard_until_exceeded(page: Page, owner, screenshot, assert_accessible):
    ana = ClientFactory(studio=owner.studio, name="Ana Lopez")
    # Primary: the rule keeps counting against it even when used up, so the overage shows.
    package = PackageFactory(
        studio=owner.studio,
        client=ana,
        name="Starter",
        total_sessions=3,
        total_value_cents=30_000,
        is_primary=True,
    )
    sign_in(page, owner.user.email)
    assert_accessible(page, "dashboard")

    result = page.locator("#log-result")
    quick_log(page, "Ana Lopez")
    expect(result).to_contain_text("1 of 3 used · 2 left")
    expect(result).to_contain_text(
        "running low"
    )  # threshold 2: the near-completion warning appears
    screenshot(page, "sessions-dashboard-near-completion")
    assert_accessible(page, "dashboard after logging")

    quick_log(page, "Ana Lopez")
    quick_log(page, "Ana Lopez")
    expect(result).to_contain_text("3 of 3 used · 0 left")
    quick_log(page, "Ana Lopez")
    expect(result).to_contain_text("4 of 3 used · 1 over")
    expect(result).to_contain_text("This package is used up: the session was recorded as overage.")
    screenshot(page, "sessions-dashboard-exceeded")
    assert Package.objects.get(pk=package.pk).sessions_used == 4

    # The sessions list shows all four, and the phone layout holds.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    expect(page.locator("#session-results tbody tr")).to_have_count(4)
    page.set_viewport_size({"width": 375, "height": 812})
    assert_accessible(page, "sessions list at phone width")
    screenshot(page, "sessions-list-phone")
