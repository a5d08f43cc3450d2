"""How the JSON API knows who is calling: an API token or the browser's signed-in session."""

from ninja.security import APIKeyCookie, HttpBearer

from punchcard.studios.access import require_owner
from punchcard.studios.services import token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pc_…`; sets request.user/membership/studio like the middleware."""

    def authenticate(self, request, token):
        membership = token_authenticate(token)
        if membership is None:
            return None
        request.user = membership.user
        request.membership = membership
        request.studio = membership.studio
        return membership


class StudioSessionAuth(APIKeyCookie):
    """The browser's session cookie, with CSRF checked on unsafe methods (APIKeyCookie does).

    Only for a signed-in session: APIKeyCookie checks CSRF before it looks at the cookie, so a
    request from no one (or with a stale cookie) would be a 403 for CSRF where it is a 401.
    """

    param_name = "sessionid"

    def _get_key(self, request):
        if getattr(request, "membership", None) is None:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return getattr(request, "membership", None)


API_AUTH = [TokenAuth(), StudioSessionAuth()]


__all__ = ["API_AUTH", "StudioSessionAuth", "TokenAuth", "require_owner"]
