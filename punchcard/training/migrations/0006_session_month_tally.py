import django.db.models.deletion
from django.db import migrations, models


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
        # Filled by 0007, which makes the table again with a shard in its key.
    ]
