from django.core.management.base import BaseCommand, CommandError

from punchcard.training import counts


class Command(BaseCommand):
    help = (
        "Prove every package's stored sessions_used equals its counted session rows minus "
        "adjustments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Recount what drifted.")

    def handle(self, *args, fix=False, **options):
        drifted = list(counts.drifted().values_list("pk", "sessions_used", "rows"))
        if not drifted:
            self.stdout.write(
                "check_counts: every package counter matches its sessions and adjustments."
            )
            return
        for pk, stored, rows in drifted[:20]:
            self.stdout.write(f"package {pk}: stored {stored}, rows {rows}")
        if fix:
            counts.recount(pk for pk, _, _ in drifted)
            self.stdout.write(f"check_counts: recounted {len(drifted)} package(s).")
            return
        raise CommandError(f"{len(drifted)} package counter(s) drifted; run with --fix to recount.")
