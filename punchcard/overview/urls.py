"""The pages that combine apps, under the names they have always had.

config/urls.py mounts each list in the namespace of the pages it sits among: a client's page is
clients:detail (/clients/<pk>/), a package's page packages:detail (/packages/<pk>/), and the
dashboard core:dashboard (/). The client's own balance page is in public_urls.py.
"""

from django.urls import path

from punchcard.overview import package_actions, views

dashboard = [path("", views.dashboard, name="dashboard")]
client_pages = [path("<int:pk>/", views.client_detail, name="detail")]
package_pages = [
    path("<int:pk>/", views.package_detail, name="detail"),
    path("<int:pk>/transfer/", package_actions.package_transfer, name="transfer"),
    path("<int:pk>/adjust/", package_actions.package_adjust, name="adjust"),
    path("<int:pk>/freeze/", package_actions.package_freeze, name="freeze"),
    path(
        "<int:pk>/freezes/<int:freeze_pk>/end/",
        package_actions.freeze_end,
        name="freeze-end",
    ),
]
