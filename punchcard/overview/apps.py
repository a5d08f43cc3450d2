from django.apps import AppConfig


class OverviewConfig(AppConfig):
    """Pages and reads that combine apps (the dashboard, a client's and a package's page, the pace
    forecast): above clients, packages and training, which never import it. No models."""

    name = "punchcard.overview"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from punchcard.overview.views import render_package_page
        from punchcard.packages.views import register_detail_renderer

        # The package actions (transfer, adjust, freeze) re-show this app's package page.
        register_detail_renderer(render_package_page)
