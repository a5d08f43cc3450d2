"""Test personas (alice-bob-charlie style) and the real-browser fixtures.

owner and trainer belong to one studio; outsider owns another. Each has a signed-in test client
(`.web`) and an API client that sends its bearer token (`.api`).
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from punchcard.studios.models import Membership, Studio, User
from punchcard.studios.services import token_issue
from punchcard.studios.tests.factories import MembershipFactory, StudioFactory

PASSWORD = "correct-horse-42"
ARTIFACTS = Path(__file__).parent / "test-artifacts"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is for production; tests would spend most of their time hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Persona:
    membership: Membership
    web: HttpClient
    api: HttpClient
    token: str

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def studio(self) -> Studio:
        return self.membership.studio


def make_persona(studio: Studio, role: str, email: str) -> Persona:
    membership = MembershipFactory(studio=studio, role=role, user__email=email)
    web = HttpClient()
    web.force_login(membership.user)
    _, raw = token_issue(user=membership.user)
    api = HttpClient(headers={"Authorization": f"Bearer {raw}"})
    return Persona(membership=membership, web=web, api=api, token=raw)


@pytest.fixture
def studio(db) -> Studio:
    return StudioFactory(name="Alice's Gym")


@pytest.fixture
def owner(studio) -> Persona:
    return make_persona(studio, Membership.Role.OWNER, "alice@example.com")


@pytest.fixture
def trainer(studio) -> Persona:
    return make_persona(studio, Membership.Role.TRAINER, "bob@example.com")


@pytest.fixture
def outsider(db) -> Persona:
    return make_persona(
        StudioFactory(name="Charlie's Box"), Membership.Role.OWNER, "charlie@example.com"
    )


# Real browser ----------------------------------------------------------------------------------


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        message = "BROWSER TESTS NOT RUN: no Chromium found (apt-get install chromium)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " Under CI=true a skipped browser test is a failure.")
        print("\n" + "!" * 80 + "\n" + message + "\n" + "!" * 80)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same
    # thread (fixtures, the live server setup) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    # Any script or style the Content-Security-Policy refuses is a bug: fail the test on it.
    refused = []
    pg.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    yield pg
    context.close()
    assert not refused, f"CSP refused something on {live_server.url}: {refused}"


@pytest.fixture
def screenshot():
    """Save a full-page PNG under test-artifacts/ (kept by CI, looked at by people)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(pg, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def assert_accessible():
    """Run axe-core on the page; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(pg, label: str = "") -> None:
        results = axe.run(pg)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in bad
        )
        assert not bad, f"axe found serious/critical violations on {label or pg.url}:\n{details}"

    return check


def wait_for_htmx(pg) -> None:
    """Wait until htmx has wired up the page: typing before that fires no request."""
    pg.wait_for_load_state("load")
    # A function, not an expression string: strings are eval'd, which our CSP forbids.
    pg.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


def sign_in(pg, email: str, password: str = "correct-horse-42") -> None:
    """Sign in through the real form and wait for the signed-in layout."""
    from playwright.sync_api import expect

    pg.goto("/signin/")
    pg.get_by_label("Email").fill(email)
    pg.get_by_label("Password").fill(password)
    pg.get_by_role("button", name="Sign in").click()
    expect(pg.get_by_role("navigation", name="Main")).to_be_visible()
