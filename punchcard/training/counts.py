"""Counted sessions from the rows: per local month (analytics), and what each package's
counter must be (recount, drifted: check_counts). The counter itself moves in packages.counter.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import (
    BooleanField,
    Count,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from punchcard.core import dates
from punchcard.core.expressions import RowCount
from punchcard.packages.models import Adjustment, Package

# Months -------------------------------------------------------------------------------------------


def month_of(moment: datetime, zone: ZoneInfo) -> date:
    """The first day of moment's month where the studio is."""
    return timezone.localtime(moment, zone).date().replace(day=1)


def next_month(month: date) -> date | None:
    """The first of the following month; None after December 9999."""
    if month.month < 12:
        return month.replace(month=month.month + 1)
    return None if month.year == date.max.year else date(month.year + 1, 1, 1)


def month_start(month: date | None, zone: ZoneInfo) -> datetime | None:
    """The first instant of `month` where the studio is, or None when no datetime can hold it
    (before year 1 or after 9999 in UTC): nothing is stored beyond it, so no bound at all.

    Local midnight, DST included: month_of(s) == m exactly when
    month_start(m) <= s < month_start(next_month(m)).
    """
    return None if month is None else dates.day_start(month, zone)


class _InLiterals(Func):
    """`column IN ('a', 'b')` with the values written into the SQL rather than bound."""

    template = "%(expressions)s IN (%(literals)s)"
    output_field = BooleanField()

    def __init__(self, column: str, values):
        # Only our own constants (status choices) ever get here; the check keeps it that way.
        if not all(value.isidentifier() for value in values):
            raise ValueError(f"Not a plain word: {values!r}")
        super().__init__(F(column), literals=", ".join(f"'{value}'" for value in values))


def counted_rows(studio_id: int, *, model=None) -> QuerySet:
    """The studio's counted sessions (the rows of TrainingSession.objects.counted()), spelled as
    the condition of the partial index session_counted_starts.

    SQLite uses a partial index only for a query whose WHERE repeats the index's condition term
    for term, and a bound parameter never matches the index's literal: with counted()'s
    `status IN (?, ?, ?)` a month's count would read the table.
    `model` is the migrations' historical TrainingSession.
    """
    from punchcard.training.models import TrainingSession

    return (
        (model or TrainingSession)
        ._base_manager.filter(studio_id=studio_id, deleted_at__isnull=True)
        .filter(_InLiterals("status", TrainingSession.COUNTED))
        .order_by()
    )


def in_range(counted: QuerySet, lower: datetime | None, upper: datetime | None) -> QuerySet:
    """The sessions in [lower, upper); None is no bound. One range on starts_at at most on each
    side (two on one side would leave the index to the wider)."""
    if lower is not None:
        counted = counted.filter(starts_at__gte=lower)
    if upper is not None:
        counted = counted.filter(starts_at__lt=upper)
    return counted


# Months counted per query by month_counts: a benchmark studio's three years take two queries.
_MONTHS_AT_ONCE = 24


def _within(start, end, lower, upper):
    """[start, end) cut to [lower, upper): the tighter bound on each side, None for none."""
    if lower is not None:
        start = lower if start is None else max(start, lower)
    if upper is not None:
        end = upper if end is None else min(end, upper)
    return start, end


def month_counts(
    counted: QuerySet, zone: ZoneInfo, lower: datetime | None = None, upper: datetime | None = None
) -> dict[date, int]:
    """{month: sessions} of `counted` (one studio's counted_rows) in [lower, upper), months
    without sessions left out, counted from the rows: index-only range counts, one query per
    _MONTHS_AT_ONCE months from the first session on, each also finding the first session after
    its months (so a session in year 1 or 9999 costs a query, not thousands of empty months).

    Each count has one bound a side, the month's cut to [lower, upper): a second bound on one
    side leaves the index to the wider, and every month's count would then scan from `lower`.
    """
    first = (
        in_range(counted, lower, upper).order_by("starts_at").values_list("starts_at", flat=True)
    )
    first = first.first()
    found = {}
    month = None if first is None else month_of(first, zone)
    while month is not None:
        months = [month]
        while len(months) < _MONTHS_AT_ONCE and (following := next_month(months[-1])):
            months.append(following)
        bounds = [month_start(m, zone) for m in months]
        end = month_start(next_month(months[-1]), zone)
        bounds.append(end)
        columns = {
            f"m{i}": Subquery(
                in_range(counted, *_within(bounds[i], bounds[i + 1], lower, upper)).values(
                    n=RowCount()
                )
            )
            for i in range(len(months))
        }
        if end is not None:
            after = in_range(counted, *_within(end, None, lower, upper))
            columns["after"] = Subquery(after.order_by("starts_at").values("starts_at")[:1])
        # Carried by the chunk's first session (there is one: `month` is a session's), so the
        # statement needs no other table.
        chunk = in_range(counted, *_within(bounds[0], None, lower, upper))
        row = chunk.order_by("starts_at").values(**columns).first()
        if row is None:
            break
        found.update((m, row[f"m{i}"]) for i, m in enumerate(months) if row[f"m{i}"])
        after = row.get("after")
        month = None if after is None else month_of(after, zone)
    return found


# The package counter from the rows ----------------------------------------------------------------


def counted_rows_subquery():
    """What sessions_used must be: counted session rows minus the sessions adjustments added."""
    from punchcard.training.models import TrainingSession

    rows = Coalesce(
        Subquery(
            TrainingSession.objects.counted()
            .filter(package=OuterRef("pk"))
            .order_by()
            .values("package")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        Value(0),
    )
    adjusted = Coalesce(
        Subquery(
            Adjustment.objects.filter(package=OuterRef("pk"))
            .order_by()
            .values("package")
            .annotate(n=Sum("sessions"))
            .values("n")[:1]
        ),
        Value(0),
    )
    return rows - adjusted


def recount(package_ids=None) -> int:
    """Set counters from the rows (for imports, factories and repairs). Returns rows changed."""
    packages = Package.objects.all()
    if package_ids is not None:
        packages = packages.filter(pk__in=list(package_ids))
    return packages.update(sessions_used=counted_rows_subquery())


def drifted():
    """Packages whose counter disagrees with their rows: should always be empty."""
    return Package.objects.annotate(rows=counted_rows_subquery()).filter(
        ~Q(sessions_used=F("rows"))
    )
