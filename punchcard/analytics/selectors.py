"""Package analytics for one studio and a date range, every figure computed by the database.

Money is summed as integer cents in SQL and rounded once, at the end (product.md); nothing here
loops over packages or sessions. `package_analytics` runs exactly two queries whatever the data
size: one over the packages grouped by package type (the totals are the groups' sums), one of
sessions per month (the stored month counts, with index counts for a month the range cuts).
The API, the page and its CSV exports all read these same figures.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Count,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)

from punchcard.core import money
from punchcard.core.dates import DateRange
from punchcard.packages import rules
from punchcard.packages.models import Package, PackageType
from punchcard.studios.models import Studio
from punchcard.training import counts

# Without a range, the sessions chart shows this many months, the current one included.
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class TypeRow:
    """Packages of one package type; a package without a type is grouped under its own name."""

    name: str
    package_type_id: int | None
    count: int
    revenue_cents: int


@dataclass(frozen=True)
class MonthRow:
    month: date  # the first day of the month, studio-local
    sessions: int

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def last_day(self) -> date:
        return self.month.replace(day=calendar.monthrange(self.month.year, self.month.month)[1])


@dataclass(frozen=True)
class PackageAnalytics:
    currency: str
    package_count: int
    revenue_cents: int
    # None when no package was sold: the API shows "0.00" there, the page a plain $0.00.
    average_package_value_cents: int | None
    completed_count: int
    expired_count: int
    unused_session_value_cents: int
    expired_unused_value_cents: int
    popular_types: list[TypeRow]
    revenue_by_type: list[TypeRow]
    sessions_by_month: list[MonthRow]

    @property
    def ended_count(self) -> int:
        return self.completed_count + self.expired_count

    @property
    def completion_rate(self) -> Decimal | None:
        """completed ÷ (completed + expired), half-up to 4 decimals; None when nothing has ended.

        Integer arithmetic, so the one rounding is exact however large the counts.
        """
        ended = self.ended_count
        if not ended:
            return None
        ten_thousandths = (2 * 10_000 * self.completed_count + ended) // (2 * ended)
        return Decimal(ten_thousandths).scaleb(-4)

    @property
    def completion_percent(self) -> Decimal | None:
        """The same rate as a percentage with one decimal (66.7), rounded once from the counts."""
        ended = self.ended_count
        if not ended:
            return None
        tenths = (2 * 1000 * self.completed_count + ended) // (2 * ended)
        return Decimal(tenths).scaleb(-1)

    @property
    def sessions_total(self) -> int:
        return sum(row.sessions for row in self.sessions_by_month)


def packages_in_range(*, studio: Studio, date_range: DateRange) -> QuerySet:
    """The studio's live packages created in the range (studio-local days, inclusive)."""
    lower, upper = date_range.bounds(studio.tzinfo)
    packages = Package.objects.for_studio(studio).live()
    if lower is not None:
        packages = packages.filter(created_at__gte=lower)
    if upper is not None:
        packages = packages.filter(created_at__lt=upper)
    # Meta.ordering has no business in an aggregate or a GROUP BY.
    return packages.order_by()


def _cents(value) -> int:
    # PostgreSQL sums bigints as numeric (Decimal in Python); SQLite gives an int.
    return int(value or 0)


_SUMMED = (
    "package_count",
    "revenue_cents",
    "completed_count",
    "expired_count",
    "unused_session_value_cents",
    "expired_unused_value_cents",
)


def package_groups(*, studio: Studio, date_range: DateRange, today: date) -> list[dict]:
    """Every package figure, per package type, in one grouped query over the packages in range.

    The totals are the sums of these rows (integers, so exact), which is why one pass over the
    studio's packages serves both: two passes (totals, then types) cost twice the scan.
    Typed packages group by their type (under the type's current name, even if the package was
    renamed); untyped ones have no type id, so they group by their own name.

    The database groups by (type, name), the order of the index package_live_analytics, which
    holds every column read here: the pass is index-only and, on SQLite, needs no sort (a group
    key such as COALESCE(type name, name) did, and the join to the types cost a look-up per
    package). A type's renamed packages come back as rows of their own and are merged here; the
    type's name is a look-up per group, not per package.
    """
    unused = money.unused_value_cents_sql()
    type_name = PackageType.objects.filter(pk=OuterRef("package_type_id")).order_by()
    rows = (
        packages_in_range(studio=studio, date_range=date_range)
        .values("package_type_id", "name")
        .annotate(
            # COUNT of a column the index holds, not of id: PostgreSQL's index does not hold the
            # id, and Count("*") takes no filter.
            package_count=Count("studio"),
            revenue_cents=Sum("total_value_cents"),
            completed_count=Count("studio", filter=rules.completed_q()),
            expired_count=Count("studio", filter=rules.expired_q(today)),
            unused_session_value_cents=Sum(
                unused, filter=rules.not_expired_q(today), output_field=BigIntegerField()
            ),
            expired_unused_value_cents=Sum(
                unused, filter=rules.expired_q(today), output_field=BigIntegerField()
            ),
        )
        # After the aggregates, so it is not part of the GROUP BY: evaluated once per group.
        .annotate(type_name=Subquery(type_name.values("name")))
    )
    groups: dict[tuple, dict] = {}
    for row in rows:
        type_id = row["package_type_id"]
        group = groups.setdefault(
            (type_id, row["name"] if type_id is None else None),
            {
                "package_type_id": type_id,
                "group_name": row["name"] if type_id is None else row["type_name"],
                **dict.fromkeys(_SUMMED, 0),
            },
        )
        for key in _SUMMED:
            group[key] += _cents(row[key])
    return list(groups.values())


