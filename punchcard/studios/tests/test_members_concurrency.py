"""A studio keeps an active owner when its owners change each other at the same moment, on SQLite
(WAL, IMMEDIATE) and PostgreSQL (the owner rows locked in one order)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from django.db import connections

from punchcard.studios.models import Membership
from punchcard.studios.services import LastOwnerError, member_update
from punchcard.studios.tests.factories import MembershipFactory, StudioFactory

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*changes):
    """Run each change in its own thread (and connection), all released together."""
    start = threading.Barrier(len(changes))

    def run(change):
        start.wait()
        try:
            change()
            return "changed"
        except LastOwnerError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(changes)) as pool:
        return sorted(pool.map(run, changes))


def active_owners(studio) -> int:
    return Membership.objects.filter(
        studio=studio, role=Membership.Role.OWNER, user__is_active=True
    ).count()


def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    for _ in range(5):
        studio = StudioFactory()
        alice = MembershipFactory(studio=studio, role=Membership.Role.OWNER)
        bob = MembershipFactory(studio=studio, role=Membership.Role.OWNER)
        results = at_once(
            partial(member_update, membership=alice, role=Membership.Role.TRAINER),
            partial(member_update, membership=bob, role=Membership.Role.TRAINER),
        )
        assert results == ["changed", "refused"]
        assert active_owners(studio) == 1


def test_owners_deactivating_and_demoting_each_other_at_once_leave_one_owner():
    for _ in range(5):
        studio = StudioFactory()
        owners = [MembershipFactory(studio=studio, role=Membership.Role.OWNER) for _ in range(3)]
        results = at_once(
            partial(member_update, membership=owners[0], is_active=False),
            partial(member_update, membership=owners[1], role=Membership.Role.TRAINER),
            partial(member_update, membership=owners[2], is_active=False),
        )
        assert results == ["changed", "changed", "refused"]
        assert active_owners(studio) == 1
