"""The foundation, end to end in a real Chromium: sign up, add clients, search, sign out, sign in.

Every page visited is checked with axe (serious/critical violations fail), and the clients list is
also checked at phone width and in dark mode. Screenshots land in test-artifacts/.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def is_htmx_search(response) -> bool:
    request = response.request
    return "/clients/" in response.url and request.headers.get("hx-request") == "true"


def add_client(page: Page, name: str, email: str) -> None:
    page.get_by_role("link", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New client")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_role("status")).to_contain_text(f"{name} added.")


def test_signup_add_clients_search_and_sign_out(page: Page, screenshot, assert_accessible):
    # 1. Sign up a new studio and land on its dashboard.
    page.goto("/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your studio")
    assert_accessible(page, "signup")
    screenshot(page, "foundation-signup")
    page.get_by_label("Studio name").fill("Iron Temple")
    page.get_by_label("Your email").fill("coach@irontemple.test")
    page.get_by_label("Password").fill("lift-heavy-2026")
    page.get_by_role("button", name="Create studio").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Iron Temple")
    expect(page.get_by_role("status")).to_contain_text("Welcome to Punchcard, Iron Temple!")
    assert_accessible(page, "dashboard (empty)")
    screenshot(page, "foundation-dashboard")

    # 2. Clients via the main navigation, then add a first client.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Clients").click()
    expect(page).to_have_url(re.compile(r"/clients/$"))
    expect(nav.get_by_role("link", name="Clients")).to_have_attribute("aria-current", "page")
    assert_accessible(page, "clients list (empty)")
    page.get_by_role("link", name="Add client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New client")
    assert_accessible(page, "client form")
    screenshot(page, "foundation-client-form")
    page.get_by_label("Name").fill("Ana Lopez")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_role("button", name="Add client").click()
    expect(page).to_have_url(re.compile(r"/clients/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Lopez")
    expect(page.get_by_role("link", name="ana@example.com")).to_be_visible()
    assert_accessible(page, "client detail")
    screenshot(page, "foundation-client-detail")

    # 3. A second client, then search the list; htmx swaps the results and pushes ?q=ana.
    nav.get_by_role("link", name="Clients").click()
    add_client(page, "Ben Okafor", "ben@gym.test")
    nav.get_by_role("link", name="Clients").click()
    results = page.locator("#client-results")
    expect(results.get_by_role("row")).to_have_count(3)  # header + two clients
    assert_accessible(page, "clients list")
    wait_for_htmx(page)
    with page.expect_response(is_htmx_search) as search:
        page.get_by_role("searchbox", name="Search clients by name or email").fill("ana")
    assert search.value.status == 200
    expect(results.get_by_role("link", name="Ana Lopez")).to_be_visible()
    expect(results.get_by_text("Ben Okafor")).to_have_count(0)
    expect(results.get_by_text("1 client", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/\?q=ana$"))
    assert_accessible(page, "clients list, searched")
    screenshot(page, "foundation-clients-search")

    # 4. The same list on a phone, then in dark mode (phone and desktop).
    page.set_viewport_size(PHONE)
    expect(results.get_by_role("link", name="Ana Lopez")).to_be_visible()
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways_scroll), "the page scrolls sideways at 375px"
    assert_accessible(page, "clients list, phone")
    screenshot(page, "foundation-clients-phone")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page, "clients list, phone, dark")
    screenshot(page, "foundation-clients-phone-dark")
    page.set_viewport_size(DESKTOP)
    assert_accessible(page, "clients list, dark")
    screenshot(page, "foundation-clients-dark")
    page.emulate_media(color_scheme="light")

    # 5. Sign out lands on the sign-in page.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert_accessible(page, "sign-in after sign-out")
    screenshot(page, "foundation-signin")


def test_sign_in_form_and_wrong_password(page: Page, owner, screenshot, assert_accessible):
    page.goto("/signin/")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Sign in"))
    form.get_by_label("Email").fill(owner.user.email)
    form.get_by_label("Password").fill("wrong-horse-99")
    form.get_by_role("button", name="Sign in").click()
    error = form.get_by_role("alert")
    expect(error).to_have_text("Wrong email or password. Check both and try again.")
    expect(form.get_by_label("Email")).to_have_value(owner.user.email)
    assert_accessible(page, "sign-in with error")
    screenshot(page, "foundation-signin-error")

    form.get_by_label("Password").fill("correct-horse-42")
    form.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice's Gym")
    assert_accessible(page, "dashboard after sign-in")
