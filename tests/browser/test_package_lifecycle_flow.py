"""A package's life in a real Chromium: filter the table by client, sort by sessions left, delete
with a confirmation, find it again, restore it; list, form and detail pass axe in dark mode and at
phone width."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import sign_in, wait_for_htmx
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_by_client_sort_delete_and_restore(page: Page, owner, screenshot, assert_accessible):
    ana = ClientFactory(studio=owner.studio, name="Ana Lopez")
    ben = ClientFactory(studio=owner.studio, name="Ben Okafor")
    PackageFactory(
        studio=owner.studio, client=ana, name="Ana big", total_sessions=24, sessions_used=2
    )
    PackageFactory(
        studio=owner.studio, client=ana, name="Ana small", total_sessions=5, sessions_used=3
    )
    PackageFactory(studio=owner.studio, client=ben, name="Ben pack", total_sessions=12)
    sign_in(page, owner.user.email)
    page.goto("/packages/")
    rows = page.locator("#package-results tbody tr")
    expect(rows).to_have_count(3)

    # Filter by client with the search-as-you-type picker, then sort by sessions left.
    wait_for_htmx(page)
    page.get_by_label("Find a client by name or email").fill("ana")
    page.locator("#package-filters").get_by_label("Ana Lopez").check()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"client_id={ana.pk}"))
    page.locator("th").get_by_role("link", name=re.compile("^Left")).click()
    expect(page).to_have_url(re.compile(r"sort=sessions_remaining"))
    expect(rows.first).to_contain_text("Ana small")
    expect(rows.nth(1)).to_contain_text("Ana big")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page, f"packages list filtered ({scheme})")
    screenshot(page, "packages-list-filtered-dark")
    page.emulate_media(color_scheme="light")

    # The form in dark mode and at phone width.
    page.goto("/packages/new/")
    page.set_viewport_size({"width": 375, "height": 812})
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "package form (phone, dark)")
    screenshot(page, "packages-form-phone-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Delete behind a confirmation, then restore from the same page.
    package = Package.objects.get(name="Ana small")
    page.goto(f"/packages/{package.pk}/")
    page.get_by_text("Delete this package").click()
    page.get_by_role("button", name="Delete Ana small").click()
    expect(page.locator(".deleted-banner")).to_contain_text("Deleted")
    assert Package.objects.get(pk=package.pk).deleted_at is not None
    page.set_viewport_size({"width": 375, "height": 812})
    assert_accessible(page, "deleted package detail (phone)")
    screenshot(page, "packages-detail-deleted-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/packages/")
    expect(page.locator("#package-results")).not_to_contain_text("Ana small")
    wait_for_htmx(page)
    page.get_by_label("Include deleted").check()
    expect(page.locator("#package-results")).to_contain_text("Ana small")
    page.get_by_role("link", name="Ana small").click()
    page.get_by_role("button", name="Restore this package").click()
    expect(page.locator(".deleted-banner")).to_have_count(0)
    assert Package.objects.get(pk=package.pk).deleted_at is None
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Restored")
    expect(history).to_contain_text("Deleted")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "package detail (dark)")
    screenshot(page, "packages-detail-restored-dark")
