import pytest
from django.test import Client

from punchcard.studios.models import ApiToken, Membership, hash_token

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def error_fields(response) -> set:
    return {item["loc"][-1] for item in response.json()["detail"]}


def test_signup_api_creates_studio_owner_and_working_token(client):
    response = post(
        client,
        "/api/auth/signup",
        {"studio_name": "Iron Temple", "email": "coach@example.com", "password": "lift-heavy-2026"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["studio"]["name"] == "Iron Temple"
    assert body["user"] == {"id": body["user"]["id"], "email": "coach@example.com", "role": "owner"}
    me = Client(headers={"Authorization": f"Bearer {body['token']}"}).get("/api/me")
    assert me.json()["studio"] == {
        "id": body["studio"]["id"],
        "name": "Iron Temple",
        "currency": "USD",
        "timezone": "UTC",
        "low_balance_threshold": 2,
    }


def test_signup_api_rejects_a_weak_password_naming_the_field(client):
    response = post(
        client,
        "/api/auth/signup",
        {"studio_name": "X", "email": "a@example.com", "password": "12345678"},
    )
    assert response.status_code == 422
    assert error_fields(response) == {"password"}


def test_signup_api_rejects_a_taken_email(client, owner):
    response = post(
        client,
        "/api/auth/signup",
        {"studio_name": "X", "email": owner.user.email, "password": "lift-heavy-2026"},
    )
    assert response.status_code == 422
    assert error_fields(response) == {"email"}


def test_signup_api_rejects_missing_fields(client):
    response = post(client, "/api/auth/signup", {"email": "a@example.com"})
    assert response.status_code == 422
    assert error_fields(response) == {"studio_name", "password"}


def test_signup_api_is_403_when_switched_off(client, settings):
    settings.PUNCHCARD_ALLOW_SIGNUP = False
    response = post(
        client,
        "/api/auth/signup",
        {"studio_name": "X", "email": "a@example.com", "password": "lift-heavy-2026"},
    )
    assert response.status_code == 403


def test_token_is_issued_for_right_credentials_and_stored_hashed(client, owner):
    response = post(
        client, "/api/auth/token", {"email": owner.user.email, "password": "correct-horse-42"}
    )
    assert response.status_code == 200
    raw = response.json()["token"]
    assert ApiToken.objects.filter(key_hash=hash_token(raw)).exists()
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/me").status_code == 200


def test_token_is_refused_for_wrong_password(client, owner):
    response = post(client, "/api/auth/token", {"email": owner.user.email, "password": "wrong"})
    assert response.status_code == 401


def test_token_endpoint_answers_429_after_ten_failures(client, owner):
    statuses = [
        post(
            client, "/api/auth/token", {"email": owner.user.email, "password": f"wrong{i}"}
        ).status_code
        for i in range(10)
    ]
    assert statuses[:9] == [401] * 9
    # Once ten have failed, even the right password is refused until the cool-off ends.
    response = post(
        client, "/api/auth/token", {"email": owner.user.email, "password": "correct-horse-42"}
    )
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    # Another email is not affected.
    other = Membership.objects.exclude(pk=owner.membership.pk).first()
    assert (
        other is None
        or post(client, "/api/auth/token", {"email": other.user.email, "password": "x"}).status_code
        == 401
    )


def test_me_requires_authentication(client):
    assert client.get("/api/me").status_code == 401
    bogus = Client(headers={"Authorization": "Bearer pc_not-a-real-token"})
    assert bogus.get("/api/me").status_code == 401


def test_me_describes_user_and_studio(trainer):
    body = trainer.api.get("/api/me").json()
    assert body["user"]["email"] == "bob@example.com"
    assert body["user"]["role"] == "trainer"
    assert body["studio"]["id"] == trainer.studio.id


def test_me_works_with_the_session_cookie(owner):
    assert owner.web.get("/api/me").json()["user"]["role"] == "owner"


def test_session_cookie_writes_need_csrf(owner):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner.user)
    response = strict.post(
        "/api/members",
        {"email": "x@example.com", "password": "squat-rack-77", "role": "trainer"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert not Membership.objects.filter(user__email="x@example.com").exists()


def test_owner_adds_member_through_api(owner):
    response = post(
        owner.api,
        "/api/members",
        {"email": "new@example.com", "password": "squat-rack-77", "role": "trainer"},
    )
    assert response.status_code == 201
    assert response.json()["role"] == "trainer"
    assert Membership.objects.get(user__email="new@example.com").studio_id == owner.studio.id


def test_trainer_gets_403_adding_members(trainer):
    response = post(
        trainer.api,
        "/api/members",
        {"email": "new@example.com", "password": "squat-rack-77", "role": "trainer"},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="new@example.com").exists()


def test_member_role_must_be_known(owner):
    response = post(
        owner.api,
        "/api/members",
        {"email": "new@example.com", "password": "squat-rack-77", "role": "boss"},
    )
    assert response.status_code == 422
    assert error_fields(response) == {"role"}
