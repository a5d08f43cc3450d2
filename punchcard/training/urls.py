from django.urls import path

from punchcard.training import views

app_name = "training"
urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_new, name="new"),
    path("log/", views.session_quick_log, name="quick-log"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/delete/", views.session_delete, name="delete"),
]
