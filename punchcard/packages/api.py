from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from punchcard.clients.api import get_client
from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.core.api import (
    ErrorOut,
    MoneyOut,
    PageIn,
    QueryBool,
    ValidationErrorOut,
    own_or_422,
    paginate,
    rendered,
)
from punchcard.packages import selectors, services
from punchcard.packages.models import Freeze, Package, PackageType
from punchcard.packages.present import (
    adjustment_dict,
    freeze_dict,
    package_csv_response,
    package_dict,
    package_json,
    type_dict,
)
from punchcard.packages.schemas import (
    AdjustedOut,
    AdjustmentIn,
    AdjustmentList,
    FreezeIn,
    FreezeList,
    FrozenOut,
    HeldPackageList,
    HistoryOut,
    PackageFiltersIn,
    PackageIn,
    PackageList,
    PackageOut,
    PackagePatch,
    PackageTypeIn,
    PackageTypeList,
    PackageTypeOut,
    TransferIn,
)
from punchcard.studios.api_auth import require_owner

router = Router(tags=["packages"])
types_router = Router(tags=["package types"])
client_packages_router = Router(tags=["clients"])
reports_router = Router(tags=["reports"])

ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# 403: the role may not, or (any unsafe method) a session cookie came without its CSRF token.
OWNER_ERRORS = WRITE_ERRORS = {**ERRORS, 403: ErrorOut}


def _get_package(request, package_id: int, include_deleted: bool = False) -> Package:
    packages = Package.objects.for_studio(request.studio).select_related("client")
    if not include_deleted:
        packages = packages.live()
    return get_object_or_404(packages, pk=package_id)


def _get_type(request, type_id: int) -> PackageType:
    return get_object_or_404(PackageType.objects.for_studio(request.studio).live(), pk=type_id)


def _out(request, package: Package) -> dict:
    package = Package.objects.select_related("client").get(
        pk=package.pk
    )  # generated columns, fresh
    return package_dict(package, studio=request.studio, today=request.studio.today())


def _filters(params: PackageFiltersIn) -> selectors.PackageFilters:
    return selectors.PackageFilters(**params.dict())


def _client_for(request, client_id: int | None) -> Client | None:
    return own_or_422(Client, request, client_id, "client_id", "Choose one of your clients.")


def _type_for(request, type_id: int | None) -> PackageType | None:
    return own_or_422(
        PackageType, request, type_id, "package_type_id", "Choose one of your package types."
    )


# Package types -----------------------------------------------------------------------------------


@types_router.get("", response={200: PackageTypeList, **ERRORS})
def type_list(request, paging: Query[PageIn]):
    types = (
        PackageType.objects.for_studio(request.studio)
        .live()
        .order_by("total_sessions", "name", "id")
    )
    page = paginate(types, paging.page, paging.page_size)
    return {"items": [type_dict(t) for t in page["items"]], "count": page["count"]}


@types_router.post("", response={201: PackageTypeOut, **OWNER_ERRORS})
def type_create(request, payload: PackageTypeIn):
    require_owner(request)
    return Status(
        201, type_dict(services.package_type_save(studio=request.studio, **payload.dict()))
    )


@types_router.get("/{int:type_id}", response={200: PackageTypeOut, **ERRORS})
def type_read(request, type_id: int):
    return type_dict(_get_type(request, type_id))


@types_router.put("/{int:type_id}", response={200: PackageTypeOut, **OWNER_ERRORS})
def type_update(request, type_id: int, payload: PackageTypeIn):
    package_type = _get_type(request, type_id)
    require_owner(request)
    return type_dict(
        services.package_type_save(
            studio=request.studio, package_type=package_type, **payload.dict()
        )
    )


@types_router.delete("/{int:type_id}", response={204: None, **OWNER_ERRORS})
def type_delete(request, type_id: int):
    package_type = _get_type(request, type_id)
    require_owner(request)
    services.package_type_delete(package_type=package_type)
    return Status(204, None)


# Packages ----------------------------------------------------------------------------------------


