import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Q, signals
from django.test.utils import CaptureQueriesContext

from punchcard.clients.tests.factories import ClientFactory
from punchcard.core import compiled
from punchcard.core.compiled import CompiledQuery
from punchcard.packages.models import Freeze, Package
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training import services

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)


def _client_packages(client_id: int, day: date):
    return (
        Package.objects.filter(client=client_id)
        .with_frozen_until(day)
        .order_by("-total_sessions", "id")[:1]
    )


def test_it_runs_the_querysets_sql_with_each_calls_values(studio):
    query = CompiledQuery(_client_packages, client_id=-5, day=date(1, 1, 7))
    ana, ben = ClientFactory(studio=studio), ClientFactory(studio=studio)
    small = PackageFactory(studio=studio, client=ana, total_sessions=5)
    big = PackageFactory(studio=studio, client=ben, total_sessions=50)
    Freeze.objects.create(
        studio=studio, package=big, starts_on=DAY, ends_on=DAY + timedelta(days=2)
    )
    assert query.first(client_id=ana.pk, day=DAY) == small
    found = query.first(client_id=ben.pk, day=DAY)
    assert found == big
    # An annotation comes back as its field's type on both databases (SQLite sends text).
    assert found.frozen_until == DAY + timedelta(days=2)
    assert query.first(client_id=ben.pk, day=DAY - timedelta(days=1)).frozen_until is None
    assert query.first(client_id=ClientFactory(studio=studio).pk, day=DAY) is None


def test_it_refuses_a_placeholder_that_is_not_a_parameter(studio):
    # A value that picks the SQL's shape instead of filling a parameter would be compiled in.
    def shaped(client_id, day):
        return Package.objects.filter(Q(client=client_id) if day.year > 1 else Q())

    with pytest.raises(ValueError, match="day"):
        CompiledQuery(shaped, client_id=-5, day=date(1, 1, 7)).first(client_id=1, day=DAY)
    with pytest.raises(TypeError):
        CompiledQuery(shaped, client_id=1.5, day=DAY)


def test_it_builds_select_related_objects_as_the_orm_does(studio):
    """A string placeholder, and the related objects come loaded: no query to reach them."""
    query = CompiledQuery(
        lambda name: Package.objects.select_related("client__studio").filter(name=name)[:1],
        name="\x00 no package is called this",
    )
    package = PackageFactory(studio=studio, name="Ten pack")
    found = query.first(name="Ten pack")
    by_orm = Package.objects.select_related("client__studio").get(pk=package.pk)
    with CaptureQueriesContext(connection) as queries:
        assert found.client == by_orm.client
        assert found.client.studio == studio
        assert found.__dict__.keys() == by_orm.__dict__.keys()
        assert {k: v for k, v in found.__dict__.items() if k != "_state"} == {
            k: v for k, v in by_orm.__dict__.items() if k != "_state"
        }
    assert len(queries) == 0
    assert query.first(name="Eleven pack") is None


def test_the_compiled_assignment_rule_picks_what_the_queryset_picks(owner):
    """Random packages (primary, used up, expired, inactive, deleted, frozen) for many clients:
    the compiled rule and the same queryset run by the ORM agree on every one."""
    rng = random.Random(6)
    studio = owner.studio
    today = studio.today()
    clients = [ClientFactory(studio=studio) for _ in range(25)]
    for client in clients:
        primary_left = rng.random() < 0.3
        for _ in range(rng.randrange(0, 5)):
            package = PackageFactory(
                studio=studio,
                client=client,
                total_sessions=rng.choice([1, 5, 10]),
                sessions_used=rng.choice([0, 1, 5, 10]),
                is_active=rng.random() < 0.8,
                is_primary=primary_left and rng.random() < 0.5,
                expiry_date=rng.choice(
                    [
                        None,
                        today - timedelta(days=1),
                        today,
                        today + timedelta(days=rng.randrange(1, 90)),
                    ]
                ),
                deleted_at=rng.choice([None] * 5 + [owner.studio.created_at]),
            )
            if package.is_primary:
                primary_left = False
            if rng.random() < 0.2:
                Freeze.objects.create(
                    studio=studio,
                    package=package,
                    starts_on=today,
                    ends_on=today,
                    cancelled=rng.random() < 0.5,
                )
    seen = set()
    for client in clients:
        for day in (today, today + timedelta(days=1)):
            compiled = services.package_for_new_session(studio=studio, client=client, day=day)
            by_orm = services._by_the_rule(studio.id, client.id, today, day).first()
            assert compiled == by_orm
            if by_orm is None:
                seen.add("none")
                continue
            assert compiled.frozen_until == by_orm.frozen_until
            assert compiled.__dict__.keys() >= {"sessions_used", "expiry_date", "client_id"}
            seen.add("primary" if by_orm.is_primary else "usable")
            if by_orm.frozen_until:
                seen.add("frozen")
    assert seen == {"none", "primary", "usable", "frozen"}  # the data covers every outcome