def package_totals(*, studio: Studio, date_range: DateRange, today: date, groups=None) -> dict:
    """Counts and money sums of the packages in the range: the sums of package_groups."""
    if groups is None:
        groups = package_groups(studio=studio, date_range=date_range, today=today)
    return {key: sum(group[key] for group in groups) for key in _SUMMED}


def packages_by_type(
    *, studio: Studio, date_range: DateRange, today: date | None = None, groups=None
) -> list[TypeRow]:
    """Count and revenue per package type (unsorted), from package_groups."""
    if groups is None:
        groups = package_groups(studio=studio, date_range=date_range, today=today or studio.today())
    return [
        TypeRow(
            name=row["group_name"],
            package_type_id=row["package_type_id"],
            count=row["package_count"],
            revenue_cents=row["revenue_cents"],
        )
        for row in groups
    ]


_FIRST_MONTH, _LAST_MONTH = date.min.replace(day=1), date.max.replace(day=1)


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after day's, held within the years a date can hold.

    A range such as ?to=0001-01-01 reaches back past year 1 for its months: they are clamped
    rather than raising, since nothing can be stored there anyway.
    """
    index = day.year * 12 + day.month - 1 + months
    index = min(max(index, _FIRST_MONTH.year * 12), _LAST_MONTH.year * 12 + 11)
    return date(index // 12, index % 12 + 1, 1)


def sessions_window(*, date_range: DateRange, today: date) -> DateRange:
    """The days the sessions chart covers: the range itself, or the last 12 months when open."""
    if date_range.is_open:
        return DateRange(start=_add_months(today.replace(day=1), 1 - DEFAULT_MONTHS), end=today)
    return date_range


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        if month == _LAST_MONTH:
            break
        month = _add_months(month, 1)
    return months


def sessions_by_month(*, studio: Studio, date_range: DateRange, today: date) -> list[MonthRow]:
    """Counted, live sessions per studio-local month of starts_at, counted from the rows
    (index-only range counts, see counts.month_counts).

    Months without sessions are filled in with 0 between the first month that has sessions and the
    range's last month (at most the current month, or the last month with sessions if later), so
    a silly range such as 0001-01-01 to 9999-12-31 cannot produce thousands of empty months.
    """
    zone = studio.tzinfo
    window = sessions_window(date_range=date_range, today=today)
    lower, upper = window.bounds(zone)
    if lower is not None and upper is not None and lower >= upper:
        return []
    found = counts.month_counts(counts.counted_rows(studio.pk), zone, lower, upper)
    if not found:
        return []
    this_month = today.replace(day=1)
    first, last = min(found), max(found)
    end = max(last, this_month)
    if window.end is not None:
        end = max(last, min(end, window.end.replace(day=1)))
    return [MonthRow(month=month, sessions=found.get(month, 0)) for month in _months(first, end)]


def _name_order(row: TypeRow) -> tuple:
    # Case-insensitive as people read a list; then exact name and type id, so that a type and an
    # untyped package sharing a name always come out in the same order.
    return (row.name.casefold(), row.name, row.package_type_id or 0)


def package_analytics(*, studio: Studio, date_range: DateRange) -> PackageAnalytics:
    """Every figure of the analytics page and API for packages created in the range."""
    today = studio.today()
    groups = package_groups(studio=studio, date_range=date_range, today=today)
    totals = package_totals(studio=studio, date_range=date_range, today=today, groups=groups)
    types = packages_by_type(studio=studio, date_range=date_range, groups=groups)
    return PackageAnalytics(
        currency=studio.currency,
        package_count=totals["package_count"],
        revenue_cents=totals["revenue_cents"],
        average_package_value_cents=money.average_cents(
            totals["revenue_cents"], totals["package_count"]
        ),
        completed_count=totals["completed_count"],
        expired_count=totals["expired_count"],
        unused_session_value_cents=totals["unused_session_value_cents"],
        expired_unused_value_cents=totals["expired_unused_value_cents"],
        # Sorting the few grouped rows here saves a second grouped query.
        popular_types=sorted(types, key=lambda t: (-t.count, *_name_order(t))),
        revenue_by_type=sorted(types, key=lambda t: (-t.revenue_cents, *_name_order(t))),
        sessions_by_month=sessions_by_month(studio=studio, date_range=date_range, today=today),
    )
