"""Invariants under random sequences of the real services, on the real database.

A hypothesis state machine sells, edits, makes primary, transfers, deletes, restores, adjusts,
freezes and unfreezes packages and logs, edits and deletes sessions, through punchcard.packages.services and
punchcard.training.services. After every step:

- sessions_used of every package equals its counted session rows minus its adjustments
  (counts.drifted() is empty), whatever the time zone changes;
- used + unused value equals the total for every package, and the SQL sums used by reports
  (core.money.used_value_cents_sql / unused_value_cents_sql) equal the Python sums;
- a client has at most one live primary package;
- the history is complete: each package's history actions are exactly those its services wrote,
  in order, and its last history row matches the row as it is now.

A service may refuse input with a ValidationError; the database must then be exactly as before.
"""

import os
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from punchcard.clients import services as client_services
from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.packages import selectors
from punchcard.packages import services as package_services
from punchcard.packages.models import Adjustment, Freeze, Package, Transfer
from punchcard.studios import services as studio_services
from punchcard.studios.tests.factories import MembershipFactory
from punchcard.training import counts
from punchcard.training import services as training_services
from punchcard.training.models import TrainingSession

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("PUNCHCARD_INVARIANT_EXAMPLES", "60"))
STEPS = int(os.environ.get("PUNCHCARD_INVARIANT_STEPS", "30"))

MAX_CLIENTS = 4
MAX_PACKAGES = 10
MAX_SESSIONS = 24

# Fields the history snapshots (everything but the counters and generated columns).
HISTORY_FIELDS = (
    "name",
    "description",
    "client_id",
    "package_type_id",
    "total_value_cents",
    "total_sessions",
    "is_active",
    "is_primary",
    "start_date",
    "expiry_date",
    "deleted_at",
)
COUNTED = set(TrainingSession.COUNTED)

index = st.integers(min_value=0, max_value=1000)
# Money in cents around the edges: zero, one cent, values that do not divide evenly, the maximum
# (10^12 - 0.01), and now and then one cent over it, which the service must refuse.
cents = st.one_of(
    st.sampled_from([0, 1, 99, 100_00, 1200_00, 10**14 - 1, 10**14]),
    st.integers(min_value=0, max_value=500_000),
    st.integers(min_value=0, max_value=10**14 - 1),
)
# Mostly valid counts; 0 and 10,001 (out of range) now and then.
total_sessions = st.sampled_from([1, 1, 2, 2, 3, 3, 5, 7, 12, 10_000, 0, 10_001])
rarely = st.sampled_from([False] * 6 + [True])
statuses = st.sampled_from([s.value for s in TrainingSession.Status])
expiry_offsets = st.sampled_from([None, -30, -1, 0, 10, 400])
# When a session starts, in hours from now: often near a month's end somewhere, as the zone goes.
session_offsets = st.none() | st.integers(min_value=-24 * 70, max_value=24 * 40)
zones = st.sampled_from(["UTC", "Pacific/Auckland", "America/New_York", "Pacific/Kiritimati"])


class Stats:
    examples = 0
    steps = 0
    refused = 0
    calls: dict[str, int] = {}


