"""Members and passwords (shared/api.md): an owner changes roles and deactivates members, whose
sessions and tokens stop at once; a studio always keeps an active owner; anyone changes their own
password, which ends their other sessions and tokens."""

import json

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from conftest import PASSWORD
from punchcard.studios.lockout import LOCKOUT_MESSAGE
from punchcard.studios.models import ApiToken, Membership, User
from punchcard.studios.services import token_issue

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NEW_PASSWORD = "another-horse-77"


def patch(persona, member_id, body):
    return persona.api.patch(
        f"/api/members/{member_id}", json.dumps(body), content_type="application/json"
    )


def change_password(client, old=PASSWORD, new=NEW_PASSWORD):
    return client.post(
        "/api/auth/password",
        json.dumps({"old_password": old, "new_password": new}),
        content_type="application/json",
    )


def error_fields(response) -> set:
    assert response.status_code == 422, (response.status_code, response.content)
    return {item["loc"][-1] for item in response.json()["detail"]}


def signed_in(client) -> bool:
    response = client.get(reverse("core:dashboard"))
    assert response.status_code in (200, 302)
    return response.status_code == 200


def second_browser(user) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)
    return browser


def token_works(raw: str) -> bool:
    response = HttpClient(headers={"Authorization": f"Bearer {raw}"}).get("/api/me")
    assert response.status_code in (200, 401)
    return response.status_code == 200


def member_state(user) -> tuple[str, bool]:
    membership = Membership.objects.select_related("user").get(user=user)
    return membership.role, membership.user.is_active


# API: list and change --------------------------------------------------------------------------


def test_owner_lists_members_with_role_active_flag_and_last_sign_in(owner, trainer, outsider):
    response = owner.api.get("/api/members")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["email"] for item in body["items"]] == ["alice@example.com", "bob@example.com"]
    bob = body["items"][1]
    assert bob == {
        "id": trainer.user.pk,
        "email": "bob@example.com",
        "role": "trainer",
        "is_active": True,
        "last_login": bob["last_login"],
    }
    assert bob["last_login"] is not None  # force_login signs in like the form does
    assert owner.api.get("/api/members?page_size=1&page=2").json()["items"][0]["id"] == (
        trainer.user.pk
    )


def test_owner_changes_a_role_both_ways(owner, trainer):
    response = patch(owner, trainer.user.pk, {"role": "owner"})
    assert response.status_code == 200
    assert response.json()["role"] == "owner"
    assert member_state(trainer.user) == ("owner", True)
    # Two active owners now: alice may step down.
    assert patch(owner, owner.user.pk, {"role": "trainer"}).status_code == 200
    assert member_state(owner.user) == ("trainer", True)


def test_trainer_gets_403_from_the_members_api(trainer, owner):
    assert trainer.api.get("/api/members").status_code == 403
    assert patch(trainer, owner.user.pk, {"role": "trainer"}).status_code == 403
    assert patch(trainer, trainer.user.pk, {"role": "owner"}).status_code == 403
    assert member_state(trainer.user) == ("trainer", True)


def test_another_studios_member_is_a_404(owner, trainer, outsider):
    assert patch(outsider, trainer.user.pk, {"is_active": False}).status_code == 404
    assert patch(outsider, 987_654_321, {"is_active": False}).status_code == 404
    assert member_state(trainer.user) == ("trainer", True)
    assert "bob@example.com" not in outsider.api.get("/api/members").content.decode()


def test_the_last_active_owner_cannot_be_demoted_or_deactivated(owner, trainer):
    for body in (
        {"role": "trainer"},
        {"is_active": False},
        {"role": "trainer", "is_active": False},
    ):
        response = patch(owner, owner.user.pk, body)
        assert response.status_code == 409, body
        assert "at least one active owner" in response.json()["detail"]
    assert member_state(owner.user) == ("owner", True)
    assert token_works(owner.token)


def test_an_inactive_owner_does_not_count_as_the_one_left(owner, trainer):
    assert patch(owner, trainer.user.pk, {"role": "owner"}).status_code == 200
    assert patch(owner, trainer.user.pk, {"is_active": False}).status_code == 200
    assert patch(owner, owner.user.pk, {"role": "trainer"}).status_code == 409
    # An inactive owner may be demoted: the studio keeps alice.
    assert patch(owner, trainer.user.pk, {"role": "trainer"}).status_code == 200
    assert member_state(trainer.user) == ("trainer", False)


def test_invalid_member_changes_are_422_naming_the_field(owner, trainer):
    assert error_fields(patch(owner, trainer.user.pk, {"role": "boss"})) == {"role"}
    assert error_fields(patch(owner, trainer.user.pk, {"role": None})) == {"role"}
    for value in ("yes", "false", 0, None):
        assert error_fields(patch(owner, trainer.user.pk, {"is_active": value})) == {"is_active"}
    assert member_state(trainer.user) == ("trainer", True)


