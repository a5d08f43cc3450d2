"""The one place that moves a package's sessions_used counter: atomic, in the caller's transaction."""

from functools import cache

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

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


@cache
def _insert_and_bump():
    """The INSERT of a session and the bump of its package, as one statement (PostgreSQL)."""
    from punchcard.training.models import TrainingSession

    fields = [f for f in TrainingSession._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(["%s"] * len(fields))
    table, pk = TrainingSession._meta.db_table, TrainingSession._meta.pk.column
    sql = (
        f'WITH new AS (INSERT INTO "{table}" ({columns}) VALUES ({values}) RETURNING "{pk}"),'
        f" bumped AS ({_BUMP})"
        " SELECT (SELECT * FROM new), (SELECT * FROM bumped)"
    )
    return sql, fields


def insert(session, *, count: bool) -> int | None:
    """Save a new session and, if `count`, add one to its package's counter, as one write.

    Returns the counter as the UPDATE left it (see bump). On PostgreSQL both are one statement,
    atomic on its own: no BEGIN and COMMIT round trips, three of the seven a logged session
    cost. SQLite cannot write inside WITH: there they are two statements in one transaction.
    """
    package_id = session.package_id if count else None
    if connection.vendor != "postgresql":
        with transaction.atomic():
            session.save(force_insert=True)
            return bump(package_id, +1)
    sql, fields = _insert_and_bump()
    session.created_at = session.updated_at = timezone.now()
    # The driver adapts these values itself (ids, text, aware datetimes, None): the fields'
    # get_db_prep_save() took a fifth of the statement's Python.
    params = [getattr(session, field.attname) for field in fields]
    with connection.cursor() as cursor:
        # Without a package to count, the UPDATE matches no row (`id = NULL`).
        cursor.execute(sql, [*params, +1, package_id])
        session.pk, used = cursor.fetchone()
    session._state.adding, session._state.db = False, connection.alias
    return used


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