def _by_name(studio_id, offset, limit):
    # The slice in a subquery, and a parameter both before it and after it in the SQL.
    page = Package.objects.filter(studio=studio_id).order_by("name", "id")[offset : offset + limit]
    return Package.objects.filter(pk__in=page, total_sessions__gt=0).order_by("name", "id")


def test_a_slices_bounds_become_parameters(studio, outsider):
    query = CompiledQuery(_by_name, studio_id=-5, offset=1_000_003, limit=70_001)
    for i in range(9):
        PackageFactory(studio=studio, name=f"Pack {i % 4}")
    PackageFactory(studio=outsider.studio, name="Pack 0")
    for offset, limit in ((0, 4), (3, 2), (8, 5), (9, 1), (0, 50)):
        got = query.all(studio_id=studio.pk, offset=offset, limit=limit)
        assert got == list(_by_name(studio.pk, offset, limit)) and len(got) == min(
            limit, 9 - offset
        )
    [theirs] = query.all(studio_id=outsider.studio.pk, offset=0, limit=5)
    assert theirs.studio_id == outsider.studio.pk


def test_a_slice_needs_both_bounds_in_the_sql(studio):
    with pytest.raises(ValueError, match="both"):
        CompiledQuery(lambda offset: Package.objects.all()[offset:], offset=1_000_003)
    # Bounds the build never slices by: not a parameter of the SQL.
    unsliced = CompiledQuery(
        lambda offset, limit: Package.objects.filter(pk=offset), offset=1_000_003, limit=70_001
    )
    with pytest.raises(ValueError, match="slice"):
        unsliced.all(offset=0, limit=1)


def test_rows_become_instances_as_from_db_makes_them(studio):
    """Without Model.__init__ where the model adds nothing to it, and the ORM's way where it does."""
    package = PackageFactory(studio=studio)
    query = CompiledQuery(
        lambda name: Package.objects.filter(name=name).defer("description")[:1], name="\x00 none"
    )
    found, by_orm = query.first(name=package.name), Package.objects.defer("description").get()
    assert found.__dict__.keys() == by_orm.__dict__.keys()
    assert {k: v for k, v in found.__dict__.items() if k != "_state"} == {
        k: v for k, v in by_orm.__dict__.items() if k != "_state"
    }
    assert (found._state.adding, found._state.db) == (False, "default")
    assert found.get_deferred_fields() == {"description"}
    assert found.description == package.description  # a deferred field still loads on first use
    assert compiled._plain_from_db(Package, "default", ["id", "name"]) is not None

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(receiver, sender=Package)
    try:
        # A model someone listens to is built by Model.__init__, which sends the signal.
        assert compiled._plain_from_db(Package, "default", ["id", "name"]) is None
        fresh = CompiledQuery(
            lambda name: Package.objects.filter(name=name)[:1], name="\x00 none"
        ).first(name=package.name)
        assert seen == [fresh]
    finally:
        signals.post_init.disconnect(receiver, sender=Package)
