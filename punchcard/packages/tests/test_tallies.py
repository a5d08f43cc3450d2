"""The stored live-package count (StudioTally): exact through every service, and what lists show."""

import pytest

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import selectors, services, tallies
from punchcard.packages.models import Package, StudioTally
from punchcard.packages.tests.factories import PackageFactory
from punchcard.studios.services import studio_signup

pytestmark = pytest.mark.django_db


def live_count(studio) -> int:
    return Package.objects.for_studio(studio).live().count()


def listed_count(studio, **filters) -> int:
    return selectors.package_count(
        studio=studio, filters=selectors.PackageFilters(**filters), today=studio.today()
    )


def sell(owner, client, **fields):
    return services.package_create(
        studio=owner.studio,
        actor=owner.user,
        client=client,
        name="Ten",
        total_value="100.00",
        total_sessions=10,
        **fields,
    )


def test_a_new_studio_starts_with_a_tally_of_nothing():
    membership = studio_signup(
        studio_name="Dana's Dojo", email="dana@example.com", password="correct-horse-42"
    )
    assert tallies.live_packages(membership.studio.pk) == 0


def test_create_delete_and_restore_keep_the_tally_exact(owner, outsider):
    tallies.recount([owner.studio.pk, outsider.studio.pk])
    client = ClientFactory(studio=owner.studio)
    first, second = sell(owner, client), sell(owner, client, is_primary=True)
    sell(outsider, ClientFactory(studio=outsider.studio))
    assert tallies.live_packages(owner.studio.pk) == 2
    services.package_delete(package=first, actor=owner.user)
    services.package_delete(package=first, actor=owner.user)  # already deleted: no second -1
    assert tallies.live_packages(owner.studio.pk) == 1
    services.package_restore(package=first, actor=owner.user)
    services.package_restore(package=first, actor=owner.user)  # already live: no second +1
    services.package_transfer(
        package=second, actor=owner.user, to_client=ClientFactory(studio=owner.studio), reason=""
    )
    assert tallies.live_packages(owner.studio.pk) == live_count(owner.studio) == 2
    assert tallies.live_packages(outsider.studio.pk) == live_count(outsider.studio) == 1
    assert not tallies.drifted().exists()


def test_the_unfiltered_list_shows_the_stored_count(owner):
    for _ in range(3):
        PackageFactory(studio=owner.studio)
    tallies.recount([owner.studio.pk])
    assert listed_count(owner.studio) == 3
    # A stored count unlike the rows shows which one the list reads.
    StudioTally.objects.filter(pk=owner.studio.pk).update(live_packages=42)
    assert listed_count(owner.studio) == listed_count(owner.studio, sort="client") == 42


@pytest.mark.parametrize(
    "filters",
    [
        {"is_active": False},
        {"status": "active"},
        {"include_deleted": True},
        {"q": "Odd"},
        {"client_id": -1},
    ],
)
def test_any_filter_counts_the_rows(owner, filters):
    odd = PackageFactory(studio=owner.studio, name="Odd one", is_active=False)
    if "client_id" in filters:
        filters = {"client_id": odd.client_id}
    PackageFactory(studio=owner.studio, deleted_at=odd.created_at)
    PackageFactory(studio=owner.studio)
    tallies.recount([owner.studio.pk])
    StudioTally.objects.filter(pk=owner.studio.pk).update(live_packages=999)  # never read here
    expected = selectors.package_list(
        studio=owner.studio, filters=selectors.PackageFilters(**filters), today=owner.studio.today()
    )
    assert listed_count(owner.studio, **filters) == len(list(expected)) < 999


def test_a_filter_added_after_the_selector_counts_the_rows(owner):
    PackageFactory(studio=owner.studio, is_active=False)
    PackageFactory(studio=owner.studio)
    tallies.recount([owner.studio.pk])
    packages = selectors.package_list(
        studio=owner.studio, filters=selectors.PackageFilters(), today=owner.studio.today()
    )
    assert packages.count() == 2
    assert packages.filter(is_active=True).count() == 1


def test_a_studio_without_a_tally_is_counted(owner):
    PackageFactory(studio=owner.studio)
    assert not StudioTally.objects.filter(pk=owner.studio.pk).exists()
    assert listed_count(owner.studio) == 1


def test_recount_creates_and_repairs_tallies(owner, outsider):
    PackageFactory(studio=owner.studio)
    PackageFactory(studio=owner.studio, deleted_at=owner.studio.created_at)
    assert tallies.recount() >= 2
    StudioTally.objects.filter(pk=owner.studio.pk).update(live_packages=5)
    assert list(tallies.drifted().values_list("pk", flat=True)) == [owner.studio.pk]
    tallies.recount([owner.studio.pk])
    assert tallies.live_packages(owner.studio.pk) == 1
    assert tallies.live_packages(outsider.studio.pk) == 0
    assert not tallies.drifted().exists()


def test_the_api_and_the_page_show_the_stored_count(owner):
    client = ClientFactory(studio=owner.studio)
    tallies.recount([owner.studio.pk])
    for _ in range(3):
        sell(owner, client)
    assert owner.api.get("/api/packages").json()["count"] == 3
    assert owner.api.get("/api/packages?page_size=1&page=3").json()["count"] == 3
    html = " ".join(owner.web.get("/packages/").content.decode().split())
    assert '<p class="muted">3 packages</p>' in html
