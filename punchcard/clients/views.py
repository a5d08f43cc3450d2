from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from punchcard.clients import services
from punchcard.clients.forms import ClientForm
from punchcard.clients.models import Client
from punchcard.packages import selectors as package_selectors
from punchcard.studios.access import studio_required
from punchcard.training import selectors as training_selectors

PAGE_SIZE = 25
RECENT_SESSIONS = 20


def get_client_for_studio(request: HttpRequest, pk: int) -> Client:
    return get_object_or_404(Client.objects.for_studio(request.studio).live(), pk=pk)


@studio_required
def client_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    clients = Client.objects.for_studio(request.studio).live().search(q).order_by("name", "id")
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q}
    template = "clients/client_list.html"
    if request.htmx and request.htmx.target == "client-results":
        template += "#results"
    return render(request, template, context)


@studio_required
def client_new(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = services.client_create(studio=request.studio, **form.cleaned_data)
        messages.success(request, f"{client.name} added.")
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form})


@studio_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_studio(request, pk)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        services.client_update(client=client, **form.cleaned_data)
        messages.success(request, "Client saved.")
        return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@studio_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_studio(request, pk)
    context = {
        "client": client,
        "held_packages": package_selectors.client_packages(client=client),
        "today": request.studio.today(),
        "threshold": request.studio.low_balance_threshold,
        "recent_sessions": list(
            training_selectors.session_list(studio=request.studio, client_id=client.pk)[
                :RECENT_SESSIONS
            ]
        ),
    }
    return render(request, "clients/client_detail.html", context)


@studio_required
@require_POST
def client_delete(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_studio(request, pk)
    services.client_delete(client=client)
    messages.success(request, f"{client.name} removed from your client list.")
    return redirect("clients:list")
