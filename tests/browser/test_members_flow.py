"""Staff who leave, in a real Chromium: the owner deactivates a trainer in place (htmx), the
trainer's open browser is signed out on its next click, and the owner reactivates them.

The team page is checked with axe at desktop and phone width, where nothing may scroll sideways.
Screenshots land in test-artifacts/.
"""

import pytest
from playwright.sync_api import expect

from conftest import sign_in, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_deactivates_a_trainer_whose_open_browser_is_signed_out(
    browser, live_server, owner, trainer, assert_accessible, screenshot
):
    bobs = browser.new_context(base_url=live_server.url)
    bob = bobs.new_page()
    sign_in(bob, "bob@example.com")

    for width, name in ((1280, "members-desktop"), (390, "members-phone")):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, "alice@example.com")
        page.goto("/members/")
        wait_for_htmx(page)
        assert page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), f"the team page scrolls sideways at {width} px"
        assert_accessible(page, f"team page at {width} px")
        screenshot(page, name)
        if width == 1280:
            page.on("dialog", lambda dialog: dialog.accept())
            page.get_by_role("button", name="Deactivate bob@example.com").click()
            expect(page.get_by_text("bob@example.com is deactivated")).to_be_visible()
            expect(page.get_by_role("button", name="Reactivate bob@example.com")).to_be_visible()
            assert page.url.endswith("/members/")  # changed in place, no page load

            bob.get_by_role("link", name="Clients").click()
            expect(bob.get_by_role("heading", name="Sign in")).to_be_visible()

            page.get_by_role("button", name="Reactivate bob@example.com").click()
            expect(page.get_by_text("bob@example.com is an active trainer")).to_be_visible()
        context.close()

    sign_in(bob, "bob@example.com")
    bobs.close()
