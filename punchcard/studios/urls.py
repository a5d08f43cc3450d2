from django.contrib.auth.views import LogoutView
from django.urls import path

from punchcard.studios import views

app_name = "studios"
urlpatterns = [
    path("signin/", views.SignInView.as_view(), name="signin"),
    path("signout/", LogoutView.as_view(), name="signout"),
    path("signup/", views.signup, name="signup"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/tokens/", views.token_create, name="token-create"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("settings/password/", views.MemberPasswordChangeView.as_view(), name="password-change"),
    path("members/", views.members, name="members"),
    path("members/<int:member_id>/", views.member_edit, name="member-edit"),
]
