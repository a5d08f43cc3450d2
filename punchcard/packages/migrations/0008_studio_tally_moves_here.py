import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The stored live-package count belongs to packages, which keeps it: the model moves here
    from studios (its rows stay), and its table is renamed to match."""

    dependencies = [
        ("packages", "0007_history_reason_text"),
        ("studios", "0003_user_session_epoch"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StudioTally",
                    fields=[
                        (
                            "studio",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="tally",
                                serialize=False,
                                to="studios.studio",
                            ),
                        ),
                        ("live_packages", models.IntegerField(default=0)),
                    ],
                    options={"db_table": "studios_studiotally"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="studiotally", table=None),
    ]
