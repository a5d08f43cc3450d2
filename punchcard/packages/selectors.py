"""Reads of packages that span relations: the filtered list, a client's packages, the history."""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BigIntegerField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.packages import tallies
from punchcard.packages.models import Package, PackageType, Transfer
from punchcard.studios.models import Studio

SORTS = {
    "client": ("client__name", "client_id"),
    "total_value": ("total_value_cents",),
    "per_session_value": ("per_session_value_cents",),
    "sessions_used": ("sessions_used",),
    "sessions_remaining": ("sessions_remaining",),
    "expiry_date": ("expiry_date",),
    "created_at": ("created_at",),
}
STATUSES = [choice.value for choice in Package.Status]


@dataclass(frozen=True)
class PackageFilters:
    client_id: int | None = None
    is_active: bool | None = None
    status: str | None = None
    q: str = ""
    include_deleted: bool = False
    sort: str = "-created_at"


def _order(sort: str) -> list:
    descending = sort.startswith("-")
    fields = SORTS[sort.lstrip("-")]
    order = []
    for field in (*fields, "id"):
        expression = F(field)
        # Packages without an expiry sort after every dated one, in both directions.
        nulls = {"nulls_last": True} if field == "expiry_date" else {}
        order.append(expression.desc(**nulls) if descending else expression.asc(**nulls))
    return order


def package_list(*, studio: Studio, filters: PackageFilters, today: date) -> QuerySet:
    """The studio's packages as the list's filters and sort ask (the CSV export reads it whole)."""
    packages = Package.objects.for_studio(studio).select_related("client")
    if filters.status:
        packages = packages.with_status(filters.status, today)
    elif not filters.include_deleted:
        packages = packages.live()
    if filters.client_id is not None:
        packages = packages.filter(client_id=filters.client_id)
    if filters.is_active is not None:
        packages = packages.filter(is_active=filters.is_active)
    if q := filters.q.strip():
        packages = packages.filter(Q(name__icontains=q) | Q(client__name__icontains=q))
    return packages.order_by(*_order(filters.sort))


def package_count(*, studio: Studio, filters: PackageFilters, today: date) -> int:
    """How many packages the list holds: the studio's stored live-package count when no filter
    narrows the list (counting 50,000 index entries on every page was the one part of the list
    that grew with the studio), COUNT(*) otherwise."""
    if filters == PackageFilters(sort=filters.sort):
        stored = tallies.live_packages(studio.pk)
        if stored is not None:
            return stored
    counted = package_list(studio=studio, filters=filters, today=today).order_by()
    if filters.status == "expired":
        # The same rows (an expired package in the list has sessions left), spelled as the
        # condition of the index package_open_expiry, which holds only those: it is counted
        # from that index. The page keeps the other spelling (see with_status).
        counted = counted.filter(sessions_remaining__gte=1)
    return counted.count()


def package_page(
    *, studio: Studio, filters: PackageFilters, today: date, start: int, stop: int, deferred=()
) -> list[Package]:
    """Rows [start:stop] of package_list, each with its client's name as `client_name`, and
    the `deferred` columns left unread.

    The page's ids are found first: `OFFSET 24950 LIMIT 50` over whole rows joined to their
    clients reads and joins every row it skips, where the ids alone come from an index. Still
    one query: `WHERE id IN (SELECT id ... LIMIT 50 OFFSET 24950) ORDER BY ...`.
    """
    ids = package_list(studio=studio, filters=filters, today=today).values("pk")
    if filters.sort.lstrip("-") == "client":
        # Always true (a package's client is in its studio), but it lets the planner walk the
        # studio's clients in name order on the index client_studio_name and stop after a page,
        # instead of joining and sorting every package.
        ids = ids.filter(client__studio=F("studio"))
    page = (
        Package.objects.filter(pk__in=ids[start:stop])
        .annotate(client_name=F("client__name"))
        .order_by(*_order(filters.sort))
    )
    return list(page.defer(*deferred) if deferred else page)


