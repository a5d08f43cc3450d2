"""Benchmark data: studios of a given size, written with bulk inserts (COPY on PostgreSQL).

One ORM save per row would take hours for a million sessions, so rows are built in Python and
written in big batches straight through the database driver: executemany on SQLite, COPY on
PostgreSQL. Only the owner, the studio and its default package types go through the services.

Everything the app keeps derived is written exact: each package's sessions_used is the number of
counted session rows generated for it (`manage.py check_counts` passes), the studio's stored
live-package count (packages.tallies) and its counted sessions per month (training.counts) are
recounted from the rows; the generated columns (sessions_remaining, per_session_value_cents) are
left to the database.

A studio is written in one transaction, so its presence is the marker that it is complete: a
rerun finds it (by name) and skips it.
"""

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from punchcard.clients.models import Client
from punchcard.demo.names import FIRST, LAST  # the same realistic names as the demo
from punchcard.packages import tallies
from punchcard.packages.models import Package, PackageType
from punchcard.studios import services as studio_services
from punchcard.studios.models import Studio
from punchcard.training import counts
from punchcard.training.models import TrainingSession

PASSWORD = "bench-Punchcard-2026!"
# (name, sessions, cents, weight); None type = a package sold without a template.
KINDS = [
    ("Starter", 5, 500_00, 15),
    ("Standard", 12, 1200_00, 28),
    ("Premium", 24, 2160_00, 27),
    ("Elite", 50, 4000_00, 20),
    (None, 10, 950_00, 5),
    (None, 20, 1750_00, 5),
]
COUNTED = [("completed", 90), ("no_show", 6), ("late_cancel", 4)]
HISTORY_DAYS = 3 * 365


@dataclass(frozen=True)
class Size:
    name: str
    clients: int
    packages: int
    sessions: int


LARGE = Size("large", 5_000, 50_000, 1_000_000)
SMALL = Size("small", 100, 500, 10_000)
TINY = Size("tiny", 20, 50, 500)


def owner_email(label: str) -> str:
    return f"owner@{label}.bench.punchcard.test"


def studio_name(label: str) -> str:
    return f"Bench {label}"


def find_studio(label: str) -> Studio | None:
    return Studio.objects.filter(name=studio_name(label)).first()


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _ts(dt: datetime, pg: bool) -> str:
    # SQLite stores naive UTC text, as Django writes it; PostgreSQL gets an explicit offset.
    text = dt.strftime("%Y-%m-%d %H:%M:%S")
    return text + "+00" if pg else text


def _write(table: str, columns: list[str], rows, pg: bool) -> None:
    raw = connection.connection
    if pg:
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def _fix_sequence(model) -> None:
    if _is_postgres():
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )


def _weighted(pairs):
    return [value for value, weight in pairs for _ in range(weight)]


def generate_studio(label: str, size: Size, *, seed: int = 1, now: datetime | None = None):
    """Create studio `label` of `size` (skipped if present). Returns (studio, seconds or None).

    The seconds include the commit, where PostgreSQL checks the deferred foreign keys.
    """
    existing = find_studio(label)
    if existing is not None:
        return existing, None
    started = time.perf_counter()
    with transaction.atomic():
        studio = _generate(label, size, seed=seed, now=now)
    return studio, time.perf_counter() - started


