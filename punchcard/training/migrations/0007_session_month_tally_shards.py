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
            SessionMonthTally(studio_id=studio_id, month=month, shard=0, sessions=n)
            for month, n in found.items()
        )


class Migration(migrations.Migration):
    """The tally's key gains a shard (see SessionMonthTally). A composite primary key cannot be
    altered, so the table is made again and filled from the rows."""

    dependencies = [
        ("studios", "0002_studio_tally"),
        ("training", "0006_session_month_tally"),
    ]

    operations = [
        migrations.DeleteModel(name="SessionMonthTally"),
        migrations.CreateModel(
            name="SessionMonthTally",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "studio",
                        "month",
                        "shard",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("month", models.DateField()),
                ("shard", models.SmallIntegerField(default=0)),
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
