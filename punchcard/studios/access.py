"""Decorators that guard page views (signed in with a studio, owner-only actions), and the
look-up of a studio's member by id."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from punchcard.studios.models import Membership, User


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


def access_member_by_id(studio, member_id: int) -> Membership:
    """The studio's member whose user id is member_id; Http404 for anyone else's or nobody's.

    Looked up by the user's own id (not membership.user_id): an id past the database's integers
    then finds nobody, where the foreign key's lookup would fail on SQLite.
    """
    user = get_object_or_404(
        User.objects.filter(membership__studio=studio).select_related("membership"), pk=member_id
    )
    return user.membership
