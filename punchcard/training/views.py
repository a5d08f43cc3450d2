from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from punchcard.clients.models import Client
from punchcard.core.forms import add_service_errors
from punchcard.packages.models import Package
from punchcard.studios.access import studio_required
from punchcard.training import selectors, services
from punchcard.training.forms import MAX_ID, SessionFilterForm, SessionForm
from punchcard.training.models import TrainingSession


def _pk(value) -> int | None:
    """An id from a form or a query string, or None when it cannot be one ("abc", "1.5", 10**30)."""
    try:
        pk = int(str(value).strip())
    except ValueError:
        return None
    return pk if 0 < pk <= MAX_ID else None


def _pk_or_404(value) -> int:
    # Junk is a 404 like an id that is not yours, not a ValueError from the ORM (a 500).
    pk = _pk(value)
    if pk is None:
        raise Http404("No such id.")
    return pk


def _client(request, pk) -> Client:
    return get_object_or_404(Client.objects.for_studio(request.studio).live(), pk=_pk_or_404(pk))


def _session(request, pk) -> TrainingSession:
    sessions = (
        TrainingSession.objects.for_studio(request.studio)
        .live()
        .select_related("client", "package")
    )
    return get_object_or_404(sessions, pk=pk)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _summary(logged: services.LoggedSession) -> str:
    """What the trainer needs to hear after logging, in words."""
    client = logged.session.client.name
    if logged.package is None:
        return f"Session logged for {client}."
    p = logged.package
    left = p.remaining
    tail = f"{left} left" if left >= 0 else f"{-left} over"
    return f"Session logged for {client}: {p.name} now {p.sessions_used} of {p.total_sessions} used · {tail}."


@studio_required
def session_new(request: HttpRequest) -> HttpResponse:
    """Full log form; the client comes from ?client= (links on every page), or is searched here."""
    client_id = request.POST.get("client") or request.GET.get("client")
    if not client_id:
        q = request.GET.get("q", "").strip()
        clients = (
            Client.objects.for_studio(request.studio).live().search(q).order_by("name")[:20]
            if q
            else []
        )
        template = (
            "training/session_new.html#client-choices"
            if request.htmx
            else "training/session_new.html"
        )
        if request.htmx and request.GET.get("quick"):
            template = "training/_quick_choices.html"  # the dashboard's one-click log buttons
        return render(request, template, {"q": q, "clients": clients})
    client = _client(request, client_id)
    initial = {}
    package_id = request.GET.get("package")
    if package_id:
        initial["package"] = (
            Package.objects.for_studio(request.studio)
            .live()
            .filter(client=client, pk=_pk(package_id))
            .first()
        )
    else:
        initial["package"] = services.package_for_new_session(studio=request.studio, client=client)
    form = SessionForm(request.POST or None, initial=initial, client=client, studio=request.studio)
    if request.method == "POST" and form.is_valid():
        try:
            logged = services.session_log(
                studio=request.studio, actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_log(request, logged, fallback=f"/clients/{client.pk}/")
    return render(
        request,
        "training/session_form.html",
        {"form": form, "client": client, "next": _safe_next(request, "")},
    )


@studio_required
@require_POST
def session_quick_log(request: HttpRequest) -> HttpResponse:
    """One click: log a completed session now for a client (package by the rule, or the one given)."""
    client = _client(request, request.POST.get("client"))
    package = None
    if request.POST.get("package"):
        package = get_object_or_404(
            Package.objects.for_studio(request.studio).live(),
            pk=_pk_or_404(request.POST["package"]),
        )
    try:
        logged = services.session_log(
            studio=request.studio, actor=request.user, client=client, package=package
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_safe_next(request, f"/clients/{client.pk}/"))
    return _after_log(request, logged, fallback=f"/clients/{client.pk}/")


def _after_log(request, logged: services.LoggedSession, *, fallback: str) -> HttpResponse:
    warnings = [services.WARNING_TEXT[w] for w in logged.warnings]
    if request.htmx:
        return render(
            request,
            "training/_log_result.html",
            {"logged": logged, "summary": _summary(logged), "warnings": warnings},
        )
    messages.success(request, _summary(logged))
    for text in warnings:
        messages.warning(request, text)
    return redirect(_safe_next(request, fallback))


@studio_required
def session_list(request: HttpRequest) -> HttpResponse:
    filters = SessionFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    sessions = selectors.session_list(
        studio=request.studio,
        client_id=data.get("client"),
        package_id=data.get("package"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    page = Paginator(sessions, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    client = (
        Client.objects.for_studio(request.studio).filter(pk=data.get("client")).first()
        if data.get("client")
        else None
    )
    package = (
        Package.objects.for_studio(request.studio).filter(pk=data.get("package")).first()
        if data.get("package")
        else None
    )
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "client": client,
        "package": package,
    }
    template = (
        "training/session_list.html#results" if request.htmx else "training/session_list.html"
    )
    return render(request, template, context)


@studio_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    initial = {
        "package": session.package,
        "starts_at": session.starts_at.astimezone(request.studio.tzinfo).replace(tzinfo=None),
        "duration_minutes": session.duration_minutes,
        "status": session.status,
        "notes": session.notes,
    }
    form = SessionForm(
        request.POST or None,
        initial=initial,
        client=session.client,
        studio=request.studio,
        current_package_id=session.package_id,
    )
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        package = changes["package"]
        if package is not None and package.pk == session.package_id:
            # Unchanged: not handed to the service, which would refuse a package another client
            # holds now (moved by a transfer); the session simply keeps it.
            del changes["package"]
        try:
            logged = services.session_update(session=session, actor=request.user, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Session saved. " + _summary(logged).split(": ", 1)[-1])
            return redirect(_safe_next(request, "/sessions/"))
    return render(
        request,
        "training/session_form.html",
        {
            "form": form,
            "client": session.client,
            "session": session,
            "next": _safe_next(request, ""),
        },
    )


@studio_required
@require_POST
def session_delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    services.session_delete(session=session, actor=request.user)
    messages.success(
        request, f"Session of {session.client.name} on {session.starts_at:%d %b} deleted."
    )
    return redirect(_safe_next(request, "/sessions/"))
