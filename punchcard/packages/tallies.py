"""The one place that moves a studio's stored counts (StudioTally): atomic, in the caller's transaction.

The package list shows how many packages match. For the studio's whole live list that is a
COUNT(*) over every live package on every page, the one part of the list that grows with the
studio; the stored count makes it a primary-key read.
"""

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from punchcard.packages.models import Package, StudioTally
from punchcard.studios.models import Studio
from punchcard.studios.services import on_studio_created


@on_studio_created
def start(studio: Studio) -> None:
    """A new studio's tally: nothing yet (called in the sign-up transaction)."""
    StudioTally.objects.create(studio=studio, live_packages=0)


def live_packages_moved(studio_id: int, delta: int) -> None:
    """A package was created or restored (+1) or soft-deleted (-1): one UPDATE, no read.

    A studio without a tally row is left alone: its lists count the rows instead.
    """
    if delta:
        StudioTally.objects.filter(pk=studio_id).update(live_packages=F("live_packages") + delta)


def live_packages_column(studio_id: int) -> QuerySet:
    """The stored count of the studio's live packages as a one-value queryset, for a Subquery:
    a page of the package list reads it with its rows (no row when the studio has no tally)."""
    return StudioTally.objects.filter(pk=studio_id).values("live_packages")


def live_packages(studio_id: int) -> int | None:
    """The stored count of the studio's live packages, or None when the studio has no tally."""
    return live_packages_column(studio_id).values_list("live_packages", flat=True).first()


def _live_package_rows():
    return Coalesce(
        Subquery(
            Package.objects.filter(studio=OuterRef("studio_id"), deleted_at__isnull=True)
            .order_by()
            .values("studio")
            .annotate(n=Count("*"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def recount(studio_ids=None) -> int:
    """Create missing tallies and set every one from the rows (after a bulk load or a repair).

    Run it while nothing else writes packages for those studios. Returns the tallies written.
    """
    studios = Studio.objects.all()
    if studio_ids is not None:
        studios = studios.filter(pk__in=list(studio_ids))
    ids = list(studios.values_list("pk", flat=True))
    existing = set(StudioTally.objects.filter(pk__in=ids).values_list("pk", flat=True))
    StudioTally.objects.bulk_create(
        [StudioTally(studio_id=pk) for pk in ids if pk not in existing], ignore_conflicts=True
    )
    return StudioTally.objects.filter(pk__in=ids).update(live_packages=_live_package_rows())


def drifted():
    """Tallies that disagree with the rows: should always be empty."""
    return StudioTally.objects.annotate(rows=_live_package_rows()).filter(
        ~Q(live_packages=F("rows"))
    )
