from django.core.management.base import BaseCommand, CommandError

from punchcard.packages import tallies


class Command(BaseCommand):
    help = "Prove every studio's stored live-package count equals its live package rows."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Recount the drifted tallies, and create missing ones.",
        )

    def handle(self, *args, fix=False, **options):
        drifted = list(tallies.drifted().values_list("pk", "live_packages", "rows"))
        if fix:
            tallies.recount()
            self.stdout.write(
                f"check_tallies: recounted every studio ({len(drifted)} had drifted)."
            )
            return
        if not drifted:
            self.stdout.write("check_tallies: every studio's package count matches its rows.")
            return
        for pk, stored, rows in drifted[:20]:
            self.stdout.write(f"studio {pk}: stored {stored} live packages, rows {rows}")
        raise CommandError(f"{len(drifted)} studio tally(ies) drifted; run with --fix to recount.")
