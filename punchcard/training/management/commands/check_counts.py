from django.core.management.base import BaseCommand, CommandError

from punchcard.training import counts


class Command(BaseCommand):
    help = (
        "Prove every package's stored sessions_used equals its counted session rows minus "
        "adjustments, and every studio's stored sessions per month its counted session rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Recount what drifted.")

    def handle(self, *args, fix=False, **options):
        drifted = list(counts.drifted().values_list("pk", "sessions_used", "rows"))
        months = counts.tally_drifted()
        if not drifted:
            self.stdout.write(
                "check_counts: every package counter matches its sessions and adjustments."
            )
        if not months:
            self.stdout.write("check_counts: every studio's sessions per month match its rows.")
        if not drifted and not months:
            return
        for pk, stored, rows in drifted[:20]:
            self.stdout.write(f"package {pk}: stored {stored}, rows {rows}")
        for studio_id, month, stored, rows in months[:20]:
            self.stdout.write(f"studio {studio_id} {month:%Y-%m}: stored {stored}, rows {rows}")
        if fix:
            counts.recount(pk for pk, _, _ in drifted)
            counts.rebuild_tally({studio_id for studio_id, *_ in months})
            self.stdout.write(
                f"check_counts: recounted {len(drifted)} package(s) and {len(months)} month(s)."
            )
            return
        raise CommandError(
            f"{len(drifted)} package counter(s) and {len(months)} month(s) drifted;"
            " run with --fix to recount."
        )
