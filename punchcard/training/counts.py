"""The one place that moves the counters sessions feed, atomically, in the caller's transaction:
a package's sessions_used, and the studio's counted sessions per local month (SessionMonthTally).

A session's month is its local month in the studio's time zone as stored when the write commits:
on PostgreSQL the writes read the zone under a share lock of the studio row (the logging
statement checks the zone it was given, see insert), on SQLite inside the write transaction, so a
change of zone (which rebuilds the studio's months, locking that row) never interleaves with them.
"""

from collections import Counter
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.db import connection, transaction
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
from punchcard.studios.models import Studio

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


def locked_zone(studio_id: int) -> ZoneInfo:
    """The studio's time zone as stored, held until the transaction ends (PostgreSQL: a share
    lock of the studio row, which a change of zone must wait for, and waits for). In a
    transaction. On SQLite the write transaction itself keeps others out."""
    table, column = Studio._meta.db_table, Studio._meta.get_field("timezone").column
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "id" = %s{lock}', [studio_id])
        return ZoneInfo(cursor.fetchone()[0])


# The tally of counted sessions per month ----------------------------------------------------------


@cache
def _tally_table() -> tuple[str, str, str, str, str]:
    from punchcard.training.models import SessionMonthTally as T

    column = T._meta.get_field
    return (
        T._meta.db_table,
        column("studio").column,
        column("month").column,
        column("shard").column,
        column("sessions").column,
    )


def _shard() -> str:
    """The SQL of the shard this connection writes (see SessionMonthTally): its backend's on
    PostgreSQL; SQLite's writers take turns anyway."""
    from punchcard.training.models import SessionMonthTally

    if connection.vendor == "postgresql":
        return f"mod(pg_backend_pid(), {SessionMonthTally.SHARDS})"
    return "0"


def _on_conflict_add() -> str:
    table, studio, month, shard, sessions = _tally_table()
    return (
        f' ON CONFLICT ("{studio}", "{month}", "{shard}")'
        f' DO UPDATE SET "{sessions}" = "{table}"."{sessions}" + EXCLUDED."{sessions}"'
    )


def _upsert(rows: int) -> str:
    table, studio, month, shard, sessions = _tally_table()
    values = ", ".join([f"(%s, %s, {_shard()}, %s)"] * rows)
    return (
        f'INSERT INTO "{table}" ("{studio}", "{month}", "{shard}", "{sessions}") VALUES {values}'
        + _on_conflict_add()
    )


def tally(studio_id: int, deltas: dict[date, int]) -> None:
    """Add each delta to its month's count: one upsert, no read (so exact under concurrency).

    Months in order, so that two writers moving the same months lock them in the same order.
    """
    moves = sorted((month, delta) for month, delta in deltas.items() if delta)
    if not moves:
        return
    params = [value for month, delta in moves for value in (studio_id, month, delta)]
    with connection.cursor() as cursor:
        cursor.execute(_upsert(len(moves)), params)


def _tally_in_zone_sql() -> str:
    table, studio, month, shard, sessions = _tally_table()
    zone = Studio._meta.get_field("timezone").column
    return (
        f'INSERT INTO "{table}" ("{studio}", "{month}", "{shard}", "{sessions}")'
        f' SELECT %s, %s, {_shard()}, 1 FROM "{Studio._meta.db_table}"'
        f' WHERE "id" = %s AND "{zone}" = %s' + _on_conflict_add()
    )


def _tally_in_zone(session) -> bool:
    """Count a new session in its month by the zone its studio instance has, if that is still
    the studio's stored zone (one statement, no read). False, and nothing written, if not."""
    zone = session.studio.timezone
    month = month_of(session.starts_at, ZoneInfo(zone))
    studio_id = session.studio_id
    with connection.cursor() as cursor:
        cursor.execute(_tally_in_zone_sql(), [studio_id, month, studio_id, zone])
        return cursor.rowcount == 1


def tally_moved(studio_id: int, moves, zone: ZoneInfo) -> None:
    """Count sessions in or out of their months: `moves` are (starts_at, +1 or -1) of counted
    sessions, `zone` the studio's as locked_zone() read it at the start of the transaction (the
    studio row before the packages', as the logging statement locks them)."""
    deltas = Counter()
    for starts_at, delta in moves:
        deltas[month_of(starts_at, zone)] += delta
    tally(studio_id, deltas)


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
    `status IN (?, ?, ?)` a month's count reads the table (800 ms for 12 months, not 30).
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


def month_counts(counted: QuerySet, zone: ZoneInfo) -> dict[date, int]:
    """{month: sessions} of `counted` (one studio's counted_rows), months without sessions left
    out, counted from the rows: index-only range counts, one query per _MONTHS_AT_ONCE months
    from the first session on, each also finding the first session after its months (so a
    session in year 1 or 9999 costs a query, not thousands of empty months).
    """
    first = counted.order_by("starts_at").values_list("starts_at", flat=True).first()
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
            f"m{i}": Subquery(in_range(counted, bounds[i], bounds[i + 1]).values(n=RowCount()))
            for i in range(len(months))
        }
        if end is not None:
            after = in_range(counted, end, None).order_by("starts_at").values("starts_at")[:1]
            columns["after"] = Subquery(after)
        # Carried by the chunk's first session (there is one: `month` is a session's), so the
        # statement needs no other table.
        row = in_range(counted, bounds[0], None).order_by("starts_at").values(**columns).first()
        if row is None:
            break
        found.update((m, row[f"m{i}"]) for i, m in enumerate(months) if row[f"m{i}"])
        after = row.get("after")
        month = None if after is None else month_of(after, zone)
    return found


