"""Package analytics for one studio and a date range, every figure computed by the database.

Money is summed as integer cents in SQL and rounded once, at the end (product.md); nothing here
loops over packages or sessions. `package_analytics` runs exactly three queries whatever the data
size: one aggregate over the packages, one grouped by package type, one of sessions per month.
The API, the page and its CSV exports all read these same figures.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import BigIntegerField, Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from punchcard.core import money
from punchcard.core.dates import DateRange
from punchcard.packages.models import Package
from punchcard.packages.selectors import unused_value_cents_expr
from punchcard.studios.models import Studio
from punchcard.training.models import TrainingSession

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
        return _add_months(self.month, 1) - timedelta(days=1)


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


# Which live packages are completed or expired: the rules of PackageQuerySet.with_status, first
# match wins, written as conditions so one aggregate can count every status at once instead of
# one query per status. test_status_conditions_agree_with_with_status keeps them in step.


def _completed() -> Q:
    return Q(sessions_remaining__lte=0)


def _expired(today: date) -> Q:
    return Q(sessions_remaining__gt=0, expiry_date__lt=today)


def _not_expired(today: date) -> Q:
    # Spelled out rather than ~_expired(): a NULL expiry must land here, never in neither bucket.
    return Q(sessions_remaining__lte=0) | Q(expiry_date__isnull=True) | Q(expiry_date__gte=today)


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


def package_totals(*, studio: Studio, date_range: DateRange, today: date) -> dict:
    """Counts and money sums of the packages in the range, in one query."""
    unused = unused_value_cents_expr()
    totals = packages_in_range(studio=studio, date_range=date_range).aggregate(
        package_count=Count("id"),
        revenue_cents=Coalesce(Sum("total_value_cents"), 0, output_field=BigIntegerField()),
        completed_count=Count("id", filter=_completed()),
        expired_count=Count("id", filter=_expired(today)),
        unused_session_value_cents=Coalesce(
            Sum(unused, filter=_not_expired(today)), 0, output_field=BigIntegerField()
        ),
        expired_unused_value_cents=Coalesce(
            Sum(unused, filter=_expired(today)), 0, output_field=BigIntegerField()
        ),
    )
    return {key: _cents(value) for key, value in totals.items()}


def packages_by_type(*, studio: Studio, date_range: DateRange) -> list[TypeRow]:
    """Count and revenue per package type, in one grouped query (unsorted)."""
    rows = (
        packages_in_range(studio=studio, date_range=date_range)
        # Typed packages group by their type (under the type's current name, even if the package
        # was renamed); untyped ones have no type id, so they group by their own name.
        .annotate(group_name=Coalesce("package_type__name", "name"))
        .values("package_type_id", "group_name")
        .annotate(count=Count("id"), revenue_cents=Sum("total_value_cents"))
    )
    return [
        TypeRow(
            name=row["group_name"],
            package_type_id=row["package_type_id"],
            count=row["count"],
            revenue_cents=_cents(row["revenue_cents"]),
        )
        for row in rows
    ]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def sessions_window(*, date_range: DateRange, today: date) -> DateRange:
    """The days the sessions chart covers: the range itself, or the last 12 months when open."""
    if date_range.is_open:
        return DateRange(start=_add_months(today.replace(day=1), 1 - DEFAULT_MONTHS), end=today)
    return date_range


def sessions_by_month(*, studio: Studio, date_range: DateRange, today: date) -> list[MonthRow]:
    """Counted, live sessions per studio-local month of starts_at, in one query.

    Months without sessions are filled in with 0 between the first month that has sessions and the
    range's last month (at most the current month, or the last month with sessions if later), so
    a silly range such as 0001-01-01 to 9999-12-31 cannot produce thousands of empty months.
    """
    window = sessions_window(date_range=date_range, today=today)
    lower, upper = window.bounds(studio.tzinfo)
    sessions = TrainingSession.objects.for_studio(studio).counted()
    if lower is not None:
        sessions = sessions.filter(starts_at__gte=lower)
    if upper is not None:
        sessions = sessions.filter(starts_at__lt=upper)
    counts = dict(
        sessions.order_by()
        # tzinfo makes both databases cut months at the studio's midnight, not UTC's.
        .annotate(month=TruncMonth("starts_at", tzinfo=studio.tzinfo, output_field=DateField()))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    if not counts:
        return []
    first, last = min(counts), max(counts)
    end = max(last, today.replace(day=1))
    if window.end is not None:
        end = max(last, min(end, window.end.replace(day=1)))
    rows, month = [], first
    while month <= end:
        rows.append(MonthRow(month=month, sessions=counts.get(month, 0)))
        month = _add_months(month, 1)
    return rows


def _name_order(row: TypeRow) -> tuple:
    # Case-insensitive as people read a list; then exact name and type id, so that a type and an
    # untyped package sharing a name always come out in the same order.
    return (row.name.casefold(), row.name, row.package_type_id or 0)


def package_analytics(*, studio: Studio, date_range: DateRange) -> PackageAnalytics:
    """Every figure of the analytics page and API for packages created in the range."""
    today = studio.today()
    totals = package_totals(studio=studio, date_range=date_range, today=today)
    types = packages_by_type(studio=studio, date_range=date_range)
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
