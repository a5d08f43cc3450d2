"""Client balance link: a private, revocable, read-only page that needs no account."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from punchcard.clients import services
from punchcard.clients.models import BalanceLink
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training.models import TrainingSession
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(owner):
    return ClientFactory(studio=owner.studio, name="Ana Lopez")


@pytest.fixture
def ana_package(ana):
    package = PackageFactory(
        studio=ana.studio,
        client=ana,
        name="Premium Twelve",
        total_sessions=12,
        total_value_cents=123_456,
        expiry_date=ana.studio.today() + timedelta(days=90),
    )
    TrainingSessionFactory.create_batch(3, package=package)
    return package


def api_url(client) -> str:
    return f"/api/clients/{client.pk}/balance-link"


def create_via_api(persona, client) -> str:
    response = persona.api.post(api_url(client))
    assert response.status_code == 201, response.content
    return response.json()["url"]


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


# API -------------------------------------------------------------------------------------------


def test_api_creates_an_absolute_url_whose_page_shows_the_balance(owner, ana, ana_package, client):
    url = create_via_api(owner, ana)
    assert url.startswith("http://testserver/b/") and url.endswith("/")
    response = client.get(path_of(url))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ana Lopez" in html and "Premium Twelve" in html and "Alice&#x27;s Gym" in html
    assert "9</span> sessions left of 12" in html and "3 of 12 used · 9 left" in html
    assert ana_package.expiry_date.strftime("%-d %B %Y") in html


def test_the_token_is_unguessable_and_stored_only_as_its_hash(owner, ana):
    url = create_via_api(owner, ana)
    raw = path_of(url).split("/")[2]
    assert len(raw) >= 43
    link = BalanceLink.objects.get(client=ana)
    assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = " ".join(str(v) for v in BalanceLink.objects.values_list().get())
    assert raw not in stored
    assert (link.studio, link.created_by) == (owner.studio, owner.user)


def test_a_new_link_replaces_the_old_one(owner, ana, client):
    first = create_via_api(owner, ana)
    second = create_via_api(owner, ana)
    assert first != second
    assert client.get(path_of(first)).status_code == 404
    assert client.get(path_of(second)).status_code == 200
    assert BalanceLink.objects.filter(client=ana).count() == 1


def test_api_revokes_the_link_and_its_url_answers_404(owner, ana, client):
    url = create_via_api(owner, ana)
    assert owner.api.delete(api_url(ana)).status_code == 204
    assert client.get(path_of(url)).status_code == 404
    assert not BalanceLink.objects.exists()
    # Revoking again is harmless.
    assert owner.api.delete(api_url(ana)).status_code == 204


def test_trainers_may_create_and_revoke_links(trainer, ana, client):
    url = create_via_api(trainer, ana)
    assert client.get(path_of(url)).status_code == 200
    assert trainer.api.delete(api_url(ana)).status_code == 204


def test_api_checks_ownership(outsider, owner, ana):
    services.balance_link_create(client=ana, actor=owner.user)
    before = BalanceLink.objects.values_list("token_hash", flat=True).get()
    assert outsider.api.post(api_url(ana)).status_code == 404
    assert outsider.api.delete(api_url(ana)).status_code == 404
    assert BalanceLink.objects.values_list("token_hash", flat=True).get() == before


def test_api_refuses_anonymous_callers(ana, client):
    assert client.post(api_url(ana)).status_code == 401
    assert client.delete(api_url(ana)).status_code == 401
    assert not BalanceLink.objects.exists()


def test_a_removed_client_has_no_balance_link(owner, ana, client):
    url = create_via_api(owner, ana)
    owner.api.delete(f"/api/clients/{ana.pk}")
    assert client.get(path_of(url)).status_code == 404
    assert owner.api.post(api_url(ana)).status_code == 404


def test_the_api_document_describes_both_operations(owner):
    paths = owner.api.get("/api/openapi.json").json()["paths"]
    operations = paths["/api/clients/{client_id}/balance-link"]
    assert {"post", "delete"} <= set(operations)
    assert {"201", "401", "404"} <= set(operations["post"]["responses"])
    assert {"204", "401", "404"} <= set(operations["delete"]["responses"])


# The public page -------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43, "y" * 500])
def test_a_wrong_token_is_a_404(owner, ana, client, token):
    services.balance_link_create(client=ana, actor=owner.user)
    response = client.get(f"/b/{token}/")
    assert response.status_code == 404
    assert "Ana Lopez" not in response.content.decode()


def test_the_page_shows_no_money_no_navigation_and_no_other_client(owner, ana, ana_package, client):
    other = PackageFactory(studio=owner.studio, name="Someone Else's Pack")
    TrainingSessionFactory(package=other)
    html = client.get(services.balance_link_create(client=ana, actor=owner.user)).content.decode()
    assert "$" not in html and "1,234" not in html and "per session" not in html.lower()
    assert 'aria-label="Main"' not in html and "Sign out" not in html and "/api/docs" not in html
    assert "Someone Else" not in html and other.client.name not in html
    assert "<script" not in html


def test_a_signed_in_member_opening_the_link_sees_no_studio_navigation(owner, ana, ana_package):
    html = owner.web.get(
        services.balance_link_create(client=ana, actor=owner.user)
    ).content.decode()
    assert 'aria-label="Main"' not in html and "Sign out" not in html


def test_the_page_keeps_its_url_private(owner, ana, client):
    response = client.get(services.balance_link_create(client=ana, actor=owner.user))
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_the_page_lists_the_last_ten_counted_sessions(owner, ana, ana_package, client):
    now = timezone.now()
    TrainingSessionFactory.create_batch(
        9, package=ana_package, starts_at=now - timedelta(days=1)
    )  # 12 counted in all
    TrainingSessionFactory(
        package=ana_package,
        starts_at=now - timedelta(hours=1),
        status=TrainingSession.Status.CANCELLED,
    )
    html = client.get(services.balance_link_create(client=ana, actor=owner.user)).content.decode()
    sessions = html.split('id="sessions-heading"')[1]
    assert sessions.count("<time") == 10
    assert "Cancelled" not in sessions


def test_the_page_separates_current_and_finished_packages(owner, ana, client):
    today = owner.studio.today()
    PackageFactory(studio=owner.studio, client=ana, name="Fresh Ten", total_sessions=10)
    done = PackageFactory(studio=owner.studio, client=ana, name="Old Five", total_sessions=5)
    TrainingSessionFactory.create_batch(5, package=done)
    PackageFactory(
        studio=owner.studio,
        client=ana,
        name="Lapsed Pack",
        expiry_date=today - timedelta(days=3),
    )
    gone = PackageFactory(studio=owner.studio, client=ana, name="Deleted Pack")
    gone.deleted_at = timezone.now()
    gone.save()
    html = client.get(services.balance_link_create(client=ana, actor=owner.user)).content.decode()
    current, past = html.split('id="past-heading"')
    assert "Fresh Ten" in current and "Old Five" not in current and "Lapsed Pack" not in current
    assert "Old Five" in past and "completed" in past and "Lapsed Pack" in past
    assert "Deleted Pack" not in html


def test_the_page_without_packages_says_so(owner, ana, client):
    html = client.get(services.balance_link_create(client=ana, actor=owner.user)).content.decode()
    assert "No current package" in html and "No sessions yet" in html


def test_the_page_runs_a_fixed_number_of_queries(owner, ana, client, django_assert_max_num_queries):
    for n in range(6):
        package = PackageFactory(studio=owner.studio, client=ana, name=f"Pack {n}")
        TrainingSessionFactory.create_batch(3, package=package)
    path = services.balance_link_create(client=ana, actor=owner.user)
    with django_assert_max_num_queries(4):
        assert client.get(path).status_code == 200


# The client page's card ------------------------------------------------------------------------


def test_owner_creates_a_link_on_the_client_page_and_sees_it_once(owner, ana, client):
    response = owner.web.post(reverse("clients:balance-link-create", args=[ana.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[ana.pk]) + "#balance-link"
    html = owner.web.get(reverse("clients:detail", args=[ana.pk])).content.decode()
    assert 'id="balance-url"' in html and 'data-copy-target="#balance-url"' in html
    url = html.split('id="balance-url"')[1].split('value="')[1].split('"')[0]
    assert url.startswith("http://testserver/b/")
    assert client.get(path_of(url)).status_code == 200
    # Only the hash is kept: the next visit cannot show it again.
    html = owner.web.get(reverse("clients:detail", args=[ana.pk])).content.decode()
    assert 'id="balance-url"' not in html and path_of(url) not in html
    assert (
        "A link is active since" in html and "Revoke link" in html and "Create a new link" in html
    )


def test_the_card_offers_a_link_when_there_is_none(owner, ana):
    html = owner.web.get(reverse("clients:detail", args=[ana.pk])).content.decode()
    assert "Balance link" in html and ">Create link<" in html and "Revoke link" not in html


def test_a_new_link_from_the_page_replaces_the_old_one(owner, ana, client):
    old = services.balance_link_create(client=ana, actor=owner.user)
    owner.web.post(reverse("clients:balance-link-create", args=[ana.pk]))
    assert client.get(old).status_code == 404
    assert BalanceLink.objects.filter(client=ana).count() == 1


def test_trainer_revokes_a_link_on_the_client_page(trainer, owner, ana, client):
    path = services.balance_link_create(client=ana, actor=owner.user)
    response = trainer.web.post(reverse("clients:balance-link-revoke", args=[ana.pk]), follow=True)
    assert "old URL no longer works" in response.content.decode()
    assert client.get(path).status_code == 404


def test_page_actions_check_ownership(outsider, owner, ana):
    path = services.balance_link_create(client=ana, actor=owner.user)
    for name in ("clients:balance-link-create", "clients:balance-link-revoke"):
        assert outsider.web.post(reverse(name, args=[ana.pk])).status_code == 404
    assert (
        BalanceLink.objects.get(client=ana).token_hash
        == hashlib.sha256(path.split("/")[2].encode()).hexdigest()
    )


def test_page_actions_only_take_posts(owner, ana):
    for name in ("clients:balance-link-create", "clients:balance-link-revoke"):
        assert owner.web.get(reverse(name, args=[ana.pk])).status_code == 405
    assert not BalanceLink.objects.exists()


def test_the_new_url_is_shown_only_on_its_own_clients_page(owner, ana):
    ben = ClientFactory(studio=owner.studio, name="Ben Okafor")
    owner.web.post(reverse("clients:balance-link-create", args=[ana.pk]))
    assert (
        'id="balance-url"'
        not in owner.web.get(reverse("clients:detail", args=[ben.pk])).content.decode()
    )
    assert (
        'id="balance-url"'
        in owner.web.get(reverse("clients:detail", args=[ana.pk])).content.decode()
    )
