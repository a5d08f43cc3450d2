from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from punchcard.clients import services
from punchcard.clients.forms import ClientForm
from punchcard.clients.models import BalanceLink, Client
from punchcard.studios.access import studio_required

PAGE_SIZE = 25


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
@require_POST
def client_delete(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_studio(request, pk)
    services.client_delete(client=client)
    messages.success(request, f"{client.name} removed from your client list.")
    return redirect("clients:list")


# Balance link: the client's private read-only page (overview.views.balance_public) ----------------

NEW_LINK_KEY = "new_balance_link"


def pop_new_balance_url(request: HttpRequest, client: Client) -> str | None:
    """The URL of a link made a moment ago: only its hash is stored, so this is the one showing."""
    new = request.session.get(NEW_LINK_KEY)
    if not new or new.get("client") != client.pk:
        return None
    del request.session[NEW_LINK_KEY]
    return new.get("url")


def _to_balance_card(client: Client) -> HttpResponse:
    return redirect(reverse("clients:detail", args=[client.pk]) + "#balance-link")


@studio_required
@require_POST
def balance_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_studio(request, pk)
    replaced = BalanceLink.objects.filter(client=client).exists()
    path = services.balance_link_create(client=client, actor=request.user)
    request.session[NEW_LINK_KEY] = {"client": client.pk, "url": request.build_absolute_uri(path)}
    note = " The previous link no longer works." if replaced else ""
    messages.success(
        request, f"New balance link for {client.name}. Copy it now: it is shown only once.{note}"
    )
    return _to_balance_card(client)


@studio_required
@require_POST
def balance_link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_studio(request, pk)
    if services.balance_link_revoke(client=client):
        messages.success(request, f"Balance link revoked: {client.name}’s old URL no longer works.")
    else:
        messages.info(request, f"{client.name} had no active balance link.")
    return _to_balance_card(client)
