"""Settings read from the environment, the deploy check, SQLite tuning and the demo seed.

Settings are module-level code, so each environment is tried in a fresh interpreter.
"""

import json
import os
import secrets
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from punchcard.clients.models import Client
from punchcard.demo.seed import DEMO_OWNER, DEMO_STUDIO, DEMO_TRAINER
from punchcard.studios.models import Membership, Studio, User

REPO_ROOT = Path(__file__).resolve().parent.parent
# Variables that change what the settings module decides; each test sets what it needs.
SETTINGS_ENV = (
    # Set by the browser fixture for Playwright; a subprocess must not inherit it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SILENCED_SYSTEM_CHECKS",
    "PUNCHCARD_VAR_DIR",
)
PRINT_SETTINGS = (
    "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
    "from django.conf import settings; "
    "names = {names}; "
    "print(json.dumps({{name: getattr(settings, name, None) for name in names}}, default=str))"
)


def run_python(args: list[str], var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """Run the project's Python in the repo root with a clean settings environment plus `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    clean.update({"PUNCHCARD_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "config.settings"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_settings(var_dir: Path, *names: str, **env: str) -> dict:
    result = run_python(["-c", PRINT_SETTINGS.format(names=repr(list(names)))], var_dir, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# a. SECRET_KEY ----------------------------------------------------------------------------------


def test_missing_secret_key_is_generated_once_into_var_dir_with_mode_600(tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    key_file = tmp_path / "secret_key"
    assert not key_file.exists()

    first = run_python(["-c", code], tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()

    assert key_file.exists(), "settings did not write var/secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key == key_file.read_text().strip()
    assert len(key) >= 50

    second = run_python(["-c", code], tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == key, "a second start must reuse the stored key"


def test_secret_key_from_the_environment_wins_and_writes_no_file(tmp_path):
    key = secrets.token_urlsafe(64)
    assert read_settings(tmp_path, "SECRET_KEY", SECRET_KEY=key) == {"SECRET_KEY": key}
    assert not (tmp_path / "secret_key").exists()


# b. The deploy check ----------------------------------------------------------------------------


def test_deploy_check_passes_with_production_environment(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="punchcard.example.com",
        SECURE_SSL_REDIRECT="1",
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def test_production_defaults_mark_cookies_secure_and_send_hsts(tmp_path):
    values = read_settings(
        tmp_path,
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        DEBUG="0",
    )
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    # `make run` serves plain http on loopback: redirecting to https there would break it.
    assert values["SECURE_SSL_REDIRECT"] is False


def test_make_run_environment_keeps_cookies_usable_over_plain_http(tmp_path):
    values = read_settings(
        tmp_path, "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", SECURE_COOKIES="0"
    )
    assert values == {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False}


# c. DEBUG ---------------------------------------------------------------------------------------


def test_debug_is_off_unless_asked_for(tmp_path):
    assert read_settings(tmp_path, "DEBUG") == {"DEBUG": False}
    assert read_settings(tmp_path, "DEBUG", DEBUG="1") == {"DEBUG": True}


# d. SQLite --------------------------------------------------------------------------------------


def test_default_database_is_sqlite_with_immediate_transactions_and_wal(tmp_path):
    database = read_settings(tmp_path, "DATABASES")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]).parent == tmp_path
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=wal" in database["OPTIONS"]["init_command"].replace(" ", "").lower()


def test_sqlite_connection_runs_in_wal_mode(db):
    if connection.vendor != "sqlite":
        pytest.skip(f"journal_mode is SQLite-only; this run uses {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (mode,) = cursor.fetchone()
    assert mode.lower() == "wal"


# e. seed_demo -----------------------------------------------------------------------------------


def _snapshot() -> dict:
    studio = Studio.objects.get(name=DEMO_STUDIO)
    return {
        "studios": Studio.objects.count(),
        "users": User.objects.count(),
        "memberships": sorted(
            Membership.objects.filter(studio=studio).values_list("user__email", "role")
        ),
        "clients": list(Client.objects.filter(studio=studio).order_by("name").values_list("name")),
    }


def test_seed_demo_builds_the_demo_studio_once(db):
    first_out = StringIO()
    call_command("seed_demo", stdout=first_out)
    assert "Created" in first_out.getvalue()

    assert Studio.objects.filter(name=DEMO_STUDIO).count() == 1
    studio = Studio.objects.get(name=DEMO_STUDIO)
    roles = dict(Membership.objects.filter(studio=studio).values_list("user__email", "role"))
    assert roles[DEMO_OWNER[0]] == Membership.Role.OWNER
    assert roles[DEMO_TRAINER[0]] == Membership.Role.TRAINER
    # 40 generated clients, and 3 more brought in by the demo's CSV import.
    assert Client.objects.filter(studio=studio).count() == 43
    before = _snapshot()
    assert len(before["clients"]) == 43

    second_out = StringIO()
    call_command("seed_demo", stdout=second_out)
    assert "Kept the existing" in second_out.getvalue()
    assert _snapshot() == before
    assert DEMO_OWNER[0] in second_out.getvalue()


def test_demo_owner_can_sign_in(db):
    call_command("seed_demo", stdout=StringIO())
    browser = HttpClient()
    response = browser.post(
        reverse("studios:signin"), {"username": DEMO_OWNER[0], "password": DEMO_OWNER[1]}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert browser.session["_auth_user_id"] == str(User.objects.get(email=DEMO_OWNER[0]).pk)
    assert browser.get(response["Location"]).status_code == 200
