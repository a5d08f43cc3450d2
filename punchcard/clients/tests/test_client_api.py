import pytest

from punchcard.clients.models import Client
from punchcard.clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def error_fields(response) -> set:
    return {item["loc"][-1] for item in response.json()["detail"]}


def test_create_and_read_a_client(owner):
    response = owner.api.post(
        "/api/clients",
        {"name": "Ana Lopez", "email": "ana@example.com"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "email",
        "phone",
        "notes",
        "is_active",
        "created_at",
        "updated_at",
    }
    assert body["is_active"] is True
    assert owner.api.get(f"/api/clients/{body['id']}").json()["name"] == "Ana Lopez"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "is_active": "maybe"}, "is_active"),
        ({"name": 42}, "name"),
    ],
)
def test_invalid_client_is_422_naming_the_field(owner, payload, field):
    response = owner.api.post("/api/clients", payload, content_type="application/json")
    assert response.status_code == 422
    assert field in error_fields(response)
    assert not Client.objects.exists()


def test_list_is_sorted_by_name_searchable_filterable_and_paged(owner):
    for name in ["Zoe Kim", "Ana Lopez", "Ben Okafor"]:
        ClientFactory(studio=owner.studio, name=name)
    ClientFactory(studio=owner.studio, name="Ann Inactive", is_active=False)
    body = owner.api.get("/api/clients", {"page_size": 2}).json()
    assert body["count"] == 4
    assert [c["name"] for c in body["items"]] == ["Ana Lopez", "Ann Inactive"]
    assert [c["name"] for c in owner.api.get("/api/clients", {"q": "an"}).json()["items"]] == [
        "Ana Lopez",
        "Ann Inactive",
    ]
    assert owner.api.get("/api/clients", {"is_active": "false"}).json()["count"] == 1
    assert owner.api.get("/api/clients", {"page": 3, "page_size": 2}).json() == {
        "items": [],
        "count": 4,
    }


@pytest.mark.parametrize(
    "params", [{"page": 0}, {"page_size": 201}, {"page": "x"}, {"is_active": "perhaps"}]
)
def test_bad_paging_or_filter_is_422(owner, params):
    assert owner.api.get("/api/clients", params).status_code == 422


def test_update_and_soft_delete(owner):
    client = ClientFactory(studio=owner.studio, name="Ana")
    response = owner.api.put(
        f"/api/clients/{client.pk}",
        {"name": "Ana Lopez", "phone": "555"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["phone"] == "555"
    assert owner.api.delete(f"/api/clients/{client.pk}").status_code == 204
    assert owner.api.get(f"/api/clients/{client.pk}").status_code == 404
    assert Client.objects.filter(pk=client.pk, deleted_at__isnull=False).exists()


def test_outsider_gets_404_on_every_client_path(outsider, owner):
    client = ClientFactory(studio=owner.studio, name="Ana")
    url = f"/api/clients/{client.pk}"
    assert outsider.api.get(url).status_code == 404
    assert (
        outsider.api.put(url, {"name": "Hacked"}, content_type="application/json").status_code
        == 404
    )
    assert outsider.api.delete(url).status_code == 404
    assert outsider.api.get("/api/clients").json()["count"] == 0
    client.refresh_from_db()
    assert (client.name, client.deleted_at) == ("Ana", None)


def test_anonymous_gets_401(client):
    assert client.get("/api/clients").status_code == 401