# Deactivation ends sessions and tokens at once ---------------------------------------------------


def test_deactivation_stops_a_live_session_and_a_token_on_their_next_request(owner, trainer):
    assert signed_in(trainer.web) and token_works(trainer.token)
    response = patch(owner, trainer.user.pk, {"is_active": False})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert not signed_in(trainer.web)
    assert not token_works(trainer.token)
    assert trainer.api.post("/api/clients", {"name": "X"}, "application/json").status_code == 401
    assert not ApiToken.objects.live().filter(user=trainer.user).exists()
    # Nor can they sign in again, on the page or for a token.
    sign_in = HttpClient().post(
        reverse("studios:signin"), {"username": "bob@example.com", "password": PASSWORD}
    )
    assert sign_in.status_code == 200
    token = HttpClient().post(
        "/api/auth/token",
        {"email": "bob@example.com", "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 401


def test_reactivation_lets_them_sign_in_again_but_not_with_what_was_ended(owner, trainer):
    patch(owner, trainer.user.pk, {"is_active": False})
    response = patch(owner, trainer.user.pk, {"is_active": True})
    assert response.status_code == 200 and response.json()["is_active"] is True
    # The old session cookie and the old token stay ended.
    assert not signed_in(trainer.web)
    assert not token_works(trainer.token)
    browser = HttpClient()
    sign_in = browser.post(
        reverse("studios:signin"), {"username": "bob@example.com", "password": PASSWORD}
    )
    assert sign_in.status_code == 302
    assert signed_in(browser)


def test_members_never_deactivated_keep_their_sessions(owner, trainer):
    # The session hash of a user whose epoch is 0 is Django's own: nobody is signed out by it.
    patch(owner, trainer.user.pk, {"role": "owner"})
    assert signed_in(trainer.web) and signed_in(owner.web)
    assert User.objects.get(pk=owner.user.pk).session_epoch == 0


# Password change ----------------------------------------------------------------------------------


def test_password_change_in_the_browser_keeps_it_and_ends_other_sessions_and_tokens(trainer):
    other = second_browser(trainer.user)
    _, second_token = token_issue(user=trainer.user, name="Script")
    assert change_password(trainer.web).status_code == 204
    assert signed_in(trainer.web)
    assert not signed_in(other)
    assert not token_works(trainer.token) and not token_works(second_token)
    assert User.objects.get(pk=trainer.user.pk).check_password(NEW_PASSWORD)


def test_password_change_with_a_token_keeps_that_token_and_ends_the_rest(owner):
    _, other_token = token_issue(user=owner.user, name="Other script")
    response = change_password(owner.api)
    assert response.status_code == 204 and response.content == b""
    assert token_works(owner.token)
    assert not token_works(other_token)
    assert not signed_in(owner.web)


def test_a_wrong_current_password_is_a_422_naming_old_password(owner):
    response = change_password(owner.api, old="not-my-password")
    assert error_fields(response) == {"old_password"}
    assert User.objects.get(pk=owner.user.pk).check_password(PASSWORD)
    assert signed_in(owner.web)


@pytest.mark.parametrize("weak", ["short", "12345678901", "password", "alice@example.com"])
def test_a_weak_new_password_is_a_422_naming_new_password(owner, weak):
    assert error_fields(change_password(owner.api, new=weak)) == {"new_password"}
    assert User.objects.get(pk=owner.user.pk).check_password(PASSWORD)


def test_both_password_problems_are_named_at_once(owner):
    fields = error_fields(change_password(owner.api, old="nope", new="short"))
    assert fields == {"old_password", "new_password"}


def test_a_missing_password_field_is_a_422_naming_it(owner):
    response = owner.api.post(
        "/api/auth/password", json.dumps({"old_password": PASSWORD}), "application/json"
    )
    assert error_fields(response) == {"new_password"}


def test_password_change_needs_a_signed_in_caller(client):
    assert change_password(client).status_code == 401


# Pages: the team --------------------------------------------------------------------------------


def test_owner_sees_each_member_with_role_access_and_last_sign_in(owner, trainer):
    response = owner.web.get(reverse("studios:members"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "bob@example.com" in html and "alice@example.com" in html
    assert "Last sign-in" in html and "Active" in html
    assert f'action="{reverse("studios:member-edit", args=[trainer.user.pk])}"' in html
    assert f'<label for="role-{trainer.user.pk}">Role' in html
    assert "Deactivate<span" in html


def test_owner_deactivates_and_reactivates_without_javascript(owner, trainer):
    url = reverse("studios:member-edit", args=[trainer.user.pk])
    response = owner.web.post(url, {"is_active": "false"})
    assert response.status_code == 302 and response["Location"] == reverse("studios:members")
    assert member_state(trainer.user) == ("trainer", False)
    assert not signed_in(trainer.web)
    page = owner.web.get(reverse("studios:members")).content.decode()
    assert "bob@example.com is deactivated" in page and "Reactivate<span" in page
    assert owner.web.post(url, {"is_active": "true"}).status_code == 302
    assert member_state(trainer.user) == ("trainer", True)


def test_owner_changes_a_role_on_the_page_and_htmx_gets_the_row_back(owner, trainer):
    url = reverse("studios:member-edit", args=[trainer.user.pk])
    response = owner.web.post(url, {"role": "owner"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="member-{trainer.user.pk}"' in html and "is an active owner" in html
    assert member_state(trainer.user) == ("owner", True)


def test_the_member_page_works_on_its_own(owner, trainer):
    url = reverse("studios:member-edit", args=[trainer.user.pk])
    page = owner.web.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="role"' in html and 'name="is_active"' in html
    assert '<option value="trainer" selected>' in html
    response = owner.web.post(url, {"role": "owner", "is_active": "false"})
    assert response.status_code == 302
    assert member_state(trainer.user) == ("owner", False)


def test_the_last_owner_is_refused_on_the_page_with_the_reason(owner, trainer):
    url = reverse("studios:member-edit", args=[owner.user.pk])
    response = owner.web.post(url, {"is_active": "false"})
    assert response.status_code == 200
    assert "at least one active owner" in response.content.decode()
    row = owner.web.post(url, {"role": "trainer"}, headers=HTMX)
    assert row.status_code == 200
    assert "<html" not in row.content.decode()
    assert "at least one active owner" in row.content.decode()
    assert member_state(owner.user) == ("owner", True)
    assert signed_in(owner.web)


def test_a_bad_value_on_the_page_comes_back_next_to_its_field(owner, trainer):
    url = reverse("studios:member-edit", args=[trainer.user.pk])
    response = owner.web.post(url, {"role": "boss", "is_active": "maybe"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_role_error"' in html and 'id="id_is_active_error"' in html
    assert member_state(trainer.user) == ("trainer", True)


def test_an_owner_who_steps_down_is_sent_to_settings(owner, trainer):
    patch(owner, trainer.user.pk, {"role": "owner"})
    url = reverse("studios:member-edit", args=[owner.user.pk])
    response = owner.web.post(url, {"role": "trainer"})
    assert response.status_code == 302 and response["Location"] == reverse("studios:settings")
    assert owner.web.get(reverse("studios:members")).status_code == 403
    response = owner.web.post(
        reverse("studios:member-edit", args=[trainer.user.pk]), {"role": "trainer"}, headers=HTMX
    )
    assert response.status_code == 403


def test_trainer_cannot_see_or_change_members(trainer, owner):
    url = reverse("studios:member-edit", args=[owner.user.pk])
    assert trainer.web.get(reverse("studios:members")).status_code == 403
    assert trainer.web.get(url).status_code == 403
    assert trainer.web.post(url, {"is_active": "false"}).status_code == 403
    assert member_state(owner.user) == ("owner", True)
    assert 'href="/members/"' not in trainer.web.get(reverse("studios:settings")).content.decode()


def test_outsider_gets_404_for_another_studios_member(outsider, trainer):
    url = reverse("studios:member-edit", args=[trainer.user.pk])
    assert outsider.web.get(url).status_code == 404
    assert outsider.web.post(url, {"is_active": "false"}).status_code == 404
    assert member_state(trainer.user) == ("trainer", True)


# Pages: the password ----------------------------------------------------------------------------


def test_settings_link_to_the_password_page(trainer):
    html = trainer.web.get(reverse("studios:settings")).content.decode()
    assert f'href="{reverse("studios:password-change")}"' in html


def test_password_page_keeps_this_browser_and_ends_other_sessions_and_tokens(trainer):
    url = reverse("studios:password-change")
    page = trainer.web.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Current password" in html and "New password again" in html
    other = second_browser(trainer.user)
    response = trainer.web.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("studios:settings")
    assert signed_in(trainer.web)
    assert not signed_in(other)
    assert not token_works(trainer.token)
    assert User.objects.get(pk=trainer.user.pk).check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"old_password": "wrong-one-99"}, "old_password"),
        ({"new_password1": "short", "new_password2": "short"}, "new_password1"),
        ({"new_password2": "something-else-88"}, "new_password2"),
    ],
)
def test_password_page_names_the_bad_field_and_changes_nothing(trainer, data, field):
    body = {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        **data,
    }
    response = trainer.web.post(reverse("studios:password-change"), body)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert User.objects.get(pk=trainer.user.pk).check_password(PASSWORD)
    assert token_works(trainer.token)


def test_password_page_sends_a_visitor_to_sign_in(client):
    url = reverse("studios:password-change")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("studios:signin"))


def test_the_lockout_message_promises_only_what_exists():
    assert "reset" not in LOCKOUT_MESSAGE and "email" not in LOCKOUT_MESSAGE.split(".", 1)[1]
    assert "reactivate" in LOCKOUT_MESSAGE and "change your password" in LOCKOUT_MESSAGE
