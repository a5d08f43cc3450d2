from django.urls import path

from punchcard.clients import views

app_name = "clients"
# A client's page (clients:detail, <int:pk>/) reads packages and sessions too: overview.urls.
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_new, name="new"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/delete/", views.client_delete, name="delete"),
    path("<int:pk>/balance-link/", views.balance_link_create, name="balance-link-create"),
    path("<int:pk>/balance-link/revoke/", views.balance_link_revoke, name="balance-link-revoke"),
]
