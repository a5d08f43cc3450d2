from django.conf import settings


def studio(request):
    membership = getattr(request, "membership", None)
    return {
        "studio": getattr(request, "studio", None),
        "membership": membership,
        "is_owner": bool(membership and membership.is_owner),
        "allow_signup": settings.PUNCHCARD_ALLOW_SIGNUP,
    }
