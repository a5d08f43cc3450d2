import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages import services as package_services
from punchcard.packages.models import Package
from punchcard.training import services as training_services
from punchcard.training.models import TrainingSession


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_package_session_and_history_row(owner, tmp_path, settings):
    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="pg_dump"):
            call_command("backup", str(tmp_path / "x.sqlite3"))
        return
    client = ClientFactory(studio=owner.studio)
    package = package_services.package_create(
        studio=owner.studio, actor=owner.user, client=client, total_value="1200", total_sessions=12
    )
    package_services.package_update(package=package, actor=owner.user, name="Renamed")
    for _ in range(3):
        training_services.session_log(studio=owner.studio, actor=owner.user, client=client)
    target = tmp_path / "backup.sqlite3"
    call_command("backup", str(target))

    # "Restore": open the copy as a database and find everything.
    restored = sqlite3.connect(target)
    assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    packages = restored.execute("SELECT id, name, sessions_used FROM packages_package").fetchall()
    assert packages == [(package.pk, "Renamed", 3)]
    assert (
        restored.execute("SELECT count(*) FROM training_trainingsession").fetchone()[0]
        == TrainingSession.objects.count()
        == 3
    )
    actions = [
        r[0]
        for r in restored.execute(
            "SELECT history_action FROM packages_historicalpackage ORDER BY history_id"
        )
    ]
    assert actions == ["created", "updated"]
    assert Package.objects.count() == 1
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(target))


@pytest.mark.django_db
def test_pages_send_a_csp_without_inline_script(owner):
    response = owner.web.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert "<script>" not in response.content.decode()  # no inline script blocks


@pytest.mark.django_db
def test_session_cookie_is_httponly_and_csrf_protects_pages(client, owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner.user)
    response = strict.post("/clients/new/", {"name": "Sneaky"})
    assert response.status_code == 403
    signin = client.post("/signin/", {"username": owner.user.email, "password": "correct-horse-42"})
    assert signin.cookies["sessionid"]["httponly"]
