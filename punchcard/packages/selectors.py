"""Reads of packages that span relations: the filtered list, a client's packages, the history."""

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from punchcard.clients.models import Client
from punchcard.core import money
from punchcard.core.compiled import CompiledQuery
from punchcard.core.expressions import RowCount
from punchcard.packages.models import Package, PackageQuerySet, PackageType, Transfer
from punchcard.studios import tallies
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


# What a status's count repeats so that it may read an index of its own. Expired: the same rows
# as sessions_remaining > 0, but only this spelling matches package_open_expiry, which holds just
# the packages with sessions left (the count went 3.1 -> 1.4 ms on SQLite, 2.9 -> 2.4 on
# PostgreSQL). The page's query keeps the other spelling on purpose: given that index, SQLite read
# the page from it and sorted 11,750 rows (1 -> 11 ms).
COUNT_ALSO = {"expired": Q(sessions_remaining__gte=1)}


class PageQuerySet(PackageQuerySet):
    """A list whose slices (the page the API and the pages ask for) find the page's ids first.

    `OFFSET 24950 LIMIT 50` over whole rows joined to their clients reads and joins every row it
    skips; the ids alone come from an index. So a slice becomes
    `WHERE id IN (SELECT id … ORDER BY … LIMIT 50 OFFSET 24950) ORDER BY …`: still one query,
    the same rows in the same order, and only the 50 shown are read and joined. A page's packages
    carry `client_name`; the whole list (CSV export) has its clients loaded instead. Fields
    deferred on the list stay deferred on its pages.
    """

    # (studio id, the WHERE it was marked with): set by package_list on the unfiltered live list.
    _tally_of = None
    # A condition only the list's count adds (set by package_list): see COUNT_ALSO.
    _count_also = None

    def _clone(self):
        clone = super()._clone()
        clone._tally_of = self._tally_of
        clone._count_also = self._count_also
        return clone

    def _counted(self) -> QuerySet:
        counted = self.order_by()
        return counted if self._count_also is None else counted.filter(self._count_also)

    def count(self) -> int:
        """The studio's stored live-package count when this is still its unfiltered live list.

        Any filter added since package_list (the WHERE no longer equal) counts the rows instead,
        as does a studio without a tally.
        """
        if self._uses_tally():
            stored = tallies.live_packages(self._tally_of[0])
            if stored is not None:
                return stored
        return super(PageQuerySet, self._counted()).count()

    def _uses_tally(self) -> bool:
        return (
            self._tally_of is not None
            and self._result_cache is None
            and not self.query.is_sliced
            and self.query.where == self._tally_of[1]
        )

    def page_with_count(self, start: int, stop: int) -> QuerySet:
        """The rows [start:stop], each with count() of the whole list as `list_count`.

        The count rides on the page as a scalar subquery (computed once, not per row): one round
        trip fewer on every page. NULL when the studio has no tally to read, and no row to carry
        it when the page is past the end: ask count() then.
        """
        if self._uses_tally():
            # The stored count (see count()); NULL when the studio has no tally row.
            total = tallies.live_packages_column(self._tally_of[0])
        else:
            total = self._counted().annotate(n=RowCount()).values("n")
        return self[start:stop].annotate(list_count=Subquery(total))

    def __getitem__(self, k):
        if (
            not isinstance(k, slice)
            or k.step is not None
            or self._result_cache is not None
            or self.query.is_sliced
        ):
            return super().__getitem__(k)
        ids = self.values("pk")
        if any(getattr(o.expression, "name", "") == "client__name" for o in self.query.order_by):
            # Always true (a package's client is in its studio), but it lets the planner walk the
            # studio's clients in name order on the index client_studio_name and stop after a
            # page, instead of joining and sorting every package (SQLite 23 -> 1 ms, PostgreSQL
            # 18 -> 0.5 ms). Only here: in the list's count it would only add a join.
            ids = ids.filter(client__studio=F("studio"))
        ids = QuerySet.__getitem__(ids, k)
        # The client's name as a column rather than a Client built per row: a page needs nothing
        # else of it, and 50 model instances were a fifth of a list request's Python.
        page = (
            Package.objects.filter(pk__in=ids)
            .annotate(client_name=F("client__name"))
            .order_by(*self.query.order_by)
        )
        deferred, is_defer = self.query.deferred_loading
        return page.defer(*deferred) if deferred and is_defer else page


