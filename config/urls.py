from django.contrib import admin
from django.urls import include, path

from config.api import api
from punchcard.packages.report_views import expired_report

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("clients/", include("punchcard.clients.urls")),
    path("packages/", include("punchcard.packages.urls")),
    path("sessions/", include("punchcard.training.urls")),
    path("analytics/", include("punchcard.analytics.urls")),
    path("reports/expired/", expired_report, name="reports-expired"),
    # A client's private balance page (/b/<token>/): no sign-in, the token in the URL is the key.
    path("", include("punchcard.clients.public_urls")),
    path("", include("punchcard.studios.urls")),
    path("", include("punchcard.core.urls")),
]

handler404 = "punchcard.core.errors.not_found"
handler500 = "punchcard.core.errors.server_error"