@router.get("", response={200: PackageList, **ERRORS})
def package_list(request, filters: Query[PackageFiltersIn], paging: Query[PageIn]):
    today = request.studio.today()
    start = (paging.page - 1) * paging.page_size
    shown = {"studio": request.studio, "filters": _filters(filters), "today": today}
    rows = selectors.package_page(**shown, start=start, stop=start + paging.page_size)
    items = [package_json(p, studio=request.studio, today=today) for p in rows]
    return rendered({"items": items, "count": selectors.package_count(**shown)})


# The 200 is declared only below, as text/csv: in `response` it would also be listed as JSON.
@router.get(
    "/export.csv",
    response=ERRORS,
    openapi_extra={
        "responses": {
            200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
        }
    },
)
def package_export(request, filters: Query[PackageFiltersIn]):
    """Every package matching the list's filters and sort, as CSV (streamed, any size)."""
    today = request.studio.today()
    packages = selectors.package_list(studio=request.studio, filters=_filters(filters), today=today)
    return package_csv_response(packages, studio=request.studio, today=today)


@router.post("", response={201: PackageOut, **WRITE_ERRORS})
def package_create(request, payload: PackageIn):
    data = payload.dict()
    client = _client_for(request, data.pop("client_id"))
    package_type = _type_for(request, data.pop("package_type_id"))
    package = services.package_create(
        studio=request.studio, actor=request.user, client=client, package_type=package_type, **data
    )
    return Status(201, _out(request, package))


@router.get("/{int:package_id}", response={200: PackageOut, **ERRORS})
def package_read(request, package_id: int, include_deleted: QueryBool = False):
    return _out(request, _get_package(request, package_id, include_deleted))


def _update(request, package: Package, data: dict) -> dict:
    client_id = data.pop("client_id", None)
    if client_id is not None and client_id != package.client_id:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"client_id": ["Use the transfer action to move a package to another client."]}
        )
    if "package_type_id" in data:
        data["package_type"] = _type_for(request, data.pop("package_type_id"))
    services.package_update(package=package, actor=request.user, **data)
    return _out(request, package)


@router.put("/{int:package_id}", response={200: PackageOut, **WRITE_ERRORS})
def package_replace(request, package_id: int, payload: PackageIn):
    package = _get_package(request, package_id)
    data = payload.dict()
    if data["package_type_id"] is None:
        data["package_type_id"] = None
    if data["name"] is None:
        data["name"] = package.name
    for field in ("expiry_rule", "validity_days"):
        if data[field] is None:  # left out: the package keeps its rule
            del data[field]
    if data["total_value"] is None or data["total_sessions"] is None:
        from django.core.exceptions import ValidationError

        missing = [f for f in ("total_value", "total_sessions") if data[f] is None]
        raise ValidationError({f: ["This field is required."] for f in missing})
    return _update(request, package, data)


@router.patch("/{int:package_id}", response={200: PackageOut, **WRITE_ERRORS})
def package_patch(request, package_id: int, payload: PackagePatch):
    package = _get_package(request, package_id)
    return _update(request, package, payload.dict(exclude_unset=True))


@router.delete("/{int:package_id}", response={204: None, **OWNER_ERRORS})
def package_delete(request, package_id: int):
    package = _get_package(request, package_id)
    require_owner(request)
    services.package_delete(package=package, actor=request.user)
    return Status(204, None)


@router.post("/{int:package_id}/restore", response={200: PackageOut, **OWNER_ERRORS})
def package_restore(request, package_id: int):
    package = _get_package(request, package_id, include_deleted=True)
    require_owner(request)
    return _out(request, services.package_restore(package=package, actor=request.user))


@router.post("/{int:package_id}/transfer", response={200: PackageOut, **WRITE_ERRORS})
def package_transfer(request, package_id: int, payload: TransferIn):
    package = _get_package(request, package_id)
    to_client = _client_for(request, payload.client_id)
    services.package_transfer(
        package=package, actor=request.user, to_client=to_client, reason=payload.reason
    )
    return _out(request, package)


