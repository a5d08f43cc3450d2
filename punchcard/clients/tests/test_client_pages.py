import pytest
from django.urls import reverse

from punchcard.clients.models import Client
from punchcard.clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_owner_adds_a_client(owner):
    response = owner.web.post(
        reverse("clients:new"),
        {
            "name": " Ana Lopez ",
            "email": "ana@example.com",
            "phone": "",
            "notes": "",
            "is_active": "on",
        },
    )
    client = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[client.pk])
    assert (client.name, client.studio) == ("Ana Lopez", owner.studio)


def test_client_form_names_the_bad_field(trainer):
    response = trainer.web.post(reverse("clients:new"), {"name": "", "email": "not-an-email"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_error"' in html and 'id="id_email_error"' in html
    assert not Client.objects.exists()


def test_client_list_searches_by_name_and_email(owner):
    ClientFactory(studio=owner.studio, name="Ana Lopez", email="ana@example.com")
    ClientFactory(studio=owner.studio, name="Ben Okafor", email="ben@gym.test")
    html = owner.web.get(reverse("clients:list"), {"q": "gym.test"}).content.decode()
    assert "Ben Okafor" in html and "Ana Lopez" not in html


def test_client_list_search_returns_only_the_results_fragment_to_htmx(owner):
    ClientFactory(studio=owner.studio, name="Ana Lopez")
    response = owner.web.get(
        reverse("clients:list"),
        {"q": "ana"},
        headers={"HX-Request": "true", "HX-Target": "client-results"},
    )
    html = response.content.decode()
    assert "Ana Lopez" in html
    assert "<html" not in html


def test_client_list_pages_through_many_clients_in_fixed_queries(
    owner, django_assert_max_num_queries
):
    ClientFactory.create_batch(60, studio=owner.studio)
    with django_assert_max_num_queries(6):
        response = owner.web.get(reverse("clients:list"), {"page": 2})
    assert "Page 2 of 3" in response.content.decode()


def test_client_list_shows_a_helpful_empty_state(owner):
    assert "No clients yet" in owner.web.get(reverse("clients:list")).content.decode()


def test_client_is_edited(owner):
    client = ClientFactory(studio=owner.studio, name="Ana")
    owner.web.post(
        reverse("clients:edit", args=[client.pk]),
        {"name": "Ana Lopez", "email": "", "phone": "555", "notes": ""},
    )
    client.refresh_from_db()
    assert (client.name, client.phone, client.is_active) == ("Ana Lopez", "555", False)


def test_client_delete_is_soft(owner):
    client = ClientFactory(studio=owner.studio, name="Ana Lopez")
    owner.web.post(reverse("clients:delete", args=[client.pk]))
    client.refresh_from_db()
    assert client.deleted_at is not None
    assert (
        reverse("clients:detail", args=[client.pk])
        not in owner.web.get(reverse("clients:list")).content.decode()
    )
    assert owner.web.get(reverse("clients:detail", args=[client.pk])).status_code == 404


@pytest.mark.parametrize("name", ["clients:detail", "clients:edit", "clients:delete"])
def test_it_checks_ownership(outsider, owner, name):
    client = ClientFactory(studio=owner.studio)
    method = outsider.web.post if name.endswith("delete") else outsider.web.get
    assert method(reverse(name, args=[client.pk])).status_code == 404
    client.refresh_from_db()
    assert client.deleted_at is None


def test_outsider_does_not_see_other_studios_clients_in_lists(outsider, owner):
    ClientFactory(studio=owner.studio, name="Secret Person")
    assert "Secret Person" not in outsider.web.get(reverse("clients:list")).content.decode()
