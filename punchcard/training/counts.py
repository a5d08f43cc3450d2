"""The one place that moves a package's sessions_used counter: atomic, in the caller's transaction."""

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from punchcard.packages.models import Adjustment, Package

# Written out because Django's update() cannot return a column; both databases know RETURNING.
_BUMP = 'UPDATE "{table}" SET "{used}" = "{used}" + %s WHERE "{pk}" = %s RETURNING "{used}"'.format(
    table=Package._meta.db_table,
    used=Package._meta.get_field("sessions_used").column,
    pk=Package._meta.pk.column,
)


def bump(package_id: int | None, delta: int) -> int | None:
    """Add delta to the counter with one UPDATE (no read-modify-write, so no lost updates).

    Returns the counter as that UPDATE left it: exact whatever other writers do (the row stays
    locked until the transaction ends), so the caller need not read the package again.
    """
    if package_id is None or not delta:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [delta, package_id])
        row = cursor.fetchone()
    return row[0] if row else None


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
