from django.contrib import admin
from django.urls import include, path

from config.api import api
from punchcard.clients import urls as clients_urls
from punchcard.overview import urls as overview_urls
from punchcard.packages import urls as packages_urls
from punchcard.packages.report_views import expired_report

# The pages that combine apps (overview) keep the names of the pages they sit among.
clients = (clients_urls.urlpatterns + overview_urls.client_pages, clients_urls.app_name)
packages = (packages_urls.urlpatterns + overview_urls.package_pages, packages_urls.app_name)
dashboard = (overview_urls.dashboard, "core")

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("clients/", include(clients)),
    path("packages/", include(packages)),
    path("sessions/", include("punchcard.training.urls")),
    path("analytics/", include("punchcard.analytics.urls")),
    path("reports/expired/", expired_report, name="reports-expired"),
    # A client's private balance page (/b/<token>/): no sign-in, the token in the URL is the key.
    path("", include("punchcard.overview.public_urls")),
    path("", include("punchcard.studios.urls")),
    path("", include(dashboard)),
]

handler404 = "punchcard.core.errors.not_found"
handler500 = "punchcard.core.errors.server_error"
