from django.urls import path

from punchcard.packages import import_views, type_views, views

app_name = "packages"
# A package's page (packages:detail, <int:pk>/) reads its sessions too: overview.urls.
urlpatterns = [
    path("", views.package_list, name="list"),
    path("export.csv", views.package_export, name="export"),
    path("new/", views.package_new, name="new"),
    path("client-options/", views.client_options, name="client-options"),
    path("import/", import_views.package_import, name="import"),
    path("import/sample.csv", import_views.package_import_sample, name="import-sample"),
    path("<int:pk>/edit/", views.package_edit, name="edit"),
    path("<int:pk>/primary/", views.package_make_primary, name="make-primary"),
    path("<int:pk>/delete/", views.package_delete, name="delete"),
    path("<int:pk>/restore/", views.package_restore, name="restore"),
    path("types/", type_views.type_list, name="type-list"),
    path("types/new/", type_views.type_new, name="type-new"),
    path("types/<int:pk>/edit/", type_views.type_edit, name="type-edit"),
    path("types/<int:pk>/delete/", type_views.type_delete, name="type-delete"),
]
