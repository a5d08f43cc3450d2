"""Signing in with email and password: Django's ModelBackend, one query cheaper per page."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StudioUserBackend(ModelBackend):
    """Loads a signed-in user together with their membership and studio.

    Every signed-in page needs all three (StudioMiddleware); ModelBackend fetched the user alone
    and the middleware then asked for the rest: one query per page that this join saves.
    """

    def get_user(self, user_id):
        try:
            users = get_user_model()._default_manager.select_related("membership__studio")
            user = users.filter(pk=int(user_id)).first()
        except (TypeError, ValueError):
            return None  # not an id this backend wrote: nobody is signed in
        return user if user is not None and self.user_can_authenticate(user) else None
