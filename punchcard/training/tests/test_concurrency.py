"""Counts stay exact when many people write at once, on SQLite (WAL, IMMEDIATE) and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services as package_services
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory
from punchcard.training import counts, services
from punchcard.training.models import TrainingSession

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 8


def run_parallel(func, n):
    def wrapped(i):
        try:
            return func(i)
        finally:
            connections.close_all()  # each thread has its own connection

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(wrapped, range(n)))


def test_sixty_parallel_logs_count_exactly(owner):
    client = ClientFactory(studio=owner.studio)
    package = PackageFactory(studio=owner.studio, client=client, total_sessions=40)

    def log(i):
        status = "cancelled" if i % 10 == 0 else "completed"
        return services.session_log(
            studio=owner.studio, actor=owner.user, client=client, package=package, status=status
        )

    results = run_parallel(log, 60)
    assert len(results) == 60
    package.refresh_from_db()
    assert (
        package.sessions_used
        == 54
        == TrainingSession.objects.counted().filter(package=package).count()
    )
    assert package.remaining == -14
    assert not counts.drifted().exists()


def test_parallel_edits_and_deletes_keep_counts_exact(owner):
    client = ClientFactory(studio=owner.studio)
    a = PackageFactory(studio=owner.studio, client=client)
    b = PackageFactory(studio=owner.studio, client=client)
    sessions = [
        services.session_log(studio=owner.studio, actor=None, client=client, package=a).session
        for _ in range(30)
    ]

    def churn(i):
        session = sessions[i % len(sessions)]
        if i % 3 == 0:
            services.session_delete(session=session, actor=None)
        elif i % 3 == 1:
            services.session_update(session=session, actor=None, package=b)
        else:
            services.session_update(session=session, actor=None, status="cancelled")

    run_parallel(churn, 60)
    assert not counts.drifted().exists()
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.sessions_used + b.sessions_used == TrainingSession.objects.counted().count()


def test_two_concurrent_make_primary_leave_exactly_one(owner):
    client = ClientFactory(studio=owner.studio)
    packages = [PackageFactory(studio=owner.studio, client=client) for _ in range(4)]

    def make_primary(i):
        package_services.package_set_primary(package=packages[i % 4], actor=None)

    run_parallel(make_primary, 24)
    assert Package.objects.filter(client=client, is_primary=True).count() == 1


def test_check_counts_command_finds_and_fixes_drift(owner, capsys):
    client = ClientFactory(studio=owner.studio)
    package = PackageFactory(studio=owner.studio, client=client)
    services.session_log(studio=owner.studio, actor=None, client=client, package=package)
    call_command("check_counts")
    assert "every package counter matches" in capsys.readouterr().out
    Package.objects.filter(pk=package.pk).update(sessions_used=7)
    with pytest.raises(Exception, match="drifted"):
        call_command("check_counts")
    call_command("check_counts", "--fix")
    package.refresh_from_db()
    assert package.sessions_used == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_parallel_transfers_primary_changes_and_logs_on_one_package(owner):
    """Mixed writers on one package: no 500-style errors, no lost counts, history and transfers agree."""
    from django.core.exceptions import ValidationError

    from punchcard.packages.models import Transfer

    clients = [ClientFactory(studio=owner.studio) for _ in range(3)]
    package = PackageFactory(studio=owner.studio, client=clients[0], total_sessions=50)

    def work(i):
        try:
            if i % 3 == 0:
                target = clients[(i // 3) % 3]
                current = Package.objects.get(pk=package.pk)
                package_services.package_transfer(
                    package=current, actor=None, to_client=target, reason=f"t{i}"
                )
            elif i % 3 == 1:
                package_services.package_set_primary(
                    package=Package.objects.get(pk=package.pk), actor=None
                )
            else:
                holder = Package.objects.get(pk=package.pk).client
                services.session_log(studio=owner.studio, actor=None, client=holder, package=None)
        except ValidationError:
            return "refused"  # e.g. a transfer to the client who already holds it
        return "ok"

    outcomes = run_parallel(work, 45)
    assert set(outcomes) <= {"ok", "refused"}
    package.refresh_from_db()
    assert not counts.drifted().exists()
    for client in clients:
        assert (
            Package.objects.filter(client=client, is_primary=True, deleted_at__isnull=True).count()
            <= 1
        )
    transfers = list(Transfer.objects.filter(package=package).order_by("created_at", "id"))
    if transfers:
        assert transfers[-1].to_client_id == package.client_id
    transferred = [h for h in package.history.all() if h.history_action == "transferred"]
    assert len(transferred) == len(transfers)


def test_parallel_logs_adjustments_and_freezes_on_one_package(owner):
    """Adjustments move the same counter as sessions, and freezes lock the same row: no lost
    update, no deadlock, and a first-session package gets its expiry exactly once."""
    from punchcard.packages.models import Adjustment
    from punchcard.packages.tests.factories import PackageTypeFactory

    client = ClientFactory(studio=owner.studio)
    flex = PackageTypeFactory(
        studio=owner.studio, validity_days=30, expiry_rule="from_first_session"
    )
    package = package_services.package_create(
        studio=owner.studio, actor=owner.user, client=client, package_type=flex
    )
    today = owner.studio.today()

    def write(i):
        if i % 4 == 0:
            package_services.package_adjust(
                package=package, actor=owner.user, sessions=1 if i % 8 else -2, reason="r"
            )
        elif i % 4 == 1 and i < 20:
            day = today + timedelta(days=40 + 3 * i)
            package_services.package_freeze(
                package=package, actor=owner.user, starts_on=day, ends_on=day
            )
        else:
            services.session_log(
                studio=owner.studio, actor=owner.user, client=client, package=package
            )

    run_parallel(write, 48)
    package.refresh_from_db()
    assert not counts.drifted().exists()
    rows = TrainingSession.objects.counted().filter(package=package).count()
    added = sum(Adjustment.objects.filter(package=package).values_list("sessions", flat=True))
    assert package.sessions_used == rows - added
    assert package.history.filter(history_action="expiry_started").count() == 1
    frozen_days = package.freezes.count()
    assert package.expiry_date == today + timedelta(days=30 + frozen_days)
