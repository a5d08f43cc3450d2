"""Package analytics for one studio and a date range, every figure computed by the database.

Money is summed as integer cents in SQL and rounded once, at the end (product.md); nothing here
loops over packages or sessions. `package_analytics` runs exactly two queries whatever the data
size: one over the packages grouped by package type (the totals are the groups' sums), one of
sessions per month (a third only for a range longer than three years or open on one side).
The API, the page and its CSV exports all read these same figures.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from punchcard.core import money
from punchcard.core.dates import DateRange
from punchcard.core.expressions import RowCount
from punchcard.packages.models import Package, PackageType
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
    unused = unused_value_cents_expr()
    type_name = PackageType.objects.filter(pk=OuterRef("package_type_id")).order_by()
    rows = (
        packages_in_range(studio=studio, date_range=date_range)
        .values("package_type_id", "name")
        .annotate(
            # COUNT of a column the index holds, not of id: PostgreSQL's index does not hold the
            # id, and Count("*") takes no filter.
            package_count=Count("studio"),
            revenue_cents=Sum("total_value_cents"),
            completed_count=Count("studio", filter=_completed()),
            expired_count=Count("studio", filter=_expired(today)),
            unused_session_value_cents=Sum(
                unused, filter=_not_expired(today), output_field=BigIntegerField()
            ),
            expired_unused_value_cents=Sum(
                unused, filter=_expired(today), output_field=BigIntegerField()
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


# The months counted in the first query: the window's, at most this many, ending with the current
# month. Sessions outside them (a longer range, or sessions logged ahead) cost a second query.
MONTHS_COUNTED_AT_ONCE = 36


def _month_of(moment: datetime, tz) -> date:
    return moment.astimezone(tz).date().replace(day=1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        if month == _LAST_MONTH:
            break
        month = _add_months(month, 1)
    return months


class _InLiterals(Func):
    """`column IN ('a', 'b')` with the values written into the SQL rather than bound."""

    template = "%(expressions)s IN (%(literals)s)"
    output_field = BooleanField()

    def __init__(self, column: str, values):
        # Only our own constants (status choices) ever get here; the check keeps it that way.
        if not all(value.isidentifier() for value in values):
            raise ValueError(f"Not a plain word: {values!r}")
        super().__init__(F(column), literals=", ".join(f"'{value}'" for value in values))


def counted_sessions(studio: Studio) -> QuerySet:
    """The studio's counted sessions (the rows of TrainingSession.objects.counted()), spelled as
    the condition of the partial index session_counted_starts.

    SQLite uses a partial index only for a query whose WHERE repeats the index's condition term
    for term, and a bound parameter never matches the index's literal: with counted()'s
    `status IN (?, ?, ?)` the month counts read the table (800 ms, not 30).
    """
    return (
        TrainingSession.objects.for_studio(studio)
        .live()
        .filter(_InLiterals("status", TrainingSession.COUNTED))
        .order_by()
    )


def _count_by_month(
    studio: Studio, months: list[date], lower: datetime | None, upper: datetime | None
) -> dict:
    """Counted sessions per month in [lower, upper), and the first and last of them, in one query.

    One indexed range count per month, as scalar subqueries. Grouping by a truncated month would
    compute the month of every row (on SQLite in a Python function: seconds for a million
    sessions); a range count reads only the partial index session_counted_starts, which holds
    the counted sessions and nothing else (470,000 entries for 12 months of the benchmark
    studio: 30 ms on either database, where an index that also held the status and deleted_at
    to filter on took 60). Each count has exactly one range on starts_at (two would leave the
    index to the wider one): the first month starts at `lower`, the last ends at `upper`, so no
    boundary falls outside what a datetime can hold.
    """
    tz = studio.tzinfo
    counted = counted_sessions(studio)
    window = counted
    if lower is not None:
        window = window.filter(starts_at__gte=lower)
    if upper is not None:
        window = window.filter(starts_at__lt=upper)
    columns = {
        "first": Subquery(window.order_by("starts_at").values("starts_at")[:1]),
        "last": Subquery(window.order_by("-starts_at").values("starts_at")[:1]),
    }
    for i, month in enumerate(months):
        start = lower if i == 0 else datetime.combine(month, time.min, tzinfo=tz)
        end = (
            upper if i == len(months) - 1 else datetime.combine(months[i + 1], time.min, tzinfo=tz)
        )
        in_month = counted
        if start is not None:
            in_month = in_month.filter(starts_at__gte=start)
        if end is not None:
            in_month = in_month.filter(starts_at__lt=end)
        columns[f"m{i}"] = Subquery(in_month.values(n=RowCount()))
    return Studio.objects.filter(pk=studio.pk).values(**columns).get()


def sessions_by_month(*, studio: Studio, date_range: DateRange, today: date) -> list[MonthRow]:
    """Counted, live sessions per studio-local month of starts_at: one query (two for sessions
    outside the MONTHS_COUNTED_AT_ONCE months up to the current one).

    Months without sessions are filled in with 0 between the first month that has sessions and the
    range's last month (at most the current month, or the last month with sessions if later), so
    a silly range such as 0001-01-01 to 9999-12-31 cannot produce thousands of empty months.
    """
    tz = studio.tzinfo
    window = sessions_window(date_range=date_range, today=today)
    lower, upper = window.bounds(tz)
    this_month = today.replace(day=1)
    last = min(window.end.replace(day=1), this_month) if upper is not None else this_month
    first = _add_months(last, 1 - MONTHS_COUNTED_AT_ONCE)
    if lower is not None:
        first = max(first, window.start.replace(day=1))
    last = max(first, last)
    months = _months(first, last)
    found = _count_by_month(studio, months, lower, upper)
    if found["first"] is None:
        return []
    span = _month_of(found["first"], tz), _month_of(found["last"], tz)
    if span[0] < first or span[1] > last:
        months = _months(*span)
        found = _count_by_month(studio, months, lower, upper)
    counts = {month: found[f"m{i}"] for i, month in enumerate(months) if found[f"m{i}"]}
    first, last = min(counts), max(counts)
    end = max(last, this_month)
    if window.end is not None:
        end = max(last, min(end, window.end.replace(day=1)))
    return [MonthRow(month=month, sessions=counts.get(month, 0)) for month in _months(first, end)]


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
