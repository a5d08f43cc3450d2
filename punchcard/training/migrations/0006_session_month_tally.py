import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """Every studio's counted sessions per local month, from the rows, as rebuild_tally does."""
    from zoneinfo import ZoneInfo

    from punchcard.training.counts import counted_rows, month_counts

    Studio = apps.get_model("studios", "Studio")
    TrainingSession = apps.get_model("training", "TrainingSession")
    SessionMonthTally = apps.get_model("training", "SessionMonthTally")
    for studio_id, zone in Studio.objects.order_by("pk").values_list("pk", "timezone"):
        found = month_counts(counted_rows(studio_id, model=TrainingSession), ZoneInfo(zone))
        SessionMonthTally.objects.bulk_create(
            SessionMonthTally(studio_id=studio_id, month=month, sessions=n)
            for month, n in found.items()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("studios", "0002_studio_tally"),
        ("training", "0005_counted_and_live_sessions_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SessionMonthTally",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "studio",
                        "month",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("month", models.DateField()),
                ("sessions", models.IntegerField(default=0)),
                (
                    "studio",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="studios.studio",
                    ),
                ),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
