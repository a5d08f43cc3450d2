"""Writing what was checked, in bulk, with what the services would have written beside it."""

from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.packages import tallies
from punchcard.packages.imports.checking import _Planned
from punchcard.packages.imports.shapes import (
    BATCH,
)
from punchcard.packages.models import Adjustment, Package
from punchcard.packages.services import adjustment_words
from punchcard.studios.models import Studio, User

# Writing what was checked --------------------------------------------------------------------------


def _write_planned(plans: list[_Planned], *, studio: Studio, actor: User | None) -> None:
    """Write the checked rows in bulk, with what the services would have written beside them.

    package_create saves a package and its "created" history row and moves the studio's tally;
    package_adjust adds the adjustment, an "adjusted" history row and moves the counter. Here
    each is one INSERT per batch, the counters are set from their rows and the tally moves once.
    """
    new_clients = [p.client for p in plans if p.preview.client_status == "new"]
    Client.objects.bulk_create(new_clients, batch_size=BATCH)
    packages = [p.package for p in plans if p.package is not None]
    for planned in plans:
        if planned.package is not None:
            # A new package has no sessions: its counter is what its adjustment removes
            # (sessions_used = counted sessions - adjustments, as check_counts proves it).
            planned.package.sessions_used = planned.preview.sessions_used
    # The clients' ids, now known, reach the packages' client_id here.
    Package.objects.bulk_create(packages, batch_size=BATCH)

    History = Package.history.model
    now = timezone.now()

    def history(package: Package, action: str, kind: str, reason: str = ""):
        return History(
            history_date=now,
            history_user=actor,
            history_type=kind,
            history_action=action,
            history_reason=reason,
            **{f.attname: getattr(package, f.attname) for f in History.tracked_fields},
        )

    rows, adjustments = [], []
    for planned in plans:
        package = planned.package
        if package is None:
            continue
        rows.append(history(package, "created", "+"))
        used = planned.preview.sessions_used
        if used:
            adjustment = Adjustment(
                studio=studio, package=package, sessions=-used, reason=planned.reason, actor=actor
            )
            adjustments.append(adjustment)
            words = f"{adjustment_words(-used)}: {planned.reason}"
            rows.append(history(package, "adjusted", "~", words))
    History.objects.bulk_create(rows, batch_size=BATCH)
    Adjustment.objects.bulk_create(adjustments, batch_size=BATCH)
    tallies.live_packages_moved(studio.id, len(packages))
    for planned in plans:
        planned.preview.client_id = planned.client.pk
        planned.preview.package_id = planned.package.pk if planned.package else None
