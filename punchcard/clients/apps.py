from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "punchcard.clients"
    default_auto_field = "django.db.models.BigAutoField"
