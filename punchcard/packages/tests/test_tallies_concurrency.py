"""The stored live-package count stays exact when many people sell, delete and restore at once."""

import pytest
from django.core.management import call_command

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services, tallies
from punchcard.packages.models import Package, StudioTally
from punchcard.training.tests.test_concurrency import run_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_sales_deletes_and_restores_keep_the_tally_exact(owner):
    tallies.recount([owner.studio.pk])
    clients = [ClientFactory(studio=owner.studio) for _ in range(4)]
    existing = [
        services.package_create(
            studio=owner.studio, actor=None, client=c, total_value="10.00", total_sessions=5
        )
        for c in clients
        for _ in range(3)
    ]

    def write(i):
        package = existing[i % len(existing)]
        if i % 3 == 0:
            services.package_create(
                studio=owner.studio,
                actor=None,
                client=clients[i % 4],
                total_value="10.00",
                total_sessions=5,
                is_primary=i % 2 == 0,
            )
        elif i % 3 == 1:
            services.package_delete(package=package, actor=None)
        else:
            services.package_restore(package=package, actor=None)

    run_parallel(write, 48)
    live = Package.objects.for_studio(owner.studio).live().count()
    assert tallies.live_packages(owner.studio.pk) == live
    assert not tallies.drifted().exists()


def test_check_tallies_command_finds_and_fixes_drift(owner, capsys):
    tallies.recount([owner.studio.pk])
    call_command("check_tallies")
    assert "matches its rows" in capsys.readouterr().out
    StudioTally.objects.filter(pk=owner.studio.pk).update(live_packages=7)
    with pytest.raises(Exception, match="drifted"):
        call_command("check_tallies")
    call_command("check_tallies", "--fix")
    assert tallies.live_packages(owner.studio.pk) == 0
