from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "punchcard.core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from punchcard.core import db  # noqa: F401  (connects its connection_created receiver)