def package_list(*, studio: Studio, filters: PackageFilters, today: date) -> QuerySet:
    packages = PageQuerySet(Package).for_studio(studio).select_related("client")
    if filters.status:
        packages = packages.with_status(filters.status, today)
        packages._count_also = COUNT_ALSO.get(filters.status)
    elif not filters.include_deleted:
        packages = packages.live()
    if filters.client_id is not None:
        packages = packages.filter(client_id=filters.client_id)
    if filters.is_active is not None:
        packages = packages.filter(is_active=filters.is_active)
    if q := filters.q.strip():
        packages = packages.filter(Q(name__icontains=q) | Q(client__name__icontains=q))
    if filters == PackageFilters(sort=filters.sort):
        # The whole live list: its count is stored (studios.tallies), not counted per page.
        packages._tally_of = (studio.pk, packages.query.where)
    return packages.order_by(*_order(filters.sort))


# What a compiled page's placeholders are built with: values no row or page has.
_PAGE_PLACEHOLDERS = {"studio_id": -7, "offset": 1_000_000_007, "limit": 999_983}
_CLIENT_PLACEHOLDER = -8


@lru_cache(maxsize=256)
def _compiled_page(filters: PackageFilters, today: date, unshown: tuple) -> CompiledQuery:
    """The page-and-count query of one kind of list, written once (core.compiled).

    Only the studio, the client and the page's bounds change from call to call; everything else
    (sort, status, flags, the day a status is judged on) picks the statement, so a value derived
    from them, such as the day's date, is never frozen into a statement it does not belong to.
    """

    def build(studio_id, offset, limit, client_id=None):
        packages = package_list(
            studio=Studio(pk=studio_id),
            filters=replace(filters, client_id=client_id),
            today=today,
        )
        return packages.defer(*unshown).page_with_count(offset, offset + limit)

    placeholders = dict(_PAGE_PLACEHOLDERS)
    if filters.client_id is not None:
        placeholders["client_id"] = _CLIENT_PLACEHOLDER
    return CompiledQuery(build, **placeholders)


def package_page(
    *, studio: Studio, filters: PackageFilters, today: date, start: int, stop: int, unshown=()
) -> tuple[list[Package], int]:
    """Rows [start:stop] of package_list (their `unshown` columns deferred) and its count.

    PageQuerySet.page_with_count, by a statement compiled once per kind of list: building and
    compiling the queryset was a third of a list request's Python. A search (`q`) becomes a
    LIKE pattern, not a plain parameter, so it goes the ORM's way. A page past the end counts
    on its own.
    """
    if filters.q.strip():
        packages = package_list(studio=studio, filters=filters, today=today)
        rows = list(packages.defer(*unshown).page_with_count(start, stop))
    else:
        client_id = filters.client_id
        shape = replace(filters, client_id=None if client_id is None else _CLIENT_PLACEHOLDER)
        values = {} if client_id is None else {"client_id": client_id}
        rows = _compiled_page(shape, today, tuple(unshown)).all(
            studio_id=studio.pk, offset=start, limit=stop - start, **values
        )
    count = rows[0].list_count if rows else None
    if count is None:
        count = package_list(studio=studio, filters=filters, today=today).count()
    return rows, count


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


# Money sums in SQL -------------------------------------------------------------------------------


def used_value_cents_expr():
    """round_half_up(total × k ÷ n) with k = sessions_used capped to [0, n], in integer SQL.

    Same rule as core.money.used_value_cents, so sums over many packages stay exact to the cent.
    """
    capped = Case(
        When(sessions_used__lte=0, then=Value(0)),
        When(sessions_used__gte=F("total_sessions"), then=F("total_sessions")),
        default=F("sessions_used"),
        output_field=BigIntegerField(),
    )
    numerator = Cast(F("total_value_cents"), BigIntegerField()) * capped * 2 + F("total_sessions")
    return Cast(numerator / (F("total_sessions") * 2), BigIntegerField())


def unused_value_cents_expr():
    return F("total_value_cents") - used_value_cents_expr()


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
            Sum(unused_value_cents_expr()), 0, output_field=BigIntegerField()
        ),
    )
    return packages, totals
