from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from punchcard.clients import services
from punchcard.clients.forms import ClientForm
from punchcard.clients.models import BalanceLink, Client
from punchcard.packages import rules
from punchcard.packages import selectors as package_selectors
from punchcard.packages.models import Package
from punchcard.studios.access import studio_required
from punchcard.training import selectors as training_selectors
from punchcard.training.models import TrainingSession

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
    client = get_object_or_404(
        Client.objects.for_studio(request.studio).live().select_related("balance_link"), pk=pk
    )
    today = request.studio.today()
    held = package_selectors.client_packages(client=client, today=request.studio.today())
    forecasts = _forecasts(
        request.studio,
        client,
        [p for p, how in held if how == "current" and p.status_on(today) == Package.Status.ACTIVE],
        today,
    )
    context = {
        "client": client,
        "held_packages": [(p, how, forecasts.get(p.pk)) for p, how in held],
        "balance_link": getattr(client, "balance_link", None),
        "new_balance_url": _pop_new_balance_url(request, client),
        "today": today,
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


# Balance link: a private read-only page for the client -------------------------------------------

NEW_LINK_KEY = "new_balance_link"
PUBLIC_RECENT_SESSIONS = 10
PUBLIC_PAST_PACKAGES = 3
PUBLIC_PACKAGES_LIMIT = 50


def _forecasts(studio, client: Client, packages: list, today) -> dict:
    """Pace forecasts of the client's active packages: one count query, none without packages."""
    if not packages:
        return {}
    counts = training_selectors.recent_session_counts(
        studio=studio, client_ids=[client.pk], today=today
    )
    return training_selectors.package_forecasts(packages, counts=counts, today=today)


def _pop_new_balance_url(request: HttpRequest, client: Client) -> str | None:
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


def balance_public(request: HttpRequest, token: str) -> HttpResponse:
    """The client's own balance, read-only and without an account: sessions and dates, no money."""
    # token_urlsafe(32) is 43 characters; anything much longer is not worth hashing.
    link = (
        BalanceLink.objects.for_token(token).select_related("client", "studio").first()
        if len(token) <= 100
        else None
    )
    if link is None:
        raise Http404("No such balance link.")
    client, studio = link.client, link.studio
    today = studio.today()
    packages = list(
        Package.objects.for_studio(studio)
        .live()
        .filter(client=client)
        .with_frozen_until(today)
        .order_by(F("expiry_date").asc(nulls_last=True), "-created_at", "-id")[
            :PUBLIC_PACKAGES_LIMIT
        ]
    )
    current_statuses = (Package.Status.ACTIVE, Package.Status.INACTIVE)
    current = [p for p in packages if p.status_on(today) in current_statuses]
    past = sorted(
        (p for p in packages if p.status_on(today) not in current_statuses),
        key=lambda p: (p.created_at, p.pk),
        reverse=True,
    )[:PUBLIC_PAST_PACKAGES]
    active = [p for p in current if p.status_on(today) == Package.Status.ACTIVE]
    forecasts = _forecasts(studio, client, active, today)
    threshold = studio.low_balance_threshold

    def state(p):
        return rules.state(p, today=today, threshold=threshold)

    context = {
        # Not "studio": base templates treat that name as a signed-in member's studio.
        "link_studio": studio,
        "client": client,
        "today": today,
        "current": [(p, state(p), forecasts.get(p.pk)) for p in current],
        "past": [(p, state(p)) for p in past],
        "sessions": list(
            TrainingSession.objects.for_studio(studio)
            .filter(client=client)
            .counted()
            .select_related("package")
            .order_by("-starts_at", "-id")[:PUBLIC_RECENT_SESSIONS]
        ),
    }
    response = render(request, "clients/balance_public.html", context)
    # The token is the password: keep the URL out of caches, Referer headers and search engines.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
