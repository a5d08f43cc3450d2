from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from punchcard.core.forms import add_service_errors
from punchcard.studios import services
from punchcard.studios.access import owner_required, studio_required
from punchcard.studios.forms import (
    MemberForm,
    SignInForm,
    SignUpForm,
    StudioSettingsForm,
    TokenForm,
)
from punchcard.studios.models import ApiToken, Membership


class SignInView(LoginView):
    template_name = "studios/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def signup(request: HttpRequest) -> HttpResponse:
    if not settings.PUNCHCARD_ALLOW_SIGNUP:
        raise Http404("Sign-up is switched off on this server.")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.studio_signup(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, membership.user, backend="punchcard.studios.backends.StudioUserBackend")
            messages.success(request, f"Welcome to Punchcard, {membership.studio.name}!")
            return redirect("core:dashboard")
    return render(request, "studios/signup.html", {"form": form})


@studio_required
def settings_page(request: HttpRequest) -> HttpResponse:
    is_owner = request.membership.is_owner
    form = StudioSettingsForm(instance=request.studio)
    if request.method == "POST" and is_owner:
        form = StudioSettingsForm(request.POST, instance=request.studio)
        if form.is_valid():
            services.studio_update(studio=request.studio, **form.cleaned_data)
            messages.success(request, "Studio settings saved.")
            return redirect("studios:settings")
    return _render_settings(request, form=form, token_form=TokenForm())


def _render_settings(request: HttpRequest, *, form, token_form) -> HttpResponse:
    tokens = ApiToken.objects.live().filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "studios/settings.html",
        {
            "form": form,
            "token_form": token_form,
            "tokens": tokens,
            "new_token": request.session.pop("new_token", None),
        },
    )


@studio_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        # Back to the page with the error next to the name: no token under a name not typed.
        return _render_settings(
            request, form=StudioSettingsForm(instance=request.studio), token_form=form
        )
    _, raw = services.token_issue(user=request.user, name=form.cleaned_data["name"])
    # Shown once on the next page, then gone: only the hash is stored.
    request.session["new_token"] = raw
    messages.success(request, "Token created. Copy it now: it will not be shown again.")
    return redirect("studios:settings")


@studio_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Someone else's token (or another studio's) answers 404 like any object that is not yours.
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=token_id)
    services.token_revoke(user=request.user, token_id=token.pk)
    messages.success(request, "Token revoked. Scripts using it can no longer sign in.")
    return redirect("studios:settings")


@owner_required
def members(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.member_create(studio=request.studio, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{membership.user.email} can now sign in as {membership.role}."
            )
            return redirect("studios:members")
    team = (
        Membership.objects.filter(studio=request.studio)
        .select_related("user")
        .order_by("role", "user__email")
    )
    return render(request, "studios/members.html", {"form": form, "team": team})
