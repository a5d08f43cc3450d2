import pytest
from django.urls import reverse

from punchcard.studios.models import Membership, Studio

pytestmark = pytest.mark.django_db


def test_signup_page_creates_studio_and_signs_the_owner_in(client):
    response = client.post(
        reverse("studios:signup"),
        {"studio_name": "Iron Temple", "email": "Coach@Example.com", "password": "lift-heavy-2026"},
    )
    assert response.status_code == 302
    membership = Membership.objects.select_related("studio", "user").get()
    assert membership.studio.name == "Iron Temple"
    assert membership.user.email == "coach@example.com"
    assert membership.role == "owner"
    dashboard = client.get(reverse("core:dashboard"))
    assert dashboard.status_code == 200
    assert "Iron Temple" in dashboard.content.decode()


def test_signup_page_shows_errors_next_to_fields(client):
    response = client.post(
        reverse("studios:signup"), {"studio_name": "X", "email": "not-an-email", "password": "123"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert Studio.objects.count() == 0


def test_signup_is_404_when_switched_off(client, settings):
    settings.PUNCHCARD_ALLOW_SIGNUP = False
    assert client.get(reverse("studios:signup")).status_code == 404


def test_signin_with_right_password_rotates_the_session(client, owner):
    client.get(reverse("studios:signin"))
    client.cookies["sessionid"] = "stale-session-key"
    response = client.post(
        reverse("studios:signin"), {"username": owner.user.email, "password": "correct-horse-42"}
    )
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != "stale-session-key"
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_signin_with_wrong_password_says_so(client, owner):
    response = client.post(
        reverse("studios:signin"), {"username": owner.user.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert "Wrong email or password" in response.content.decode()


def test_email_is_locked_out_after_ten_failures(client, owner):
    url = reverse("studios:signin")
    for _ in range(10):
        client.post(url, {"username": owner.user.email, "password": "wrong"})
    response = client.post(url, {"username": owner.user.email, "password": "correct-horse-42"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signout_ends_the_session(owner):
    assert owner.web.get(reverse("core:dashboard")).status_code == 200
    owner.web.post(reverse("studios:signout"))
    response = owner.web.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert reverse("studios:signin") in response["Location"]


def test_pages_redirect_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("studios:signin"))


def test_owner_adds_a_trainer_from_the_members_page(owner):
    response = owner.web.post(
        reverse("studios:members"),
        {"email": "new@example.com", "password": "squat-rack-77", "role": "trainer"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="new@example.com").studio == owner.studio


def test_trainer_cannot_open_the_members_page(trainer):
    assert trainer.web.get(reverse("studios:members")).status_code == 403


def test_token_created_on_settings_page_is_shown_once_and_works(owner):
    owner.web.post(reverse("studios:token-create"), {"name": "Spreadsheet sync"})
    page = owner.web.get(reverse("studios:settings")).content.decode()
    raw = page.split('id="new-token">')[1].split("<")[0]
    assert raw.startswith("pc_")
    assert raw not in owner.web.get(reverse("studios:settings")).content.decode()
    from django.test import Client

    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/me").status_code == 200


def test_revoked_token_no_longer_signs_in(owner):
    token = owner.user.api_tokens.get()
    owner.web.post(reverse("studios:token-revoke", args=[token.pk]))
    assert owner.api.get("/api/me").status_code == 401


def test_studio_settings_saved_by_owner(owner):
    response = owner.web.post(
        reverse("studios:settings"),
        {
            "name": "Alice's Gym",
            "currency": "EUR",
            "timezone": "Europe/Berlin",
            "low_balance_threshold": 3,
        },
    )
    assert response.status_code == 302
    owner.studio.refresh_from_db()
    assert (owner.studio.currency, owner.studio.timezone, owner.studio.low_balance_threshold) == (
        "EUR",
        "Europe/Berlin",
        3,
    )


def test_studio_settings_reject_a_bad_currency_next_to_the_field(owner):
    response = owner.web.post(
        reverse("studios:settings"),
        {
            "name": "Alice's Gym",
            "currency": "dollars",
            "timezone": "UTC",
            "low_balance_threshold": 2,
        },
    )
    assert response.status_code == 200
    assert 'id="id_currency_error"' in response.content.decode()
