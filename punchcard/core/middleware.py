from django.shortcuts import render

from punchcard.core.conflicts import WRITE_CONFLICT, is_write_conflict


class WriteConflictMiddleware:
    """A page whose write collided with another (see core.conflicts) answers 409, not 500.

    The API has its own handler (config/api.py): Ninja answers its exceptions itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_write_conflict(exception):
            return None
        return render(request, "409.html", {"message": WRITE_CONFLICT}, status=409)
