from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("clients/", include("punchcard.clients.urls")),
    path("", include("punchcard.studios.urls")),
    path("", include("punchcard.core.urls")),
]

handler404 = "punchcard.core.errors.not_found"
handler500 = "punchcard.core.errors.server_error"
