from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "punchcard.training"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from punchcard.studios.services import on_zone_changed
        from punchcard.training import counts

        on_zone_changed(counts.zone_changed)
