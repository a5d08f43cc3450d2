"""Pages that combine apps: the dashboard, a client's page, a package's page, and the client's
own balance page. Each reads clients, packages and sessions together, so it sits above them."""

from datetime import date

from django.db.models import Count, F, Window
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render

from punchcard.clients.models import BalanceLink, Client
from punchcard.clients.views import pop_new_balance_url
from punchcard.overview import selectors
from punchcard.packages import rules
from punchcard.packages import selectors as package_selectors
from punchcard.packages.forms import AdjustmentForm, FreezeForm, TransferForm
from punchcard.packages.models import Package
from punchcard.packages.views import (
    client_picker,
    history_for_display,
    studio_client,
    studio_packages,
)
from punchcard.studios.access import studio_required
from punchcard.training import selectors as training_selectors
from punchcard.training.models import TrainingSession

RECENT_SESSIONS = 20
SESSIONS_SHOWN = 50
PUBLIC_RECENT_SESSIONS = 10
PUBLIC_PAST_PACKAGES = 3
PUBLIC_PACKAGES_LIMIT = 50


@studio_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "overview/dashboard.html", selectors.dashboard(studio=request.studio))


# A client's page ------------------------------------------------------------------------------


def _forecasts(studio, client: Client, packages: list, today) -> dict:
    """Pace forecasts of the client's active packages: one count query, none without packages."""
    if not packages:
        return {}
    counts = selectors.recent_session_counts(studio=studio, client_ids=[client.pk], today=today)
    return selectors.package_forecasts(packages, counts=counts, today=today)


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
        "new_balance_url": pop_new_balance_url(request, client),
        "today": today,
        "threshold": request.studio.low_balance_threshold,
        "recent_sessions": list(
            training_selectors.session_list(studio=request.studio, client_id=client.pk)[
                :RECENT_SESSIONS
            ]
        ),
    }
    return render(request, "overview/client_detail.html", context)


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
    response = render(request, "overview/balance_public.html", context)
    # The token is the password: keep the URL out of caches, Referer headers and search engines.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# A package's page -----------------------------------------------------------------------------


def _package_forecast(studio, package: Package, today: date, frozen_now=None):
    """The pace forecast of an active package (one count query unless it came counted), else None.

    A frozen package resumes its pace the day after the freeze (whose days the expiry already
    moved out by), so the forecast starts counting from then.
    """
    if package.status_on(today) != Package.Status.ACTIVE:
        return None
    if hasattr(package, "recent_sessions"):  # counted by the package's own query
        counts = {package.client_id: package.recent_sessions}
    else:
        counts = selectors.recent_session_counts(
            studio=studio, client_ids=[package.client_id], today=today
        )
    package.frozen_until = frozen_now.ends_on if frozen_now else None
    return selectors.package_forecasts([package], counts=counts, today=today)[package.pk]


def render_package_page(
    request: HttpRequest,
    package: Package,
    *,
    transfer_form: TransferForm | None = None,
    picker_source: QueryDict | None = None,
    adjust_form: AdjustmentForm | None = None,
    freeze_form: FreezeForm | None = None,
) -> HttpResponse:
    """The package page; a form that came back with errors is shown open, with them.

    Also how the package actions (overview.package_actions) re-show the page.
    """
    studio = request.studio
    transfer_form = transfer_form or TransferForm(studio=studio)
    # The transfer form's client search: typed into it, it asks packages:client-options (htmx);
    # without JavaScript its Find button posts to packages:transfer, which re-shows this page.
    source = picker_source if picker_source is not None else QueryDict()
    freezes = list(package.freezes.select_related("actor"))
    frozen_now = next((f for f in freezes if f.covers(studio.today())), None)
    # The total rides along on the first page of rows (a window count): no second query.
    sessions = list(
        TrainingSession.objects.filter(package=package)
        .live()
        .select_related("client", "trainer")
        .annotate(total=Window(Count("id")))[:SESSIONS_SHOWN]
    )
    transfers = list(package.transfers.select_related("from_client", "to_client", "actor"))
    context = {
        "package": package,
        "today": studio.today(),
        "forecast": _package_forecast(studio, package, studio.today(), frozen_now),
        "sessions": sessions,
        "session_count": sessions[0].total if sessions else 0,
        "transfers": transfers,
        "adjustments": package.adjustments.select_related("actor"),
        "freezes": freezes,
        "frozen_now": frozen_now,
        "adjust_form": adjust_form or AdjustmentForm(),
        "adjust_open": adjust_form is not None,
        "freeze_form": freeze_form or FreezeForm(),
        "freeze_open": freeze_form is not None,
        "history": history_for_display(package),
        "transfer_form": transfer_form,
        "transfer_open": picker_source is not None,
        "picker": client_picker(
            studio,
            q=source.get("client_q", ""),
            chosen=studio_client(studio, source.get("client_id")),
            exclude_id=package.client_id,
        ),
    }
    return render(request, "overview/package_detail.html", context)


@studio_required
def package_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Owners can open a deleted package (to read its history and restore it); trainers get a 404.
    packages = studio_packages(request, include_deleted=request.membership.is_owner)
    # The forecast's count rides along: 8 queries for the page, sign-in included.
    recent = selectors.recent_sessions_of_holder(request.studio, request.studio.today())
    package = get_object_or_404(packages.annotate(recent_sessions=recent), pk=pk)
    return render_package_page(request, package)
