"""The client balance link in a real Chromium: the owner makes one on the client page, the client
opens it on a phone without an account, and once revoked the URL is a 404."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import sign_in
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def test_owner_shares_a_balance_link_and_revokes_it(
    page: Page, browser, owner, screenshot, assert_accessible
):
    ana = ClientFactory(studio=owner.studio, name="Ana Lopez")
    package = PackageFactory(
        studio=owner.studio,
        client=ana,
        name="Standard Ten",
        total_sessions=10,
        total_value_cents=100_000,
    )
    TrainingSessionFactory.create_batch(3, package=package)

    sign_in(page, owner.user.email)
    page.goto(f"/clients/{ana.pk}/")
    card = page.locator("#balance-link")
    card.get_by_role("button", name="Create link").click()
    url_box = page.get_by_label("Private link for Ana Lopez")
    expect(url_box).to_have_value(re.compile(r"^http://[^/]+/b/[A-Za-z0-9_-]{43}/$"))
    url = url_box.input_value()
    copy = card.get_by_role("button", name="Copy link")
    expect(copy).to_be_visible()
    copy.click()
    # Headless Chromium may refuse the clipboard; either way the page says what happened.
    expect(page.locator("#balance-copy-status")).to_have_text(re.compile("Copied|Selected"))
    assert_accessible(page, "client page with a new balance link")
    screenshot(page, "balance-link-client-page")

    # The client: a fresh browser (no cookies), on a phone.
    context = browser.new_context(viewport=PHONE)
    refused = []
    try:
        phone = context.new_page()
        phone.on(
            "console",
            lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
        )
        response = phone.goto(url)
        assert response.status == 200
        expect(phone.get_by_role("heading", name="Ana Lopez")).to_be_visible()
        expect(phone.locator(".balance-card")).to_contain_text("7 sessions left of 10")
        expect(phone.locator(".balance-card")).to_contain_text("3 of 10 used · 7 left")
        expect(phone.get_by_role("navigation")).to_have_count(0)
        assert "$" not in phone.content()
        assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(phone, "balance page at phone width")
        screenshot(phone, "balance-link-public-phone")

        # Back at the studio: revoke, and the link is dead.
        page.locator("#balance-link").get_by_role("button", name="Revoke link").click()
        expect(page.locator(".messages")).to_contain_text("no longer works")
        expect(page.locator("#balance-link")).to_contain_text("Create link")
        assert phone.goto(url).status == 404
        expect(phone.get_by_text("Ana Lopez")).to_have_count(0)
    finally:
        context.close()
    assert not refused, f"CSP refused something on the balance page: {refused}"
