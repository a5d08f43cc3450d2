"""The one place that moves a package's sessions_used counter: atomic, in the caller's transaction."""

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from punchcard.packages.models import Adjustment, Package


def bump(package_id: int | None, delta: int) -> None:
    """Add delta to the counter with one UPDATE (no read-modify-write, so no lost updates)."""
    if package_id is not None and delta:
        Package.objects.filter(pk=package_id).update(sessions_used=F("sessions_used") + delta)


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