class PackagePages:
    """The list as a Paginator reads it: count() is package_count, a slice is package_page."""

    def __init__(self, *, studio: Studio, filters: PackageFilters, today: date, deferred=()):
        self.studio, self.filters, self.today, self.deferred = studio, filters, today, deferred

    def count(self) -> int:
        return package_count(studio=self.studio, filters=self.filters, today=self.today)

    def __getitem__(self, bounds: slice) -> list[Package]:
        return package_page(
            studio=self.studio,
            filters=self.filters,
            today=self.today,
            start=bounds.start,
            stop=bounds.stop,
            deferred=self.deferred,
        )


def client_packages(*, client: Client, today=None) -> list[tuple[Package, str]]:
    """Every package the client ever held: current ones first, then transferred away; deleted included.

    With `today`, current ones carry `frozen_until` (see PackageQuerySet.with_frozen_until).
    """
    current = Package.objects.filter(client=client)
    if today is not None:
        current = current.with_frozen_until(today)
    current = list(current.select_related("client").order_by("deleted_at", "-created_at"))
    gone_ids = (
        Transfer.objects.filter(from_client=client)
        .exclude(package__client=client)
        .values("package_id")
    )
    gone = list(
        Package.objects.filter(pk__in=gone_ids).select_related("client").order_by("-created_at")
    )
    return [(p, "current") for p in current] + [(p, "transferred_out") for p in gone]


# History ---------------------------------------------------------------------------------------

HISTORY_FIELDS = {
    # model field -> (API name, formatter)
    "name": ("name", str),
    "description": ("description", str),
    "client_id": ("client_id", lambda v: v),
    "package_type_id": ("package_type_id", lambda v: v),
    "total_value_cents": ("total_value", money.cents_str),
    "total_sessions": ("total_sessions", lambda v: v),
    "is_active": ("is_active", bool),
    "is_primary": ("is_primary", bool),
    "start_date": ("start_date", lambda v: v.isoformat()),
    "expiry_date": ("expiry_date", lambda v: v.isoformat()),
    "deleted_at": ("deleted_at", lambda v: v.isoformat()),
}


def _name_of(model, studio_id: int, column: str) -> Subquery:
    rows = model.objects.filter(studio_id=studio_id, pk=OuterRef(column))
    return Subquery(rows.values("name")[:1])


def _api_value(field: str, value):
    return None if value is None else HISTORY_FIELDS[field][1](value)


def package_history(*, package: Package, names: dict | None = None) -> list[dict]:
    """The package's change log, oldest first, with fields named and valued as the API names them.

    With `names` ({"client_id": {}, "package_type_id": {}}), it is also filled with the name of
    every client and type the log mentions, read by the same query.
    """
    records = package.history.all().select_related("history_user")
    if names is not None:
        records = records.annotate(
            client_name=_name_of(Client, package.studio_id, "client_id"),
            type_name=_name_of(PackageType, package.studio_id, "package_type_id"),
        )
    records = list(records.order_by("history_date", "history_id"))
    if names is not None:
        for record in records:
            names["client_id"][record.client_id] = record.client_name
            if record.package_type_id is not None:
                names["package_type_id"][record.package_type_id] = record.type_name
    items, previous = [], None
    for record in records:
        changes = {}
        for field, (api_name, _) in HISTORY_FIELDS.items():
            old = getattr(previous, field) if previous is not None else None
            new = getattr(record, field)
            if previous is None and new in (None, ""):
                continue
            if old != new:
                changes[api_name] = [_api_value(field, old), _api_value(field, new)]
        items.append(
            {
                "at": record.history_date,
                "actor": record.history_user.email if record.history_user else None,
                "action": record.history_action,
                "changes": changes,
                "reason": record.history_reason or None,
            }
        )
        previous = record
    return items


def expired_report(*, studio: Studio, today: date) -> tuple[QuerySet, dict]:
    """Expired packages with sessions left (soonest-expired last) and their totals, to the cent."""
    packages = (
        Package.objects.for_studio(studio)
        .with_status("expired", today)
        .select_related("client")
        .order_by(F("expiry_date").desc(), "-id")
    )
    totals = packages.order_by().aggregate(
        count=Count("id"),
        unused_sessions=Coalesce(Sum("sessions_remaining"), 0),
        unused_value_cents=Coalesce(
            Sum(money.unused_value_cents_sql()), 0, output_field=BigIntegerField()
        ),
    )
    return packages, totals