class PackageMachine(RuleBasedStateMachine):
    """One fresh studio per example; every rule calls a real service."""

    def __init__(self):
        super().__init__()
        Stats.examples += 1
        membership = MembershipFactory(studio__name=f"Invariant studio {Stats.examples}")
        self.studio = membership.studio
        self.actor = membership.user
        self.today = self.studio.today()
        self.clients: list[int] = []
        self.deleted_clients: set[int] = set()
        self.packages: list[int] = []
        self.sessions: list[int] = []
        self.session_clients: dict[int, int] = {}
        # package pk -> the history actions its services must have written, in order.
        self.expected: dict[int, list[str]] = {}

    # Helpers -------------------------------------------------------------------------------------

    def _client(self, i: int) -> Client:
        return Client.objects.get(pk=self.clients[i % len(self.clients)])

    def _package(self, i: int) -> Package:
        return Package.objects.select_related("client").get(
            pk=self.packages[i % len(self.packages)]
        )

    def _session(self, i: int) -> TrainingSession:
        return TrainingSession.objects.get(pk=self.sessions[i % len(self.sessions)])

    def _live_primaries(self, client_id: int, *, exclude: int | None = None) -> list[int]:
        found = Package.objects.live().filter(client_id=client_id, is_primary=True)
        if exclude is not None:
            found = found.exclude(pk=exclude)
        return list(found.order_by("pk").values_list("pk", flat=True))

    def _starts_at(self, hours: int | None):
        """A session's start `hours` from now, None for the service's default (now)."""
        return None if hours is None else timezone.now() + timedelta(hours=hours)

    def _state(self) -> dict:
        """Everything in the studio a half-done write could leave behind."""
        return {
            "clients": list(Client.objects.filter(studio=self.studio).order_by("pk").values()),
            "packages": list(Package.objects.filter(studio=self.studio).order_by("pk").values()),
            "sessions": list(
                TrainingSession.objects.filter(studio=self.studio).order_by("pk").values()
            ),
            "transfers": list(Transfer.objects.filter(studio=self.studio).order_by("pk").values()),
            "adjustments": list(
                Adjustment.objects.filter(studio=self.studio).order_by("pk").values()
            ),
            "freezes": list(Freeze.objects.filter(studio=self.studio).order_by("pk").values()),
            "history": list(
                Package.history.filter(studio_id=self.studio.pk)
                .order_by("history_id")
                .values_list("history_id", flat=True)
            ),
        }

    def _call(self, service, *, must_refuse: bool = False, **kwargs):
        """Run a service; a refusal must leave the database exactly as it was. None if refused."""
        Stats.steps += 1
        Stats.calls[service.__name__] = Stats.calls.get(service.__name__, 0) + 1
        before = self._state()
        try:
            result = service(**kwargs)
        except ValidationError:
            Stats.refused += 1
            after = self._state()
            assert after == before, f"{service.__name__} refused but wrote: {kwargs}"
            return None
        assert not must_refuse, f"{service.__name__} accepted invalid input: {kwargs}"
        return result

    # Rules -------------------------------------------------------------------------------------

    @initialize()
    def first_client(self):
        self.add_client()

    @precondition(lambda self: len(self.clients) < MAX_CLIENTS)
    @rule()
    def add_client(self):
        client = client_services.client_create(
            studio=self.studio, name=f"Client {len(self.clients) + 1}"
        )
        self.clients.append(client.pk)

    # Rare: a deleted client refuses new packages, sessions and transfers, so one is enough.
    @precondition(lambda self: len(self.clients) >= 3 and not self.deleted_clients)
    @rule(i=index)
    def delete_client(self, i):
        client = self._client(i)
        client_services.client_delete(client=client)
        self.deleted_clients.add(client.pk)

    @precondition(lambda self: self.clients and len(self.packages) < MAX_PACKAGES)
    @rule(
        i=index,
        value=cents,
        sessions=total_sessions,
        is_primary=st.booleans(),
        is_active=st.booleans(),
        expiry=expiry_offsets,
        start_after_expiry=rarely,
    )
    def create_package(self, i, value, sessions, is_primary, is_active, expiry, start_after_expiry):
        client = self._client(i)
        expiry_date = None if expiry is None else self.today + timedelta(days=expiry)
        start_date = None
        if expiry_date is not None:
            start_date = expiry_date + timedelta(days=1 if start_after_expiry else -30)
        invalid = (
            client.deleted_at is not None
            or not 1 <= sessions <= 10_000
            or value >= 10**14
            or (start_date is not None and start_date > expiry_date)
        )
        others = self._live_primaries(client.pk) if is_primary else []
        package = self._call(
            package_services.package_create,
            must_refuse=invalid,
            studio=self.studio,
            actor=self.actor,
            client=client,
            total_value=money.from_cents(value),
            total_sessions=sessions,
            is_primary=is_primary,
            is_active=is_active,
            start_date=start_date,
            expiry_date=expiry_date,
        )
        if package is None:
            return
        for pk in others:
            self.expected[pk].append("primary_unset")
        self.packages.append(package.pk)
        self.expected[package.pk] = ["created"]

    @precondition(lambda self: self.packages)
    @rule(
        i=index,
        changes=st.fixed_dictionaries(
            {},
            optional={
                "name": st.sampled_from(["Renamed", "Ten pack", "Ten pack", ""]),
                "total_value": cents,
                "total_sessions": total_sessions,
                "is_active": st.booleans(),
                "is_primary": st.booleans(),
                "expiry_date": expiry_offsets,
            },
        ),
    )
    def update_package(self, i, changes):
        package = self._package(i)
        if "total_value" in changes:
            changes["total_value"] = money.from_cents(changes["total_value"])
        if "expiry_date" in changes and changes["expiry_date"] is not None:
            changes["expiry_date"] = self.today + timedelta(days=changes["expiry_date"])
        invalid = (
            package.deleted_at is not None  # restore first: a deleted package is read-only
            or ("name" in changes and not changes["name"].strip())
            or ("total_sessions" in changes and not 1 <= changes["total_sessions"] <= 10_000)
            or ("total_value" in changes and changes["total_value"] >= money.MAX_AMOUNT)
        )
        becomes_primary = changes.get("is_primary") is True and not package.is_primary
        others = (
            self._live_primaries(package.client_id, exclude=package.pk) if becomes_primary else []
        )
        done = self._call(
            package_services.package_update,
            must_refuse=invalid,
            package=package,
            actor=self.actor,
            **changes,
        )
        if done is None:
            return
        for pk in others:
            self.expected[pk].append("primary_unset")
        # A change of nothing writes nothing, no history row either.
        wanted = {**changes}
        if "name" in wanted:
            wanted["name"] = wanted["name"].strip()
        if "total_value" in wanted:
            wanted["total_value_cents"] = money.to_cents(wanted.pop("total_value"))
        if any(getattr(package, field) != value for field, value in wanted.items()):
            self.expected[package.pk].append("updated")

    @precondition(lambda self: self.packages)
    @rule(i=index, primary=st.booleans())
    def set_primary(self, i, primary):
        package = self._package(i)
        others = []
        if primary and not package.is_primary:
            others = self._live_primaries(package.client_id, exclude=package.pk)
        done = self._call(
            package_services.package_set_primary,
            must_refuse=package.deleted_at is not None,
            package=package,
            actor=self.actor,
            primary=primary,
        )
        if done is None or package.is_primary == primary:
            return  # refused, or already so: a no-op writes no history
        for pk in others:
            self.expected[pk].append("primary_unset")
        self.expected[package.pk].append("primary_set" if primary else "primary_unset")

    @precondition(lambda self: self.packages)
    @rule(i=index, c=index, long_reason=rarely)
    def transfer(self, i, c, long_reason):
        package, to_client = self._package(i), self._client(c)
        reason = "x" * 501 if long_reason else f"step {Stats.steps}"
        invalid = (
            package.deleted_at is not None
            or to_client.pk == package.client_id
            or to_client.deleted_at is not None
            or long_reason
        )
        done = self._call(
            package_services.package_transfer,
            must_refuse=invalid,
            package=package,
            actor=self.actor,
            to_client=to_client,
            reason=reason,
        )
        if done is not None:
            self.expected[package.pk].append("transferred")

    @precondition(lambda self: self.packages)
    @rule(i=index)
    def delete_package(self, i):
        package = self._package(i)
        self._call(package_services.package_delete, package=package, actor=self.actor)
        if package.deleted_at is None:
            self.expected[package.pk].append("deleted")

    @precondition(lambda self: self.packages)
    @rule(i=index)
    def restore_package(self, i):
        package = self._package(i)
        self._call(package_services.package_restore, package=package, actor=self.actor)
        if package.deleted_at is not None:
            self.expected[package.pk].append("restored")

    @precondition(lambda self: self.clients and len(self.sessions) < MAX_SESSIONS)
    @rule(i=index, p=st.none() | index, status=statuses, hours=session_offsets)
    def log_session(self, i, p, status, hours):
        client = self._client(i)
        package = self._package(p) if p is not None and self.packages else None
        invalid = client.deleted_at is not None or (
            package is not None
            and (package.deleted_at is not None or package.client_id != client.pk)
        )
        logged = self._call(
            training_services.session_log,
            must_refuse=invalid,
            studio=self.studio,
            actor=self.actor,
            client=client,
            package=package,
            status=status,
            starts_at=self._starts_at(hours),
        )
        if logged is not None:
            self.sessions.append(logged.session.pk)
            self.session_clients[logged.session.pk] = client.pk

    @precondition(lambda self: self.sessions)
    @rule(
        i=index,
        p=st.none() | st.just("keep") | index,
        status=st.none() | statuses,
        hours=session_offsets,
    )
    def update_session(self, i, p, status, hours):
        session = self._session(i)
        kwargs = {"starts_at": self._starts_at(hours)}
        invalid = session.deleted_at is not None
        if p != "keep":
            package = self._package(p) if p is not None and self.packages else None
            kwargs["package"] = package
            invalid = invalid or (
                package is not None
                and (package.deleted_at is not None or package.client_id != session.client_id)
            )
        if status is not None:
            kwargs["status"] = status
        self._call(
            training_services.session_update,
            must_refuse=invalid,
            session=session,
            actor=self.actor,
            **kwargs,
        )

    @precondition(lambda self: self.packages)
    @rule(i=index, sessions=st.integers(-4, 4), blank_reason=rarely)
    def adjust_package(self, i, sessions, blank_reason):
        package = self._package(i)
        invalid = sessions == 0 or blank_reason or package.deleted_at is not None
        done = self._call(
            package_services.package_adjust,
            must_refuse=invalid,
            package=package,
            actor=self.actor,
            sessions=sessions,
            reason="" if blank_reason else "comp",
        )
        if done is not None:
            self.expected[package.pk].append("adjusted")

    @precondition(lambda self: self.packages)
    @rule(i=index, offset=st.integers(-20, 20), days=st.integers(-2, 30))
    def freeze_package(self, i, offset, days):
        package = self._package(i)
        starts_on = self.today + timedelta(days=offset)
        ends_on = starts_on + timedelta(days=days)
        overlaps = package.freezes.overlapping(starts_on, ends_on).exists()
        expiry_before = package.expiry_date
        done = self._call(
            package_services.package_freeze,
            must_refuse=days < 0 or overlaps or package.deleted_at is not None,
            package=package,
            actor=self.actor,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        if done is not None:
            self.expected[package.pk].append("frozen")
            package.refresh_from_db()
            if expiry_before is not None:
                assert package.expiry_date == expiry_before + timedelta(days=days + 1)

    @precondition(lambda self: self.packages)
    @rule(i=index)
    def end_freeze(self, i):
        package = self._package(i)
        freeze = package.freezes.order_by("-pk").first()
        if freeze is None:
            return
        over = freeze.cancelled or freeze.ends_on < self.today
        done = self._call(
            package_services.freeze_end,
            must_refuse=over or package.deleted_at is not None,
            freeze=freeze,
            actor=self.actor,
            today=self.today,
        )
        if done is not None:
            self.expected[package.pk].append("unfrozen")

    @precondition(lambda self: len(self.sessions) >= 3)
    @rule(zone=zones)
    def change_time_zone(self, zone):
        # Sessions move between local months with the zone: nothing stored may depend on it.
        self._call(studio_services.studio_update, studio=self.studio, timezone=zone)

    @precondition(lambda self: self.sessions)
    @rule(i=index)
    def delete_session(self, i):
        self._call(training_services.session_delete, session=self._session(i), actor=self.actor)

    # Invariants --------------------------------------------------------------------------------

    @invariant()
    def sessions_used_equals_the_counted_rows(self):
        drifted = list(counts.drifted().filter(studio=self.studio).values("pk", "sessions_used"))
        assert not drifted, f"counters disagree with the rows: {drifted}"
        counted = dict(
            TrainingSession.objects.filter(
                studio=self.studio, deleted_at__isnull=True, status__in=COUNTED
            )
            .values_list("package_id")
            .annotate(n=Count("id"))
        )
        # Adjustments are counted like sessions: a positive one gives sessions back.
        adjusted = dict(
            Adjustment.objects.filter(studio=self.studio)
            .values_list("package_id")
            .annotate(n=Sum("sessions"))
        )
        for pk, used, remaining, total in Package.objects.filter(studio=self.studio).values_list(
            "pk", "sessions_used", "sessions_remaining", "total_sessions"
        ):
            expected = counted.get(pk, 0) - adjusted.get(pk, 0)
            assert used == expected, f"package {pk}: {used} used, {expected} from rows"
            assert remaining == total - used, f"package {pk}: generated remaining is stale"

    @invariant()
    def sessions_stay_with_the_client_who_trained(self):
        now = dict(
            TrainingSession.objects.filter(studio=self.studio).values_list("pk", "client_id")
        )
        assert now == self.session_clients

    @invariant()
    def used_plus_unused_is_the_total_to_the_cent(self):
        packages = Package.objects.filter(studio=self.studio).annotate(
            sql_used=money.used_value_cents_sql(),
            sql_unused=money.unused_value_cents_sql(),
        )
        python_used = python_unused = python_total = 0
        for p in packages:
            assert p.used_value_cents + p.unused_value_cents == p.total_value_cents, p.pk
            assert 0 <= p.used_value_cents <= p.total_value_cents, p.pk
            assert (p.sql_used, p.sql_unused) == (p.used_value_cents, p.unused_value_cents), p.pk
            assert p.per_session_value_cents == p.per_session_cents, p.pk
            python_used += p.used_value_cents
            python_unused += p.unused_value_cents
            python_total += p.total_value_cents
        sums = Package.objects.filter(studio=self.studio).aggregate(
            used=Sum(money.used_value_cents_sql()),
            unused=Sum(money.unused_value_cents_sql()),
            total=Sum("total_value_cents"),
        )
        assert (sums["used"] or 0, sums["unused"] or 0, sums["total"] or 0) == (
            python_used,
            python_unused,
            python_total,
        )
        assert python_used + python_unused == python_total

    @invariant()
    def at_most_one_live_primary_per_client(self):
        doubled = list(
            Package.objects.filter(studio=self.studio, deleted_at__isnull=True, is_primary=True)
            .values("client_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not doubled, f"clients with several primaries: {doubled}"
        assert not Package.objects.filter(
            studio=self.studio, is_primary=True, deleted_at__isnull=False
        ).exists(), "a deleted package is still primary"

    @invariant()
    def history_is_complete(self):
        rows: dict[int, list] = {}
        for row in (
            Package.history.filter(studio_id=self.studio.pk)
            .order_by("history_id")
            .values("id", "history_action", *HISTORY_FIELDS)
        ):
            rows.setdefault(row["id"], []).append(row)
        actual = {pk: [r["history_action"] for r in found] for pk, found in rows.items()}
        assert actual == self.expected, "history actions differ from the services called"
        for package in Package.objects.filter(studio=self.studio).values("pk", *HISTORY_FIELDS):
            last = rows[package["pk"]][-1]
            diff = {f for f in HISTORY_FIELDS if last[f] != package[f]}
            assert not diff, f"package {package['pk']} changed {diff} without a history row"
        transfers = dict(
            Transfer.objects.filter(studio=self.studio)
            .values_list("package_id")
            .annotate(n=Count("id"))
        )
        for pk, actions in self.expected.items():
            assert transfers.get(pk, 0) == actions.count("transferred"), pk

    def teardown(self):
        # What the API shows (the selector) agrees with the rows, for every package at the end.
        for pk in self.packages:
            package = Package.objects.get(pk=pk)
            items = selectors.package_history(package=package)
            assert [item["action"] for item in items] == self.expected[pk]
            assert items[0]["changes"]["total_value"][1] is not None


def test_random_service_sequences_keep_counts_money_primaries_and_history_exact(db):
    Stats.examples = Stats.steps = Stats.refused = 0
    Stats.calls = {}
    started = time.monotonic()
    run_state_machine_as_test(
        PackageMachine,
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            database=None,  # no example database written into the repository
        ),
    )
    # Counters of every studio, not just the machine's, still agree with their rows.
    assert not counts.drifted().exists()
    assert not Package.objects.filter(
        ~Q(sessions_remaining=F("total_sessions") - F("sessions_used"))
    ).exists()
    print(
        f"\nhypothesis: {Stats.examples} examples, {Stats.steps} service calls "
        f"({Stats.refused} refused with ValidationError) in {time.monotonic() - started:.1f}s"
        f"\nper service: {dict(sorted(Stats.calls.items()))}"
    )
    assert Stats.examples >= min(MAX_EXAMPLES, 10)
