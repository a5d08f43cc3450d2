from django.urls import path

from punchcard.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("packages/", views.coming_soon, {"title": "Packages"}, name="packages"),
    path("sessions/", views.coming_soon, {"title": "Sessions"}, name="sessions"),
    path("reports/", views.coming_soon, {"title": "Reports"}, name="reports"),
    path("analytics/", views.coming_soon, {"title": "Analytics"}, name="analytics"),
]
