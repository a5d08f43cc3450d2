from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Owner analytics: reads only (selectors, a page, an API endpoint), no models."""

    name = "punchcard.analytics"
    default_auto_field = "django.db.models.BigAutoField"
