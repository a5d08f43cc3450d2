"""The one place that moves a package's session counter (sessions_used): an atomic UPDATE in
the caller's transaction. Sessions (training) and adjustments (packages) call it; check_counts
proves the counter equals the rows (training.counts).
"""

from django.db import connection

from punchcard.packages.models import Package

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
