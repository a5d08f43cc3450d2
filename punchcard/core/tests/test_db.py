"""PostgreSQL timestamps are read by psycopg's own loader, with the values Django's would give."""

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from punchcard.core import db

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders only"),
]

MOMENTS = """SELECT
    now(),
    '0001-01-02 00:00:00+00'::timestamptz,
    '9999-12-30 23:59:59.999999+00'::timestamptz,
    '2026-03-29 01:30:00.5+01'::timestamptz,
    '2026-11-24 09:30:00.000001-09:30'::timestamptz,
    NULL::timestamptz
"""


def _loader():
    connection.ensure_connection()
    return connection.connection.adapters.get_loader(db.TIMESTAMPTZ, Format.TEXT)


def test_a_connection_reads_timestamps_with_psycopgs_loader():
    assert _loader() is db.UtcTimestamptzLoader
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        assert cursor.cursor._tx.get_loader(db.TIMESTAMPTZ, Format.TEXT).__class__ is (
            db.PSYCOPG_LOADER
        )


def test_the_values_are_those_djangos_loader_gives():
    with connection.cursor() as cursor:
        cursor.execute(MOMENTS)
        ours = cursor.fetchone()
    with connection.connection.cursor() as django_loaded:
        register_tzloader(connection.timezone, django_loaded)
        django_loaded.execute(MOMENTS)
        theirs = django_loaded.fetchone()
    assert ours == theirs
    assert [type(v.tzinfo) if v else None for v in ours] == [
        type(v.tzinfo) if v else None for v in theirs
    ]
    assert all(v is None or v.tzinfo is connection.timezone for v in ours)


def test_a_session_in_another_zone_keeps_djangos_loader():
    connection.ensure_connection()
    assert db.reads_utc_natively(connection)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Paris'")
        try:
            assert not db.reads_utc_natively(connection)
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
