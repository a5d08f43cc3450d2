"""The list's count of expired packages reads an index of its own (selectors.package_count)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from punchcard.packages import selectors
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)


EXPIRED = selectors.PackageFilters(status="expired")


def _expired_list(studio):
    return selectors.package_list(studio=studio, filters=EXPIRED, today=studio.today())


def _expired_count(studio):
    return selectors.package_count(studio=studio, filters=EXPIRED, today=studio.today())


def test_the_expired_count_is_the_number_of_expired_packages(studio, outsider):
    today = studio.today()
    past = today - timedelta(days=1)
    expired = [
        PackageFactory(studio=studio, total_sessions=10, sessions_used=used, expiry_date=past)
        for used in (0, 9, -1)  # -1: a comp on an unused package
    ]
    PackageFactory(studio=studio, total_sessions=10, sessions_used=10, expiry_date=past)  # used up
    PackageFactory(studio=studio, total_sessions=10, sessions_used=12, expiry_date=past)  # over
    PackageFactory(studio=studio, expiry_date=today)  # expires at the end of today
    PackageFactory(studio=studio, expiry_date=past, deleted_at=studio.created_at)
    PackageFactory(studio=outsider.studio, expiry_date=past)
    packages = _expired_list(studio)
    assert _expired_count(studio) == len(expired) == 3
    for q in ("", "Standard"):
        filters = replace(EXPIRED, q=q)
        rows = selectors.package_page(studio=studio, filters=filters, today=today, start=0, stop=2)
        count = selectors.package_count(studio=studio, filters=filters, today=today)
        assert count == 3 and len(rows) == 2
    assert {p.pk for p in packages} == {p.pk for p in expired}


def test_the_expired_count_can_read_its_index_alone(studio):
    # Only the count repeats the index's condition: SQLite uses a partial index only then, and
    # PostgreSQL cannot prove `> 0` means `>= 1` either. Tiny test tables make no planner choose
    # this index, so SQLite is told to use it (it refuses when it cannot); PostgreSQL is kept off
    # the table and the other indexes (dropped inside the test's transaction, so rolled back).
    PackageFactory(studio=studio, expiry_date=studio.today() - timedelta(days=3))
    with CaptureQueriesContext(connection) as queries:
        _expired_count(studio)
    [sql] = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            table = 'FROM "packages_package"'
            forced = sql.replace(table, f'{table} INDEXED BY "package_open_expiry"', 1)
            cursor.execute("EXPLAIN QUERY PLAN " + forced)
            plan = " ".join(row[-1] for row in cursor.fetchall())
            assert "package_open_expiry" in plan, plan
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'packages_package'"
                " AND indexname NOT IN ('package_open_expiry', 'packages_package_pkey')"
            )
            others = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
            cursor.execute(f"DROP INDEX {others}")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index Only Scan using package_open_expiry" in plan, plan


def _table_columns_read(cursor, sql: str, params) -> list:
    """SQLite: the columns a statement reads from packages_package's table rather than an index.

    EXPLAIN QUERY PLAN says COVERING only when no table row is needed at all, and it never says
    it for a query that tests a generated column (sessions_remaining), even one the index holds:
    the statement's bytecode tells which cursor each column comes from.
    """
    cursor.execute('SELECT rootpage FROM sqlite_master WHERE name = "packages_package"')
    [(root,)] = cursor.fetchall()
    cursor.execute("EXPLAIN " + sql, params)
    ops = cursor.fetchall()
    # (addr, opcode, p1, p2, p3, p4, p5, comment): OpenRead p1 = cursor, p2 = root page.
    tables = {op[2] for op in ops if op[1] == "OpenRead" and op[3] == root}
    return [op for op in ops if op[1] == "Column" and op[2] in tables]


def test_status_lists_and_deep_pages_walk_the_newest_first_index_alone(studio):
    """The page of a status filter, or a page deep in the list (newest first), reads
    package_live_created without the table: the index holds every column the status rules test
    (PackageQuerySet.with_status). As above, SQLite is told to use the index and PostgreSQL is
    left no other."""
    PackageFactory(studio=studio, expiry_date=studio.today() - timedelta(days=3))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'packages_package'"
                " AND indexname NOT IN ('package_live_created', 'packages_package_pkey')"
            )
            others = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
            cursor.execute(f"DROP INDEX {others}")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        for status in ("expired", "active", "inactive", "completed", None):
            packages = Package.objects.for_studio(studio)
            packages = packages.live() if status is None else packages.with_status(status, DAY)
            # The ids of a page, as selectors.package_page finds them first.
            ids = packages.order_by(*selectors._order("-created_at")).values("pk")[24950:25000]
            sql, params = ids.query.sql_with_params()
            if connection.vendor == "sqlite":
                table = 'FROM "packages_package"'
                forced = sql.replace(table, f'{table} INDEXED BY "package_live_created"', 1)
                assert _table_columns_read(cursor, forced, params) == [], status
                if status is None:
                    cursor.execute("EXPLAIN QUERY PLAN " + forced, params)
                    plan = " ".join(row[-1] for row in cursor.fetchall())
                    assert "COVERING INDEX package_live_created" in plan, plan
            else:
                cursor.execute("EXPLAIN " + sql, params)
                plan = " ".join(row[0] for row in cursor.fetchall())
                assert "Index Only Scan using package_live_created" in plan, (status, plan)


def _index_stats(cursor) -> set:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    if cursor.fetchone() is None:
        return set()
    cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'packages_package'")
    return {idx for (idx,) in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statistics are per index")
@pytest.mark.django_db(transaction=True)
def test_the_remade_index_is_analyzed_where_the_table_was(studio):
    """Migration 0006 remakes package_live_created; on a database with statistics the new index
    gets its own, or the planner takes it for a ten-row index (analytics read it: 41 ms, not 19)."""
    PackageFactory.create_batch(3, studio=studio)
    executor = MigrationExecutor(connection)
    executor.migrate([("packages", "0005_open_expiry_index")])
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            assert "package_live_created" in _index_stats(cursor)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        assert "package_live_created" in _index_stats(cursor)
        # A database never analyzed stays so: one index's statistics would skew the others.
        cursor.execute("DELETE FROM sqlite_stat1")
    executor = MigrationExecutor(connection)
    executor.migrate([("packages", "0005_open_expiry_index")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        assert _index_stats(cursor) == set()
