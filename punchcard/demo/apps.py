from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo studio (`manage.py seed_demo`): above every app, since it fills them all."""

    name = "punchcard.demo"
    default_auto_field = "django.db.models.BigAutoField"
