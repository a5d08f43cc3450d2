"""Pages for people without an account: capability URLs whose token is the only key.

A namespace of their own, so tests that walk every signed-in route can tell them apart.
"""

from django.urls import path

from punchcard.overview import views

app_name = "public"
urlpatterns = [
    path("b/<str:token>/", views.balance_public, name="balance"),
]
