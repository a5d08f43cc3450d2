from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "punchcard.core"
    default_auto_field = "django.db.models.BigAutoField"
