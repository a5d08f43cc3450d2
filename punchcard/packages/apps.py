from django.apps import AppConfig


class PackagesConfig(AppConfig):
    name = "punchcard.packages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from punchcard.packages import history, services  # noqa: F401  (signal and studio hook)
