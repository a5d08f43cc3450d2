from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

LOCKOUT_MESSAGE = (
    "Too many failed sign-in attempts for this email. For your security, sign-in is paused for "
    "15 minutes. Try again later. If your account was deactivated, your studio owner can "
    "reactivate it; once signed in, you can change your password in Settings."
)


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes calls this when an email is locked out: JSON 429 for the API, a page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKOUT_MESSAGE}, status=429)
    from punchcard.studios.forms import SignInForm

    return render(
        request,
        "studios/signin.html",
        {"form": SignInForm(request), "lockout_message": LOCKOUT_MESSAGE},
        status=429,
    )


def username_from_credentials(request, credentials):
    # Credentials arrive keyed "username" from the sign-in form and "email" (the USERNAME_FIELD)
    # from axes' own backend; the JSON API has no request.POST at all.
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email") or _posted_username(request)
    return (username or "").strip().lower() or None


def _posted_username(request) -> str | None:
    try:
        return request.POST.get("username")
    except MultiPartParserError:
        # A body labelled multipart without a valid boundary names nobody; the view answers it.
        return None