@router.post("/{int:package_id}/primary", response={200: PackageOut, **WRITE_ERRORS})
def package_make_primary(request, package_id: int):
    """Make this the client's primary package (the previous one stops being primary)."""
    package = _get_package(request, package_id)
    return _out(request, services.package_set_primary(package=package, actor=request.user))


@router.get("/{int:package_id}/history", response={200: HistoryOut, **ERRORS})
def package_history(request, package_id: int):
    package = _get_package(request, package_id, include_deleted=True)
    return {"items": selectors.package_history(package=package)}


# Adjustments and freezes ------------------------------------------------------------------------


@router.get("/{int:package_id}/adjustments", response={200: AdjustmentList, **ERRORS})
def adjustment_list(request, package_id: int):
    package = _get_package(request, package_id, include_deleted=True)
    items = [adjustment_dict(a) for a in package.adjustments.select_related("actor")]
    return {"items": items, "count": len(items)}


@router.post("/{int:package_id}/adjustments", response={201: AdjustedOut, **WRITE_ERRORS})
def adjustment_create(request, package_id: int, payload: AdjustmentIn):
    """Add (positive) or remove (negative) sessions with a reason. Counted like sessions:
    sessions_used moves by -sessions. Never edited or deleted: correct with the opposite one."""
    package = _get_package(request, package_id)
    adjustment = services.package_adjust(package=package, actor=request.user, **payload.dict())
    return Status(
        201, {"adjustment": adjustment_dict(adjustment), "package": _out(request, package)}
    )


@router.get("/{int:package_id}/freezes", response={200: FreezeList, **ERRORS})
def freeze_list(request, package_id: int):
    package = _get_package(request, package_id, include_deleted=True)
    items = [freeze_dict(f) for f in package.freezes.select_related("actor")]
    return {"items": items, "count": len(items)}


@router.post("/{int:package_id}/freezes", response={201: FrozenOut, **WRITE_ERRORS})
def freeze_create(request, package_id: int, payload: FreezeIn):
    """Freeze from starts_on to ends_on (both included): the expiry moves out by those days.
    Sessions logged on a frozen day are recorded with the warning package_frozen."""
    package = _get_package(request, package_id)
    freeze = services.package_freeze(package=package, actor=request.user, **payload.dict())
    return Status(201, {"freeze": freeze_dict(freeze), "package": _out(request, package)})


@router.post(
    "/{int:package_id}/freezes/{int:freeze_id}/end", response={200: FrozenOut, **WRITE_ERRORS}
)
def freeze_end(request, package_id: int, freeze_id: int):
    """End a freeze today (its last day becomes yesterday) or cancel one not begun yet;
    the expiry moves back by the days no longer frozen."""
    package = _get_package(request, package_id)
    freeze = get_object_or_404(Freeze.objects.filter(package=package), pk=freeze_id)
    freeze = services.freeze_end(freeze=freeze, actor=request.user, today=request.studio.today())
    return {"freeze": freeze_dict(freeze), "package": _out(request, package)}


@client_packages_router.get("/{int:client_id}/packages", response={200: HeldPackageList, **ERRORS})
def client_packages(request, client_id: int):
    client = get_client(request, client_id)
    today = request.studio.today()
    items = [
        {**package_dict(p, studio=request.studio, today=today), "held": held}
        for p, held in selectors.client_packages(client=client)
    ]
    return {"items": items, "count": len(items)}


class ExpiredReportOut(PackageList):
    unused_sessions: int
    unused_value: MoneyOut


@reports_router.get("/expired-packages", response={200: ExpiredReportOut, **OWNER_ERRORS})
def expired_packages(request, paging: Query[PageIn]):
    """Expired packages with sessions left: what clients paid for and never used."""
    require_owner(request)
    today = request.studio.today()
    packages, totals = selectors.expired_report(studio=request.studio, today=today)
    start = (paging.page - 1) * paging.page_size
    items = [
        package_dict(p, studio=request.studio, today=today)
        for p in packages[start : start + paging.page_size]
    ]
    return {
        "items": items,
        "count": totals["count"],
        "unused_sessions": totals["unused_sessions"],
        "unused_value": money.cents_str(totals["unused_value_cents"]),
    }
