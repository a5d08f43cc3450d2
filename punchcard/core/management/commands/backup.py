import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the embedded SQLite database, safe while the app runs. "
        "On PostgreSQL use pg_dump (see the README)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="Where to write (default: var/backups/<time>.sqlite3)."
        )

    def handle(self, *args, path=None, **options):
        if connection.vendor != "sqlite":
            raise CommandError(
                "This database is PostgreSQL: back it up with pg_dump, e.g. "
                'pg_dump --format=custom --file punchcard.dump "$DATABASE_URL".'
            )
        target = (
            Path(path)
            if path
            else settings.VAR_DIR / "backups" / f"punchcard-{timezone.now():%Y%m%d-%H%M%S}.sqlite3"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise CommandError(f"{target} exists already; choose a new file.")
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            # SQLite's online backup API copies page by page under a read transaction, so writers
            # in gunicorn keep working and the copy is one consistent snapshot.
            source.backup(copy, pages=1024)
        finally:
            copy.close()
            source.close()
        self.stdout.write(f"backup: wrote {target} ({target.stat().st_size:,} bytes)")
