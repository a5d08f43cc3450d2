"""Decorators that guard page views: signed in with a studio, and owner-only actions."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def studio_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "studio", None) is None:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def require_owner(request) -> None:
    """For views that must first look their object up (another studio's is a 404, not a 403)."""
    if not request.membership.is_owner:
        raise PermissionDenied("Only the studio owner can do this.")


def owner_required(view):
    @studio_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_owner(request)
        return view(request, *args, **kwargs)

    return wrapper
