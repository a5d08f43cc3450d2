"""Package pages in a real Chromium: the htmx parts (client search, type pre-fill, live per-session
value, list filters and sorting in the URL) work as a person uses them, and pass axe."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import sign_in, wait_for_htmx
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory, PackageTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sell_a_package_with_live_helpers_then_transfer_it(
    page: Page, owner, screenshot, assert_accessible
):
    ClientFactory(studio=owner.studio, name="Ana Lopez")
    ClientFactory(studio=owner.studio, name="Ben Okafor")
    PackageTypeFactory(
        studio=owner.studio, name="Quarter", total_sessions=24, total_value_cents=216_000
    )
    sign_in(page, owner.user.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Packages").click()
    expect(page.get_by_role("heading", name="No packages yet — sell one")).to_be_visible()
    assert_accessible(page, "packages list (empty)")
    page.get_by_role("link", name="Sell a package").first.click()

    # Client picker: type, then pick the radio button.
    wait_for_htmx(page)
    page.get_by_label("Find a client by name or email").fill("ana")
    page.locator("#client-options").get_by_label("Ana Lopez").check()
    # Choosing a type fills the fields from the server.
    page.get_by_label("Start from a package type").select_option(label="Quarter")
    expect(page.get_by_label("Package name")).to_have_value("Quarter")
    expect(page.locator("#per-session-value")).to_contain_text("$90.00")
    # The swapped-in inputs must be wired by htmx before typing into them.
    page.wait_for_function(
        "() => document.querySelector('#id_total_sessions')['htmx-internal-data'] !== undefined"
    )
    # The per-session value follows the typing, rounded by the server.
    page.get_by_label("Total value (USD)").fill("1000")
    page.get_by_label("Total sessions").fill("12")
    expect(page.locator("#per-session-value")).to_contain_text("$83.33")
    # Searching again keeps the chosen client.
    page.get_by_label("Find a client by name or email").fill("oka")
    expect(page.locator("#client-options")).to_contain_text("Ben Okafor")
    expect(page.locator("#client-options").get_by_label("Ana Lopez")).to_be_checked()
    assert_accessible(page, "package form")
    screenshot(page, "packages-form")
    page.get_by_role("button", name="Sell package").click()

    expect(page.get_by_role("status")).to_contain_text("Quarter sold to Ana Lopez.")
    expect(page.locator(".progress-text")).to_contain_text("0 of 12 used · 12 left")
    package = Package.objects.get()
    assert (package.total_value_cents, package.total_sessions) == (100_000, 12)

    wait_for_htmx(page)
    page.get_by_text("Transfer to another client").click()
    page.get_by_label("Find a client by name or email").fill("ben")
    page.locator("#transfer-options").get_by_label("Ben Okafor").check()
    page.get_by_label("Reason", exact=True).fill("Moved to her brother")
    assert_accessible(page, "package detail with transfer form")
    page.get_by_role("button", name="Transfer package").click()
    expect(page.get_by_role("status")).to_contain_text("now belongs to Ben Okafor")
    expect(page.locator(".timeline")).to_contain_text("Client: Ana Lopez → Ben Okafor")
    screenshot(page, "packages-detail")


def test_list_filters_and_sorts_in_place_and_in_the_url(
    page: Page, owner, screenshot, assert_accessible
):
    today = owner.studio.today()
    PackageFactory(studio=owner.studio, name="Nearly done", sessions_used=11)
    PackageFactory(studio=owner.studio, name="Fresh", sessions_used=0)
    PackageFactory(
        studio=owner.studio, name="Lapsed", expiry_date=today.replace(year=today.year - 1)
    )
    sign_in(page, owner.user.email)
    page.goto("/packages/")
    rows = page.locator("#package-results tbody tr")
    expect(rows).to_have_count(3)

    wait_for_htmx(page)
    page.get_by_label("Status").select_option("active")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/packages/\?status=active$"))

    page.locator("th").get_by_role("link", name=re.compile("^Left")).click()
    expect(page).to_have_url(re.compile(r"sort=sessions_remaining"))
    expect(rows.first).to_contain_text("Nearly done")
    expect(rows.first).to_contain_text("Near completion")
    # Changing a filter keeps the sort.
    page.get_by_label("Search").fill("a")
    expect(page).to_have_url(
        re.compile(r"q=a.*sort=sessions_remaining|sort=sessions_remaining.*q=a")
    )
    assert_accessible(page, "packages list (filtered)")

    page.set_viewport_size({"width": 375, "height": 812})
    # Wide tables scroll inside their box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page, "packages list at phone width")
    screenshot(page, "packages-list-phone")
