from django.apps import AppConfig


class OverviewConfig(AppConfig):
    """Pages and reads that combine apps (the dashboard, a client's and a package's page, the pace
    forecast): above clients, packages and training, which never import it. No models."""

    name = "punchcard.overview"
    default_auto_field = "django.db.models.BigAutoField"
