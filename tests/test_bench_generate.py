"""The benchmark's data generator writes what it says, and keeps every package counter exact,
also after it forgets what a run logged."""

import pytest
from django.core.management import call_command

from bench import generate
from punchcard.clients.models import Client
from punchcard.packages.models import Package, PackageType
from punchcard.training import counts, services
from punchcard.training.models import TrainingSession


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_generated_studio_has_the_asked_size_and_exact_counters(capsys):
    studio, seconds = generate.generate_studio("tiny", generate.TINY)
    assert seconds is not None

    assert Client.objects.for_studio(studio).count() == 20
    assert Package.objects.for_studio(studio).count() == 50
    assert TrainingSession.objects.for_studio(studio).count() == 500
    assert PackageType.objects.for_studio(studio).count() == 4
    assert not counts.drifted().exists()
    assert TrainingSession.objects.for_studio(studio).counted().count() > 400
    call_command("check_counts")
    assert "every package counter matches" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)  # it ends with VACUUM, which PostgreSQL runs alone
def test_forgetting_logged_sessions_leaves_the_counters_as_generated():
    studio, _ = generate.generate_studio("tiny", generate.TINY)
    client = Client.objects.for_studio(studio).first()
    for status in ("completed", "no_show", "cancelled"):
        services.session_log(studio=studio, actor=None, client=client, status=status, notes="x")
    generate.forget_sessions(TrainingSession.objects.filter(notes="x"))
    assert TrainingSession.objects.for_studio(studio).count() == 500
    assert not counts.drifted().exists()


@pytest.mark.django_db
def test_generated_data_mixes_statuses_and_stays_in_its_studio():
    studio, _ = generate.generate_studio("tiny", generate.TINY)
    other, _ = generate.generate_studio("tiny-other", generate.TINY)
    today = studio.today()

    # Ten sessions a package is too few to use many up; the large studio has every status.
    statuses = {p.status_on(today) for p in Package.objects.for_studio(studio)}
    assert "active" in statuses and len(statuses) >= 2
    # Every row points at its own studio's clients and packages.
    sessions = TrainingSession.objects.for_studio(studio)
    assert not sessions.exclude(client__studio=studio).exists()
    assert not sessions.exclude(package=None).exclude(package__studio=studio).exists()
    assert not Package.objects.for_studio(other).exclude(client__studio=other).exists()
    # One primary package at most per client (the database constraint would refuse more anyway).
    primaries = Package.objects.filter(is_primary=True, deleted_at=None).values_list(
        "client_id", flat=True
    )
    assert len(primaries) == len(set(primaries))


@pytest.mark.django_db
def test_a_second_run_reuses_the_studio():
    first, seconds = generate.generate_studio("tiny", generate.TINY)
    again, seconds_again = generate.generate_studio("tiny", generate.TINY)
    assert again == first and seconds_again is None
    assert TrainingSession.objects.for_studio(first).count() == 500
