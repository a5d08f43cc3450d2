from django.utils import timezone


class StudioMiddleware:
    """Put request.membership and request.studio on every signed-in request (None otherwise), and
    show times in the studio's zone: templates and forms of a signed-in request use it.

    API token requests are resolved later by the API's auth class, which sets the same attributes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.studio = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Loaded with the user by StudioUserBackend; a user without one has no studio.
            membership = getattr(user, "membership", None)
            if membership is not None:
                request.membership = membership
                request.studio = membership.studio
        if request.studio is None:
            return self.get_response(request)
        with timezone.override(request.studio.tzinfo):
            return self.get_response(request)