def _months_from_rows(studio_ids=None):
    """(studio id, month_counts of its counted sessions in its zone) for each studio, or the
    ones given: what the tally must hold."""
    studios = Studio.objects.order_by("pk")
    if studio_ids is not None:
        studios = studios.filter(pk__in=list(studio_ids))
    for studio_id, zone in studios.values_list("pk", "timezone"):
        yield studio_id, month_counts(counted_rows(studio_id), ZoneInfo(zone))


def rebuild_tally(studio_ids=None) -> int:
    """Set the studios' month counts from their rows (after a bulk load, a change of time zone,
    or a repair). Returns the months written.

    Run it in the transaction of whatever moved the rows, or while nothing else writes them:
    the studio row's lock (a change of zone updates it) keeps the logging out meanwhile.
    """
    from punchcard.training.models import SessionMonthTally

    written = 0
    with transaction.atomic():
        for studio_id, counted in _months_from_rows(studio_ids):
            SessionMonthTally.objects.filter(studio_id=studio_id).delete()
            SessionMonthTally.objects.bulk_create(
                SessionMonthTally(studio_id=studio_id, month=month, shard=0, sessions=n)
                for month, n in counted.items()
            )
            written += len(counted)
    return written


def zone_changed(studio) -> None:
    """The studio's sessions moved between local months: recount them (in the transaction that
    changed the zone, which holds the studio row: the logging waits)."""
    rebuild_tally([studio.pk])


def tally_drifted(studio_ids=None) -> list[tuple[int, date, int, int]]:
    """(studio, month, stored, rows) wherever the tally disagrees with the rows: always empty."""
    from punchcard.training.models import SessionMonthTally

    drifted = []
    for studio_id, rows in _months_from_rows(studio_ids):
        stored = Counter()
        for month, n in SessionMonthTally.objects.filter(studio_id=studio_id).values_list(
            "month", "sessions"
        ):
            stored[month] += n
        for month in sorted(rows.keys() | stored.keys()):
            if rows.get(month, 0) != stored.get(month, 0):
                drifted.append((studio_id, month, stored.get(month, 0), rows.get(month, 0)))
    return drifted


# Writing a session ------------------------------------------------------------------------------


@cache
def _insert_and_count():
    """The INSERT of a session, the bump of its package and the count of its month, as one
    statement (PostgreSQL), that writes nothing unless the studio's zone is the one given."""
    from punchcard.training.models import TrainingSession

    fields = [f for f in TrainingSession._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(["%s"] * len(fields))
    table, pk = TrainingSession._meta.db_table, TrainingSession._meta.pk.column
    studio_table = Studio._meta.db_table
    zone = Studio._meta.get_field("timezone").column
    tally_table, tally_studio, tally_month, tally_shard, tally_sessions = _tally_table()
    package_table, package_pk = Package._meta.db_table, Package._meta.pk.column
    used = Package._meta.get_field("sessions_used").column
    sql = (
        # The share lock waits for a change of zone in progress, and then reads the row as that
        # change left it (READ COMMITTED re-reads a row it had to wait for).
        f'WITH zone AS (SELECT 1 FROM "{studio_table}" WHERE "id" = %s AND "{zone}" = %s'
        " FOR SHARE),"
        f' new AS (INSERT INTO "{table}" ({columns}) SELECT {values} FROM zone RETURNING "{pk}"),'
        f' bumped AS (UPDATE "{package_table}" SET "{used}" = "{used}" + %s'
        f' FROM zone WHERE "{package_table}"."{package_pk}" = %s RETURNING "{used}"),'
        f' tallied AS (INSERT INTO "{tally_table}" ("{tally_studio}", "{tally_month}",'
        f' "{tally_shard}", "{tally_sessions}") SELECT %s, %s, {_shard()}, 1 FROM zone WHERE %s'
        f"{_on_conflict_add()})"
        " SELECT (SELECT * FROM new), (SELECT * FROM bumped)"
    )
    return sql, fields


def insert(session) -> int | None:
    """Save a new session; if it is counted, add one to its package's counter and to its month.

    Returns the package counter as the UPDATE left it (see bump), None without a package or
    when the session is not counted. On PostgreSQL it is one statement, atomic on its own: no
    BEGIN and COMMIT round trips, three of the seven a logged session cost. SQLite cannot write
    inside WITH: there they are statements in one transaction.
    """
    counted = session.is_counted
    package_id = session.package_id if counted else None
    studio_id = session.studio_id
    if connection.vendor != "postgresql":
        with transaction.atomic():
            session.save(force_insert=True)
            used = bump(package_id, +1)
            if counted and not _tally_in_zone(session):
                # The zone changed since the studio was read (SQLite's write transaction keeps
                # others out from here on): count the session in its month as the zone is now.
                tally_moved(studio_id, [(session.starts_at, +1)], locked_zone(studio_id))
            return used
    sql, fields = _insert_and_count()
    session.created_at = session.updated_at = timezone.now()
    # The driver adapts these values itself (ids, text, aware datetimes, None): the fields'
    # get_db_prep_save() took a fifth of the statement's Python.
    params = [getattr(session, field.attname) for field in fields]
    zone_name = session.studio.timezone
    with connection.cursor() as cursor:
        while True:
            month = month_of(session.starts_at, ZoneInfo(zone_name))
            # Without a package to count, the UPDATE matches no row (`id = NULL`).
            cursor.execute(
                sql, [studio_id, zone_name, *params, +1, package_id, studio_id, month, counted]
            )
            session.pk, used = cursor.fetchone()
            if session.pk is not None:
                break
            # The zone changed since the studio was read (nothing was written): count the
            # session in its month as the zone is now.
            zone_name = Studio.objects.values_list("timezone", flat=True).get(pk=studio_id)
    session._state.adding, session._state.db = False, connection.alias
    return used


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
