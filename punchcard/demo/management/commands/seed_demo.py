from django.core.management.base import BaseCommand

from punchcard.demo.seed import DEMO_OWNER, DEMO_TRAINER, seed_demo


class Command(BaseCommand):
    help = "Create the demo studio with realistic data (does nothing if it already exists)."

    def handle(self, *args, **options):
        studio, created = seed_demo()
        verb = "Created" if created else "Kept the existing"
        self.stdout.write(f"{verb} demo studio “{studio.name}”.")
        self.stdout.write(f"  Owner:   {DEMO_OWNER[0]} / {DEMO_OWNER[1]}")
        self.stdout.write(f"  Trainer: {DEMO_TRAINER[0]} / {DEMO_TRAINER[1]}")
