"""Package pages: thin views that parse input, call a service or selector, and render.

One template per page; the fragments htmx asks for are named partials of that template, picked
by the request's HX-Target.
"""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.views.decorators.http import require_POST
from django_htmx.http import push_url

from punchcard.clients.models import Client
from punchcard.core.forms import add_service_errors
from punchcard.packages import selectors, services
from punchcard.packages.forms import (
    DEFAULT_SORT,
    PackageFilterForm,
    PackageForm,
    package_initial,
    per_session_preview,
    type_initial,
)
from punchcard.packages.models import Package, PackageType
from punchcard.packages.present import package_csv_response
from punchcard.studios.access import require_owner, studio_required

PAGE_SIZE = 25
CLIENT_OPTIONS_LIMIT = 20


# Look-ups: always from the signed-in studio, so another studio's ids answer 404 ------------------


def _int(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def studio_packages(request: HttpRequest, *, include_deleted: bool = False):
    packages = Package.objects.for_studio(request.studio).select_related("client", "package_type")
    return packages if include_deleted else packages.live()


def get_package_for_studio(
    request: HttpRequest, pk: int, *, include_deleted: bool = False
) -> Package:
    return get_object_or_404(studio_packages(request, include_deleted=include_deleted), pk=pk)


def studio_client(studio, raw_id, *, live: bool = True) -> Client | None:
    pk = _int(raw_id)
    if pk is None:
        return None
    clients = Client.objects.for_studio(studio)
    return (clients.live() if live else clients).filter(pk=pk).first()


# The client picker: a few radio buttons found by typing, so it scales to thousands of clients ----


def client_picker(
    studio,
    *,
    q: str = "",
    chosen: Client | None = None,
    exclude_id: int | None = None,
    any_client: bool = False,
) -> dict:
    q = (q or "").strip()[:200]
    matches, more = [], False
    if q:
        found = Client.objects.for_studio(studio).live().search(q).order_by("name", "id")
        for pk in (chosen.pk if chosen else None, exclude_id):
            if pk:
                found = found.exclude(pk=pk)
        # One extra row tells us whether to say "type more to narrow it down".
        found = list(found[: CLIENT_OPTIONS_LIMIT + 1])
        matches, more = found[:CLIENT_OPTIONS_LIMIT], len(found) > CLIENT_OPTIONS_LIMIT
    return {
        "q": q,
        "chosen": chosen,
        "matches": matches,
        "more": more,
        "any": any_client,
        "exclude": exclude_id or "",
    }


@studio_required
def client_options(request: HttpRequest) -> HttpResponse:
    """Up to 20 of the studio's clients matching ?client_q= (or ?q=), as radio buttons."""
    params = request.GET
    picker = client_picker(
        request.studio,
        q=params.get("client_q") or params.get("q") or "",
        chosen=studio_client(request.studio, params.get("client_id")),
        exclude_id=_int(params.get("exclude")),
        any_client=params.get("any") == "1",
    )
    return render(request, "packages/_client_options.html", {"picker": picker})


# List and CSV export --------------------------------------------------------------------------

# Columns a list row never shows (package_list.html): not read, not converted to Python.
LIST_DEFERRED = (
    "studio",
    "package_type",
    "description",
    "per_session_value_cents",
    "start_date",
    "expiry_rule",
    "validity_days",
    "created_at",
    "updated_at",
)

SORT_COLUMNS = {
    "client": "Client",
    "total_value": "Total value",
    "per_session_value": "Per session",
    "sessions_used": "Used",
    "sessions_remaining": "Left",
    "expiry_date": "Expiry",
}


def _list_filters(request: HttpRequest):
    """The list's query string as selector filters, plus what was ignored and the chosen client."""
    form = PackageFilterForm(request.GET, is_owner=request.membership.is_owner)
    ignored = form.ignored()
    client = None
    if (client_id := form.value("client_id")) is not None:
        # Deleted clients too: their packages are still worth finding.
        client = studio_client(request.studio, client_id, live=False)
        if client is None:
            ignored.append(f"Client “{client_id}”")
    active = form.value("active")
    filters = selectors.PackageFilters(
        client_id=client.pk if client else None,
        is_active={"yes": True, "no": False}.get(active),
        status=form.value("status"),
        q=form.value("q", ""),
        include_deleted=bool(form.value("include_deleted", False)),
        sort=form.value("sort", DEFAULT_SORT),
    )
    return filters, form, client, ignored


def _query(params: QueryDict, *, keep_page: bool = False, **changes) -> str:
    """The current query string with some keys changed (None drops one); keeps the filters.

    Built from the pairs rather than a QueryDict copy (a deep copy): a list page asks for
    eight of these.
    """
    # The client search box and empty filters only lengthen bookmarks.
    dropped = {
        k
        for k, v in params.items()
        if v == "" or k in ("client_q", "find_client") or (k, v) == ("sort", DEFAULT_SORT)
    }
    if not keep_page:
        dropped.add("page")
    dropped.update(changes)
    pairs = [(k, v) for k, values in params.lists() if k not in dropped for v in values]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    encoded = urlencode(pairs)
    return f"?{encoded}" if encoded else "?"


def _sort_columns(path: str, params: QueryDict, sort: str) -> dict:
    columns = {}
    for key, label in SORT_COLUMNS.items():
        if sort == key:
            direction, following = "ascending", f"-{key}"
        elif sort == f"-{key}":
            direction, following = "descending", key
        else:
            direction, following = None, key
        columns[key] = {
            "label": label,
            "aria_sort": direction,
            "url": path + _query(params, sort=following),
        }
    return columns


@studio_required
def package_list(request: HttpRequest) -> HttpResponse:
    studio, today = request.studio, request.studio.today()
    filters, form, client, ignored = _list_filters(request)
    pages = selectors.PackagePages(
        studio=studio, filters=filters, today=today, deferred=LIST_DEFERRED
    )
    page = Paginator(pages, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(
        [
            filters.client_id,
            filters.is_active is not None,
            filters.status,
            filters.q,
            filters.include_deleted,
        ]
    )
    # Only asked when nothing matched, to tell "no packages yet" from "no package matches".
    studio_has_packages = bool(page.object_list) or Package.objects.for_studio(studio).exists()
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "filtered": filtered,
        "ignored": ignored,
        "today": today,
        "studio_has_packages": studio_has_packages,
        "columns": _sort_columns(request.path, request.GET, filters.sort),
        "query": _query(request.GET),
        "page_urls": {
            "previous": page.has_previous()
            and request.path + _query(request.GET, page=page.previous_page_number()),
            "next": page.has_next()
            and request.path + _query(request.GET, page=page.next_page_number()),
        },
        "picker": client_picker(
            studio, q=request.GET.get("client_q", ""), chosen=client, any_client=True
        ),
    }
    if request.htmx and request.htmx.target == "package-results":
        response = render(request, "packages/package_list.html#results", context)
        # The filter form sends every field, empty ones too; bookmark the tidy version instead.
        return push_url(response, request.path + _query(request.GET, keep_page=True).rstrip("?"))
    return render(request, "packages/package_list.html", context)


@studio_required
def package_export(request: HttpRequest) -> StreamingHttpResponse:
    """What the list shows, every page of it, as CSV: the same filters, sort and columns as the API."""
    studio, today = request.studio, request.studio.today()
    filters, *_ = _list_filters(request)
    packages = selectors.package_list(studio=studio, filters=filters, today=today)
    return package_csv_response(packages, studio=studio, today=today)


# New and edit ---------------------------------------------------------------------------------

# Buttons that re-show the form (choose a type, find a client) without saving: the no-JS paths.
REDISPLAY_BUTTONS = ("apply_type", "find_client")
# What htmx asks the form page for, by the id of the element it swaps.
FORM_PARTIALS = {"per-session-value": "#per_session", "package-details": "#details"}


def _form_initial(request: HttpRequest, data: QueryDict, base: dict, *, apply_type: bool) -> dict:
    """Initial values for a re-shown form: the base values, what was typed, then the chosen type."""
    initial = dict(base)
    for name in PackageForm.base_fields:
        if name in data:
            initial[name] = data.get(name)
    if request.method == "POST":
        # An unticked box is simply absent from a submitted form.
        for name in ("is_active", "is_primary"):
            initial[name] = name in data
    package_type = None
    if apply_type and (type_id := _int(data.get("package_type_id"))):
        package_type = (
            PackageType.objects.for_studio(request.studio).live().filter(pk=type_id).first()
        )
    if package_type is not None:
        try:
            start = PackageForm.base_fields["start_date"].clean(data.get("start_date") or None)
        except ValidationError:
            start = None  # an unreadable date: the type's validity counts from today instead
        initial.update(type_initial(package_type, start_date=start, today=request.studio.today()))
    return initial


def _render_form(
    request: HttpRequest, form: PackageForm, *, package: Package | None
) -> HttpResponse:
    form.live_preview(request.path)
    source = form.data if form.is_bound else form.initial
    chosen = None
    if package is None:
        chosen = studio_client(request.studio, source.get("client_id"))
    context = {
        "form": form,
        "package": package,
        "per_session": per_session_preview(
            source.get("total_value"), source.get("total_sessions"), request.studio.currency
        ),
        "picker": client_picker(
            request.studio,
            q=(request.POST if request.method == "POST" else request.GET).get("client_q", ""),
            chosen=chosen,
        ),
    }
    template = "packages/package_form.html"
    if request.htmx:
        template += FORM_PARTIALS.get(request.htmx.target, "")
    return render(request, template, context)


def _package_form_page(request: HttpRequest, *, package: Package | None) -> HttpResponse:
    studio = request.studio
    base = (
        package_initial(package)
        if package
        else {"is_active": True, "client_id": request.GET.get("client")}
    )
    posted = request.method == "POST"
    if posted and not any(button in request.POST for button in REDISPLAY_BUTTONS):
        form = PackageForm(request.POST, studio=studio, package=package)
        if form.is_valid():
            response = _save_package(request, form, package)
            if response is not None:
                return response
        return _render_form(request, form, package=package)
    data = request.POST if posted else request.GET
    apply_type = "apply_type" in data if posted else "package_type_id" in data
    initial = _form_initial(request, data, base, apply_type=apply_type)
    return _render_form(
        request, PackageForm(initial=initial, studio=studio, package=package), package=package
    )


def _save_package(request: HttpRequest, form: PackageForm, package: Package | None):
    """Call the service; on its ValidationError put the messages next to the fields (None)."""
    try:
        if package is None:
            package = services.package_create(
                studio=request.studio, actor=request.user, **form.service_kwargs()
            )
            messages.success(request, f"{package.name} sold to {package.client.name}.")
        else:
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            if not changed:
                messages.info(request, "Nothing changed.")
                return redirect("packages:detail", pk=package.pk)
            if "package_type_id" in changed:
                changed["package_type"] = changed.pop("package_type_id")
            services.package_update(package=package, actor=request.user, **changed)
            messages.success(request, "Package saved.")
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    return redirect("packages:detail", pk=package.pk)


@studio_required
def package_new(request: HttpRequest) -> HttpResponse:
    return _package_form_page(request, package=None)


@studio_required
def package_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _package_form_page(request, package=get_package_for_studio(request, pk))


# Detail and its actions -----------------------------------------------------------------------

ACTION_WORDS = {
    "created": "Sold",
    "updated": "Edited",
    "deleted": "Deleted",
    "restored": "Restored",
    "transferred": "Transferred",
    "primary_set": "Made primary",
    "primary_unset": "No longer primary",
    "adjusted": "Sessions adjusted",
    "frozen": "Frozen",
    "unfrozen": "Freeze ended",
    "expiry_started": "Expiry started",
}
FIELD_LABELS = {
    "name": "Name",
    "description": "Description",
    "client_id": "Client",
    "package_type_id": "Package type",
    "total_value": "Total value",
    "total_sessions": "Total sessions",
    "is_active": "Active",
    "is_primary": "Primary",
    "start_date": "Start date",
    "expiry_date": "Expiry date",
}


def history_for_display(package: Package) -> list[dict]:
    """selectors.package_history in words: names instead of ids, Yes/No, newest first."""
    names = {"client_id": {}, "package_type_id": {}}
    items = selectors.package_history(package=package, names=names)

    def word(field, value):
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if field in names:
            return names[field].get(value, f"#{value}")
        if field in ("start_date", "expiry_date"):
            return date_format(date.fromisoformat(value), "j M Y")
        return str(value)

    shown = []
    for item in items:
        changes = [
            {"label": FIELD_LABELS[field], "old": word(field, old), "new": word(field, new)}
            for field, (old, new) in item["changes"].items()
            if field in FIELD_LABELS
        ]
        shown.append(
            {
                **item,
                "action_words": ACTION_WORDS.get(item["action"], item["action"]),
                "changes": changes,
            }
        )
    return shown[::-1]


@studio_required
@require_POST
def package_make_primary(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_package_for_studio(request, pk)
    services.package_set_primary(package=package, actor=request.user)
    messages.success(request, f"{package.name} is now {package.client.name}’s primary package.")
    return redirect("packages:detail", pk=package.pk)


@studio_required
@require_POST
def package_delete(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_package_for_studio(request, pk)
    require_owner(request)  # after the look-up: another studio's package is a 404
    services.package_delete(package=package, actor=request.user)
    messages.success(
        request, f"{package.name} for {package.client.name} was deleted. You can restore it here."
    )
    return redirect("packages:detail", pk=package.pk)


@studio_required
@require_POST
def package_restore(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_package_for_studio(request, pk, include_deleted=True)
    require_owner(request)  # after the look-up: another studio's package is a 404
    services.package_restore(package=package, actor=request.user)
    messages.success(request, f"{package.name} for {package.client.name} is back.")
    return redirect("packages:detail", pk=package.pk)