def _generate(label: str, size: Size, *, seed: int, now: datetime | None) -> Studio:
    pg = _is_postgres()
    rng = random.Random(f"{label}-{seed}")
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    membership = studio_services.studio_signup(
        studio_name=studio_name(label), email=owner_email(label), password=PASSWORD
    )
    studio, owner = membership.studio, membership.user
    types = {t.name: t.pk for t in PackageType.objects.filter(studio=studio)}
    oldest = now - timedelta(days=HISTORY_DAYS)

    # Clients -------------------------------------------------------------------------------
    first_client = _next_id(Client)
    client_ids = list(range(first_client, first_client + size.clients))
    client_rows = []
    for i, pk in enumerate(client_ids):
        created = oldest + timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        client_rows.append(
            (
                pk,
                studio.pk,
                f"{name} {i:05d}" if size.clients > 500 else name,
                f"client{i}@{label}.bench.test",
                f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                "",
                rng.random() > 0.1,
                _ts(created, pg),
                _ts(created, pg),
                None,
            )
        )
    _write(
        Client._meta.db_table,
        [
            "id",
            "studio_id",
            "name",
            "email",
            "phone",
            "notes",
            "is_active",
            "created_at",
            "updated_at",
            "deleted_at",
        ],
        client_rows,
        pg,
    )
    _fix_sequence(Client)

    # Packages: plan each package's sessions first, so sessions_used is written exact ----------
    kinds = _weighted([(kind[:3], kind[3]) for kind in KINDS])
    created_offsets = sorted(rng.randrange(HISTORY_DAYS * 86400) for _ in range(size.packages))
    first_package = _next_id(Package)
    plans = []  # (package id, client id, start, end, counted, not counted)
    package_rows = []
    last_of_client = {}
    for i in range(size.packages):
        pk = first_package + i
        name, total, cents = rng.choice(kinds)
        client_id = rng.choice(client_ids)
        created = oldest + timedelta(seconds=created_offsets[i])
        start_date = created.date()
        expiry = None
        if rng.random() < 0.7:
            expiry = start_date + timedelta(days=rng.choice([60, 90, 180, 365]))
        r = rng.random()
        if r < 0.45:
            counted = total  # used up exactly
        elif r < 0.52:
            counted = total + rng.randint(1, 3)  # overage: never blocked
        else:
            counted = int(total * rng.random() * 0.95)
        not_counted = sum(rng.random() < 0.05 for _ in range(counted))
        end = now - timedelta(minutes=5)
        if expiry is not None:
            end = min(end, datetime.combine(expiry, datetime.min.time(), tzinfo=UTC))
        end = max(end, created + timedelta(hours=1))
        plans.append([pk, client_id, created, end, counted, not_counted])
        deleted = rng.random() < 0.02
        if not deleted:
            last_of_client[client_id] = i
        package_rows.append(
            [
                pk,
                studio.pk,
                client_id,
                types.get(name),
                name or f"Custom {total}",
                "",
                cents,
                total,
                0,  # sessions_used, set below once the plan is final
                rng.random() > 0.05,
                False,
                start_date,
                expiry,
                _ts(created, pg),
                _ts(created, pg),
                _ts(created + timedelta(days=30), pg) if deleted else None,
                "from_sale",
                None,
            ]
        )
    # One primary package for one client in ten: their newest live one.
    for client_id, index in last_of_client.items():
        if client_id % 10 == 0:
            package_rows[index][10] = True

    # Hit the session total exactly: 1% not covered by a package, the rest spread over packages.
    uncovered = size.sessions // 100
    planned = sum(p[4] + p[5] for p in plans)
    diff = size.sessions - uncovered - planned
    while diff != 0:
        plan = plans[rng.randrange(len(plans))]
        if diff > 0:
            plan[4] += 1
            diff -= 1
        elif plan[4] > 0:
            plan[4] -= 1
            diff += 1
    for row, plan in zip(package_rows, plans, strict=True):
        row[8] = plan[4]
    _write(
        Package._meta.db_table,
        [
            "id",
            "studio_id",
            "client_id",
            "package_type_id",
            "name",
            "description",
            "total_value_cents",
            "total_sessions",
            "sessions_used",
            "is_active",
            "is_primary",
            "start_date",
            "expiry_date",
            "created_at",
            "updated_at",
            "deleted_at",
            "expiry_rule",
            "validity_days",
        ],
        package_rows,
        pg,
    )
    _fix_sequence(Package)

    # Sessions: streamed, never all in memory at once -----------------------------------------
    counted_statuses = _weighted(COUNTED)
    durations = [45, 60, 60, 60, 90]
    trainer = owner.pk

    def session_rows():
        for pk, client_id, start, end, counted, not_counted in plans:
            span = max(1, int((end - start).total_seconds()))
            for j in range(counted + not_counted):
                at = start + timedelta(seconds=rng.randrange(span) // 900 * 900)
                text = _ts(at, pg)
                if j < counted:
                    status, deleted_at = rng.choice(counted_statuses), None
                elif rng.random() < 0.8:
                    status, deleted_at = "cancelled", None
                else:
                    status, deleted_at = "completed", text  # logged by mistake, then deleted
                yield (
                    studio.pk,
                    client_id,
                    pk,
                    trainer,
                    text,
                    rng.choice(durations),
                    status,
                    "",
                    text,
                    text,
                    deleted_at,
                )
        for _ in range(uncovered):
            at = now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400) // 900 * 900 + 300)
            text = _ts(at, pg)
            client_id = rng.choice(client_ids)
            yield (studio.pk, client_id, None, trainer, text, 60, "completed", "", text, text, None)

    _write(
        TrainingSession._meta.db_table,
        [
            "studio_id",
            "client_id",
            "package_id",
            "trainer_id",
            "starts_at",
            "duration_minutes",
            "status",
            "notes",
            "created_at",
            "updated_at",
            "deleted_at",
        ],
        session_rows(),
        pg,
    )
    # The stored live-package count the lists read (sign-up started it at 0).
    tallies.recount([studio.pk])
    return studio


def analyze() -> None:
    """Planner statistics after a bulk load or new indexes.

    PostgreSQL's autovacuum would get there by itself a little later: VACUUM also marks the pages
    all-visible, so that index-only scans need not visit the table. On SQLite it is what
    `PRAGMA optimize` does for a long-lived database.
    """
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if _is_postgres() else "ANALYZE")


def forget_sessions(rows) -> None:
    """Remove sessions a measurement logged and recount their packages: the data as generated
    again, so that reruns measure the same thing. On
    PostgreSQL that includes the pages marked all-visible again (the writes cleared them, and
    autovacuum waits for a fifth of a table to change), or index-only counts visit the table
    (2.1 -> 6.5 ms)."""
    touched = set(rows.exclude(package=None).values_list("package_id", flat=True))
    with transaction.atomic():
        rows.delete()
        counts.recount(touched)
    analyze()


def generate_all(*, log=print, analyze_anyway: bool = False) -> dict:
    """The benchmark's three studios: two large (tenant isolation is measured) and a small one."""
    timings = {}
    for label, size in (("small", SMALL), ("large-a", LARGE), ("large-b", LARGE)):
        studio, seconds = generate_studio(label, size)
        if seconds is not None:
            log(f"bench: generated {label} ({size.sessions:,} sessions) in {seconds:.1f} s")
            timings[label] = round(seconds, 1)
    if timings or analyze_anyway:
        analyze()
    return timings
