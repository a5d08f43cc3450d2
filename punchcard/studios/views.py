from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from punchcard.core.forms import add_service_errors
from punchcard.studios import services
from punchcard.studios.access import access_member_by_id, owner_required, studio_required
from punchcard.studios.forms import (
    MemberForm,
    MemberPasswordChangeForm,
    MemberUpdateForm,
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
    return render(
        request,
        "studios/members.html",
        {"form": form, "team": team, "roles": Membership.Role.choices},
    )


@owner_required
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    """Change one member's role or access: its own page, and what the list's row forms post to
    (htmx gets the row back in place; without JavaScript the list comes back)."""
    member = access_member_by_id(request.studio, member_id)
    form = MemberUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_update(membership=member, **form.cleaned_data)
        except services.LastOwnerError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_member_update(request, member)
    if request.htmx:
        problems = [message for errors in form.errors.values() for message in errors]
        return _member_row(request, member, error=" ".join(problems))
    if request.method == "GET":
        active = "true" if member.user.is_active else "false"
        form = MemberUpdateForm(initial={"role": member.role, "is_active": active})
    return render(request, "studios/member_edit.html", {"form": form, "member": member})


def _member_state(member: Membership) -> str:
    if not member.user.is_active:
        return f"{member.user.email} is deactivated: their sign-ins and API tokens have ended."
    return f"{member.user.email} is an active {member.get_role_display().lower()}."


def _member_row(request: HttpRequest, member: Membership, **extra) -> HttpResponse:
    context = {"m": member, "roles": Membership.Role.choices, **extra}
    return render(request, "studios/members.html#member", context)


def _after_member_update(request: HttpRequest, member: Membership) -> HttpResponse:
    if member.user_id == request.user.pk and not (member.user.is_active and member.is_owner):
        # The owner took themselves off the members page (or out of their own sessions).
        messages.success(request, _member_state(member))
        target = reverse("studios:settings")
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    if request.htmx:
        return _member_row(request, member, note=_member_state(member))
    messages.success(request, _member_state(member))
    return redirect("studios:members")


@method_decorator(studio_required, name="dispatch")
class MemberPasswordChangeView(PasswordChangeView):
    """Any signed-in member changes their own password. Their other sign-in sessions and API
    tokens end (services.password_set); this browser stays signed in."""

    template_name = "studios/password_change.html"
    form_class = MemberPasswordChangeForm
    success_url = reverse_lazy("studios:settings")

    def form_valid(self, form):
        services.password_set(user=form.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(
            self.request,
            "Password changed. Your other sign-ins and API tokens have ended; "
            "this browser stays signed in.",
        )
        return HttpResponseRedirect(self.get_success_url())
