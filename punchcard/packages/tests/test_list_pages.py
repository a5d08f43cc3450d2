"""A list page read ids first (selectors.package_page) and its count (selectors.package_count,
the stored count where no filter narrows the list) are the ORM's plain page and count, for every
kind of list, studio, client and day.
"""

import itertools
import random
from datetime import timedelta

import pytest

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import selectors
from punchcard.packages.tests.factories import PackageFactory
from punchcard.packages.views import LIST_DEFERRED

pytestmark = pytest.mark.django_db


def _by_orm(studio, filters, today, start, stop, deferred):
    packages = selectors.package_list(studio=studio, filters=filters, today=today)
    rows = list(packages.defer(*deferred)[start:stop])
    return rows, packages.count()


def _fields(package) -> dict:
    loaded = [f.attname for f in package._meta.concrete_fields]
    values = {
        name: getattr(package, name) for name in loaded if name not in package.get_deferred_fields()
    }
    return values | {"deferred": sorted(package.get_deferred_fields())}


def _page(studio, filters, today, start, stop, deferred=()):
    rows = selectors.package_page(
        studio=studio, filters=filters, today=today, start=start, stop=stop, deferred=deferred
    )
    return rows, selectors.package_count(studio=studio, filters=filters, today=today)


def _assert_same(got, expected):
    rows, count = got
    assert count == expected[1]
    assert [_fields(p) for p in rows] == [_fields(p) for p in expected[0]]
    assert all(p.client_name == p.client.name for p in rows)


@pytest.fixture
def mixed(studio, outsider):
    """Packages of every status over a few clients, with ties in every sort column."""
    rng = random.Random(11)
    today = studio.today()
    clients = [ClientFactory(studio=studio, name=name) for name in ("Bo", "ana", "Cy", "Bo")]
    for i in range(36):
        total = rng.choice((5, 10, 12))
        PackageFactory(
            studio=studio,
            client=rng.choice(clients),
            name=f"Pack {i % 7}",
            total_sessions=total,
            total_value_cents=rng.choice((50_000, 99_999, 120_000)),
            sessions_used=rng.choice((0, 3, total, total + 1)),
            expiry_date=rng.choice((None, today - timedelta(days=3), today + timedelta(days=9))),
            is_active=rng.random() > 0.2,
            deleted_at=studio.created_at if rng.random() < 0.15 else None,
        )
    for _ in range(5):
        PackageFactory(studio=outsider.studio)
    return clients


SHAPES = (
    [
        {"sort": sort}
        for sort in ("-created_at", "client", "-client", "sessions_remaining", "expiry_date")
        + ("-expiry_date", "total_value", "-per_session_value", "sessions_used", "created_at")
    ]
    + [{"status": status} for status in ("active", "expired", "completed", "inactive", "deleted")]
    + [
        {"is_active": True, "sort": "-sessions_remaining"},
        {"is_active": False},
        {"include_deleted": True, "sort": "client"},
        {"status": "expired", "sort": "-expiry_date", "is_active": True},
    ]
)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_each_kind_of_list_pages_as_the_orm_does(studio, mixed, shape):
    today = studio.today()
    for client, deferred in itertools.product((None, *mixed[:2]), ((), LIST_DEFERRED)):
        filters = selectors.PackageFilters(**shape, client_id=None if client is None else client.pk)
        # Every page of 7, the first and one past the end.
        for start in range(0, 49, 7):
            got = _page(studio, filters, today, start, start + 7, deferred)
            _assert_same(got, _by_orm(studio, filters, today, start, start + 7, deferred))


def test_another_studio_and_another_day_get_their_own_rows(studio, outsider, mixed):
    expired = selectors.PackageFilters(status="expired")
    today = studio.today()
    first = _page(studio, expired, today, 0, 50)
    assert first[1] > 0
    _assert_same(first, _by_orm(studio, expired, today, 0, 50, ()))
    # The other studio: its rows, never ours.
    theirs = PackageFactory(studio=outsider.studio, expiry_date=today - timedelta(days=1))
    rows, count = _page(outsider.studio, expired, today, 0, 50)
    assert [p.pk for p in rows] == [theirs.pk] and count == 1
    # A year on, packages that were current have expired.
    later = today + timedelta(days=365)
    got = _page(studio, expired, later, 0, 50)
    assert got[1] > first[1]
    _assert_same(got, _by_orm(studio, expired, later, 0, 50, ()))


def test_a_search_pages_as_the_orm_does(studio, mixed):
    filters = selectors.PackageFilters(q="pack 3", sort="client")
    today = studio.today()
    got = _page(studio, filters, today, 0, 3)
    assert got[1] > 3
    _assert_same(got, _by_orm(studio, filters, today, 0, 3, ()))
