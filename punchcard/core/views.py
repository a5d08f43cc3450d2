from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from punchcard.clients.models import Client
from punchcard.studios.access import studio_required


@studio_required
def dashboard(request: HttpRequest) -> HttpResponse:
    clients = Client.objects.for_studio(request.studio).live()
    return render(
        request,
        "core/dashboard.html",
        {"client_count": clients.count(), "recent_clients": clients.order_by("-created_at")[:5]},
    )


@studio_required
def coming_soon(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "core/coming_soon.html", {"title": title})
