"""Issue #8 on the package page in a real Chromium: a comp session, a freeze that moves the expiry
and warns when a session is logged during it, ending it, and a type whose validity counts from
the first session. Axe-checked, at phone width too."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from conftest import sign_in
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package, PackageType
from punchcard.packages.tests.factories import PackageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_comp_session_freeze_and_unfreeze(page: Page, trainer, screenshot, assert_accessible):
    today = trainer.studio.today()
    client = ClientFactory(studio=trainer.studio, name="Ana Lopez")
    package = PackageFactory(
        studio=trainer.studio,
        client=client,
        name="Standard 12",
        total_sessions=12,
        expiry_date=today + timedelta(days=60),
    )
    sign_in(page, trainer.user.email)
    page.goto(f"/packages/{package.pk}/")
    expect(page.locator(".big-figure")).to_contain_text("12 left of 12")

    # A comp session: the reason is required, and the error says so next to the field.
    page.get_by_text("Add or remove sessions").click()
    page.get_by_role("button", name="Save adjustment").click()
    expect(page.locator("#id_adjust-reason_error")).to_contain_text("Say why")
    page.get_by_label("Reason for the adjustment").fill("Comp: referred a friend")
    page.get_by_role("button", name="Save adjustment").click()
    expect(page.locator(".flash-success")).to_contain_text("1 session added")
    expect(page.locator(".big-figure")).to_contain_text("13 left of 12")
    expect(page.locator("#adjustments-heading + ul")).to_contain_text("Comp: referred a friend")

    # Freeze from today for 14 days: the expiry moves out, the badge says until when.
    page.get_by_text("Freeze this package").click()
    page.get_by_label("First frozen day").fill(today.isoformat())
    page.get_by_label("Last frozen day").fill((today + timedelta(days=13)).isoformat())
    page.get_by_label("Reason for the freeze").fill("Knee injury")
    page.get_by_role("button", name="Freeze package").click()
    expect(page.locator(".badge-frozen")).to_contain_text("Frozen until")
    assert Package.objects.get(pk=package.pk).expiry_date == today + timedelta(days=74)

    # Logging during the freeze is never refused: the answer warns in words.
    page.get_by_role("button", name="Log session").first.click()
    expect(page.locator("#log-result")).to_contain_text("frozen")
    assert Package.objects.get(pk=package.pk).sessions_used == 0  # -1 comp + 1 session

    page.reload()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"package with adjustment and freeze ({width}px)")
    screenshot(page, "package-frozen-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "package-adjusted-frozen")

    # It began today, so ending it cancels it and the expiry comes back.
    page.get_by_role("button", name="Cancel this freeze").click()
    expect(page.locator(".badge-frozen")).to_have_count(0)
    assert Package.objects.get(pk=package.pk).expiry_date == today + timedelta(days=60)
    expect(page.locator("#freezes-heading + ul")).to_contain_text("Cancelled")


def test_type_valid_from_the_first_session(page: Page, owner, assert_accessible):
    client = ClientFactory(studio=owner.studio, name="Ben Okafor")
    sign_in(page, owner.user.email)
    page.goto("/packages/types/new/")
    page.get_by_label("Name").fill("Flex 10")
    page.get_by_label("Sessions").fill("10")
    page.get_by_label("Price (USD)").fill("950.00")
    page.get_by_label("Valid for (days)").fill("90")
    page.get_by_label("Validity counts").select_option("from_first_session")
    assert_accessible(page, "type form with the first-session rule")
    page.get_by_role("button", name="Add type").click()
    expect(page.locator("table")).to_contain_text("90 days from the first session")

    flex = PackageType.objects.get(name="Flex 10")
    from punchcard.packages import services

    package = services.package_create(
        studio=owner.studio, actor=owner.user, client=client, package_type=flex
    )
    page.goto(f"/packages/{package.pk}/")
    expect(page.locator(".facts")).to_contain_text("Starts with the first session")
    page.get_by_role("button", name="Log session").first.click()
    expect(page.locator("#log-result")).to_contain_text("1 of 10 used")
    page.reload()
    expiry = owner.studio.today() + timedelta(days=90)
    expect(page.locator(".facts")).to_contain_text(f"{expiry.day} {expiry:%b %Y}")
