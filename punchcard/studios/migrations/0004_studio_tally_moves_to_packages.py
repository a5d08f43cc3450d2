from django.db import migrations


class Migration(migrations.Migration):
    """StudioTally now lives in packages (packages 0008 takes it over with its rows)."""

    dependencies = [
        ("studios", "0003_user_session_epoch"),
        ("packages", "0008_studio_tally_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StudioTally")],
            database_operations=[],
        ),
    ]
