"""Every analytics figure against a fixture computed by hand, to the cent.

The studio is in New York (UTC−5 in winter, −4 in summer) and "now" is 24 Nov 2026, 12:00 UTC.

| pkg | type     | name            | value / sessions | used | state                          | unused value        |
|-----|----------|-----------------|------------------|------|--------------------------------|---------------------|
| A   | Flex 12  | Flex 12         | $1,000.00 / 12   | 5    | active                         | 1000 − 416.67 = 583.33 |
| B   | Flex 12  | Flex 12 renewal | $1,000.00 / 12   | 7    | expired 1 Oct 2026             | 1000 − 583.33 = 416.67 |
| C   | Standard | Standard        | $1,200.00 / 12   | 12   | completed                      | 0                   |
| D   | Standard | Standard        | $1,200.00 / 12   | 14   | completed (overage; expiry past) | 0 (k capped at 12) |
| E   | —        | Custom 7        | $500.00 / 7      | 3    | inactive, expires 1 Jan 2027   | 500 − 214.29 = 285.71 |
| F   | —        | Custom 7        | $700.00 / 7      | 0    | active                         | 700.00              |
| J   | —        | Trial           | $100.00 / 3      | 1    | active, expires today          | 100 − 33.33 = 66.67 |
| G   | Premium  | Premium         | $2,160.00 / 24   | 1    | soft-deleted: left out         |                     |
| H   | Standard | Standard        | $1,200.00 / 12   | 0    | created 31 Dec 2025 23:30 New York (already 2026 in UTC) |  |

Used values, half-up: A 100000×5/12 = 41666.67 → 41667; B 100000×7/12 = 58333.33 → 58333;
E 50000×3/7 = 21428.57 → 21429; J 10000×1/3 = 3333.33 → 3333 (cents).

2026 (A–F, J): 7 packages; revenue 1000+1000+1200+1200+500+700+100 = $5,700.00;
average 570000/7 = 81428.57 → $814.29; completed C, D; expired B → completion 2/3 = 0.6667;
unused, not expired: 583.33 + 0 + 0 + 285.71 + 700.00 + 66.67 = $1,635.71; expired unused $416.67;
check: used values in cents 41667 + 58333 + 120000 + 120000 + 21429 + 0 + 3333 = 364762, and
364762 + 163571 + 41667 = 570000, the revenue, to the cent.
Types: Standard 2 / $2,400.00, Flex 12 2 / $2,000.00 (B renamed, still its type), Custom 7 2 /
$1,200.00, Trial 1 / $100.00.
All time adds H: 8 packages, $6,900.00, average $862.50, unused $2,835.71, Standard 3 / $3,600.00.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from punchcard.analytics import selectors
from punchcard.clients.tests.factories import ClientFactory
from punchcard.core.dates import DateRange
from punchcard.packages.models import Package
from punchcard.packages.tests.factories import PackageFactory, PackageTypeFactory
from punchcard.training.counts import counted_rows
from punchcard.training.models import TrainingSession
from punchcard.training.tests.factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
YEAR_2026 = DateRange(start=date(2026, 1, 1), end=date(2026, 12, 31))


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def at(studio, *args) -> datetime:
    """An aware datetime on the studio's wall clock."""
    return datetime(*args, tzinfo=studio.tzinfo)


def make_package(studio, created: datetime, **fields) -> Package:
    package = PackageFactory(studio=studio, **fields)
    # created_at is auto_now_add, so the creation time is set afterwards.
    Package.objects.filter(pk=package.pk).update(created_at=created)
    return package


def build_fixture(studio) -> dict[str, Package]:
    """The packages of the table in this module's docstring, in a New York studio."""
    studio.timezone = "America/New_York"
    studio.save(update_fields=["timezone"])
    flex = PackageTypeFactory(
        studio=studio, name="Flex 12", total_sessions=12, total_value_cents=100_000
    )
    standard = PackageTypeFactory(studio=studio, name="Standard")
    premium = PackageTypeFactory(
        studio=studio, name="Premium", total_sessions=24, total_value_cents=216_000
    )
    client = ClientFactory(studio=studio)
    p = {}

    def add(key, created, **fields):
        p[key] = make_package(studio, created, client=client, **fields)

    add(
        "A",
        at(studio, 2026, 3, 10, 10),
        package_type=flex,
        name="Flex 12",
        total_value_cents=100_000,
        sessions_used=5,
    )
    # Created on the range's first instant: 1 Jan 2026 00:00 in New York.
    add(
        "B",
        at(studio, 2026, 1, 1),
        package_type=flex,
        name="Flex 12 renewal",
        total_value_cents=100_000,
        sessions_used=7,
        expiry_date=date(2026, 10, 1),
    )
    add("C", at(studio, 2026, 5, 5, 9), package_type=standard, sessions_used=12)
    add(
        "D",
        at(studio, 2026, 6, 6, 9),
        package_type=standard,
        sessions_used=14,
        expiry_date=date(2026, 9, 1),
    )
    add(
        "E",
        at(studio, 2026, 7, 7, 9),
        name="Custom 7",
        total_value_cents=50_000,
        total_sessions=7,
        sessions_used=3,
        is_active=False,
        expiry_date=date(2027, 1, 1),
    )
    add(
        "F",
        at(studio, 2026, 11, 24, 6),
        name="Custom 7",
        total_value_cents=70_000,
        total_sessions=7,
    )
    add(
        "J",
        at(studio, 2026, 8, 8, 9),
        name="Trial",
        total_value_cents=10_000,
        total_sessions=3,
        sessions_used=1,
        expiry_date=date(2026, 11, 24),
    )
    add(
        "G",
        at(studio, 2026, 4, 4, 9),
        package_type=premium,
        name="Premium",
        total_value_cents=216_000,
        total_sessions=24,
        sessions_used=1,
        deleted_at=NOW,
    )
    # 23:30 on New Year's Eve in New York is already 2026 in UTC: it belongs to 2025 here.
    add("H", at(studio, 2025, 12, 31, 23, 30), package_type=standard)
    return p


def figures_for(studio, date_range=YEAR_2026):
    return selectors.package_analytics(studio=studio, date_range=date_range)


def test_every_figure_matches_the_hand_computed_fixture(studio, outsider):
    build_fixture(studio)
    make_package(outsider.studio, NOW, total_value_cents=99_999_00)  # another studio's sale
    f = figures_for(studio)
    assert f.currency == "USD"
    assert f.package_count == 7
    assert f.revenue_cents == 570_000
    assert f.average_package_value_cents == 81_429
    assert (f.completed_count, f.expired_count) == (2, 1)
    assert f.completion_rate == Decimal("0.6667")
    assert f.completion_percent == Decimal("66.7")
    assert f.unused_session_value_cents == 163_571
    assert f.expired_unused_value_cents == 41_667
    assert [(t.name, t.count) for t in f.popular_types] == [
        ("Custom 7", 2),
        ("Flex 12", 2),
        ("Standard", 2),
        ("Trial", 1),
    ]
    assert [(t.name, t.revenue_cents, t.count) for t in f.revenue_by_type] == [
        ("Standard", 240_000, 2),
        ("Flex 12", 200_000, 2),
        ("Custom 7", 120_000, 2),
        ("Trial", 10_000, 1),
    ]


def test_used_and_unused_values_add_up_to_the_revenue_to_the_cent(studio):
    packages = build_fixture(studio)
    f = figures_for(studio)
    sold = [packages[k] for k in "ABCDEFJ"]
    for package in sold:
        package.refresh_from_db()
    used = sum(p.used_value_cents for p in sold)
    assert used == 364_762
    assert used + f.unused_session_value_cents + f.expired_unused_value_cents == f.revenue_cents


def test_all_time_includes_the_package_created_on_new_years_eve_local_time(studio):
    build_fixture(studio)
    f = figures_for(studio, DateRange())
    assert f.package_count == 8
    assert f.revenue_cents == 690_000
    assert f.average_package_value_cents == 86_250
    assert f.unused_session_value_cents == 283_571
    assert f.expired_unused_value_cents == 41_667
    assert (f.revenue_by_type[0].name, f.revenue_by_type[0].count) == ("Standard", 3)
    assert f.revenue_by_type[0].revenue_cents == 360_000


def test_a_type_and_an_untyped_package_of_the_same_name_stay_apart(studio):
    kind = PackageTypeFactory(studio=studio, name="Standard")
    make_package(studio, NOW, package_type=kind)
    make_package(studio, NOW, name="Standard", total_value_cents=50_000)
    rows = figures_for(studio, DateRange()).revenue_by_type
    assert [(t.name, t.package_type_id, t.revenue_cents) for t in rows] == [
        ("Standard", kind.pk, 120_000),
        ("Standard", None, 50_000),
    ]


def test_types_sort_by_figure_then_name_as_people_read_it(studio):
    for name in ("beta", "Alpha", "Gamma"):
        make_package(studio, NOW, name=name)
    names = [t.name for t in figures_for(studio, DateRange()).popular_types]
    assert names == ["Alpha", "beta", "Gamma"]


def test_status_conditions_agree_with_with_status(studio):
    build_fixture(studio)
    today = studio.today()
    live = Package.objects.for_studio(studio).live()
    totals = selectors.package_totals(studio=studio, date_range=DateRange(), today=today)
    assert totals["completed_count"] == live.with_status("completed", today).count()
    assert totals["expired_count"] == live.with_status("expired", today).count()


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Auckland"])
def test_range_ends_are_whole_studio_days_inclusive(studio, zone):
    studio.timezone = zone
    studio.save(update_fields=["timezone"])
    inside = [
        at(studio, 2026, 3, 1),  # the first instant of the first day
        at(studio, 2026, 3, 31, 23, 59, 59),  # the last second of the last day (after a DST change)
    ]
    outside = [at(studio, 2026, 2, 28, 23, 59, 59), at(studio, 2026, 4, 1)]
    for created in inside + outside:
        make_package(studio, created)
    f = figures_for(studio, DateRange(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    assert f.package_count == 2
    assert f.revenue_cents == 240_000
    # Each end works alone too.
    assert figures_for(studio, DateRange(start=date(2026, 3, 1))).package_count == 3
    assert figures_for(studio, DateRange(end=date(2026, 3, 31))).package_count == 3


def test_dates_at_the_ends_of_the_calendar_are_no_bound_rather_than_an_error(studio):
    studio.timezone = "Pacific/Kiritimati"  # UTC+14: year 1 midnight is before UTC's year 1
    studio.save(update_fields=["timezone"])
    make_package(studio, NOW)
    f = figures_for(studio, DateRange(start=date.min, end=date.max))
    assert f.package_count == 1
    studio.timezone = "Etc/GMT+12"  # UTC−12: the day after 9999-12-30 overflows in UTC
    studio.save(update_fields=["timezone"])
    assert figures_for(studio, DateRange(start=date.min, end=date(9999, 12, 30))).package_count == 1


def test_an_empty_studio_gives_zeros_and_no_completion_rate(studio):
    f = figures_for(studio, DateRange())
    assert (f.package_count, f.revenue_cents) == (0, 0)
    assert f.average_package_value_cents is None
    assert f.completion_rate is None and f.completion_percent is None
    assert (f.unused_session_value_cents, f.expired_unused_value_cents) == (0, 0)
    assert f.popular_types == [] and f.revenue_by_type == [] and f.sessions_by_month == []


def test_completion_rate_is_null_until_a_package_has_ended(studio):
    make_package(studio, NOW, sessions_used=3)
    f = figures_for(studio, DateRange())
    assert f.package_count == 1 and f.completion_rate is None


def test_completion_rate_rounds_half_up_once(studio):
    # 1 completed of 8 ended = 0.125 exactly; 12.5% shown with one decimal.
    make_package(studio, NOW, total_sessions=1, sessions_used=1)
    for _ in range(7):
        make_package(studio, NOW, expiry_date=date(2026, 1, 1))
    f = figures_for(studio, DateRange())
    assert f.completion_rate == Decimal("0.1250")
    assert f.completion_percent == Decimal("12.5")


# Sessions per month -------------------------------------------------------------------------------


def sessions_fixture(studio, outsider):
    studio.timezone = "America/New_York"
    studio.save(update_fields=["timezone"])
    client = ClientFactory(studio=studio)

    def log(when, status=TrainingSession.Status.COMPLETED, **fields):
        return TrainingSessionFactory(client=client, starts_at=when, status=status, **fields)

    log(at(studio, 2025, 11, 30, 23, 0))  # before the default 12-month window
    log(at(studio, 2025, 12, 1, 0, 0))  # the window's first instant
    log(at(studio, 2026, 3, 31, 23, 30))  # already April in UTC: March here
    log(at(studio, 2026, 4, 1, 0, 0))
    log(at(studio, 2026, 4, 10), TrainingSession.Status.NO_SHOW)
    log(at(studio, 2026, 4, 11), TrainingSession.Status.LATE_CANCEL)
    log(at(studio, 2026, 4, 12), TrainingSession.Status.CANCELLED)  # does not count
    log(at(studio, 2026, 4, 13), deleted_at=NOW)  # deleted: does not count
    log(at(studio, 2026, 6, 15))
    TrainingSessionFactory(
        client=ClientFactory(studio=outsider.studio), starts_at=at(studio, 2026, 4, 2)
    )


def months(rows) -> list[tuple[str, int]]:
    return [(row.key, row.sessions) for row in rows]


def test_sessions_by_month_counts_delivered_sessions_per_local_month(studio, outsider):
    sessions_fixture(studio, outsider)
    rows = selectors.sessions_by_month(
        studio=studio,
        date_range=DateRange(start=date(2026, 3, 1), end=date(2026, 6, 30)),
        today=studio.today(),
    )
    assert months(rows) == [("2026-03", 1), ("2026-04", 3), ("2026-05", 0), ("2026-06", 1)]
    assert rows[1].last_day == date(2026, 4, 30)


def test_sessions_by_month_without_a_range_covers_the_last_twelve_months(studio, outsider):
    sessions_fixture(studio, outsider)
    rows = selectors.sessions_by_month(studio=studio, date_range=DateRange(), today=studio.today())
    assert months(rows) == [
        ("2025-12", 1),
        ("2026-01", 0),
        ("2026-02", 0),
        ("2026-03", 1),
        ("2026-04", 3),
        ("2026-05", 0),
        ("2026-06", 1),
        ("2026-07", 0),
        ("2026-08", 0),
        ("2026-09", 0),
        ("2026-10", 0),
        ("2026-11", 0),
    ]


def test_sessions_by_month_never_pads_a_huge_range(studio, outsider):
    sessions_fixture(studio, outsider)
    rows = selectors.sessions_by_month(
        studio=studio, date_range=DateRange(start=date.min, end=date.max), today=studio.today()
    )
    assert rows[0].key == "2025-11" and rows[-1].key == "2026-11" and len(rows) == 13


def from_the_rows(studio, date_range: DateRange) -> list[tuple[str, int]]:
    """What sessions_by_month must answer, worked out in Python from every counted row."""
    today = studio.today()
    window = selectors.sessions_window(date_range=date_range, today=today)
    found = {}
    for moment in (
        TrainingSession.objects.for_studio(studio).counted().values_list("starts_at", flat=True)
    ):
        day = moment.astimezone(studio.tzinfo).date()
        if (window.start or date.min) <= day <= (window.end or date.max):
            found[day.replace(day=1)] = found.get(day.replace(day=1), 0) + 1
    if not found:
        return []
    end = max(max(found), today.replace(day=1))
    if window.end is not None:
        end = max(max(found), min(end, window.end.replace(day=1)))
    every_month = selectors._months(min(found), end)
    return [(f"{month:%Y-%m}", found.get(month, 0)) for month in every_month]


@pytest.mark.parametrize(
    "date_range",
    [
        DateRange(),
        DateRange(start=date(2026, 3, 15), end=date(2026, 6, 10)),
        DateRange(start=date(2026, 4, 10), end=date(2026, 4, 11)),
        DateRange(start=date(2026, 3, 31), end=date(2026, 4, 1)),
        DateRange(start=date(2026, 11, 1), end=date(2026, 11, 24)),
        DateRange(start=date(2026, 11, 24), end=date(2026, 12, 2)),
        DateRange(start=date(2026, 11, 25), end=date(2026, 12, 31)),
        DateRange(end=date(2026, 4, 10)),
        DateRange(start=date(2026, 4, 11)),
        DateRange(start=date.min, end=date.max),
        DateRange(start=date(2026, 4, 11), end=date(2026, 4, 11)),
    ],
)
def test_sessions_by_month_agrees_with_the_rows_for_any_range(studio, outsider, date_range):
    # Stored month counts for whole months, index counts for the part of a month a range keeps
    # or leaves out: either way the figures are the rows'. Sessions logged ahead, today's late
    # evening (tomorrow in UTC) and next month's must land where the rows say.
    sessions_fixture(studio, outsider)
    client = ClientFactory(studio=studio)
    for moment in (
        at(studio, 2026, 11, 24, 23, 30),  # today, 04:30 tomorrow in UTC
        at(studio, 2026, 11, 25, 9),  # logged ahead
        at(studio, 2026, 11, 30, 23, 59),
        at(studio, 2026, 12, 3, 9),
    ):
        TrainingSessionFactory(client=client, starts_at=moment)
    rows = selectors.sessions_by_month(studio=studio, date_range=date_range, today=studio.today())
    assert months(rows) == from_the_rows(studio, date_range)
    assert months(rows)  # every range here has sessions


def test_the_default_window_leaves_out_sessions_logged_ahead(studio, outsider):
    sessions_fixture(studio, outsider)
    client = ClientFactory(studio=studio)
    TrainingSessionFactory(client=client, starts_at=at(studio, 2026, 11, 24, 23, 30))
    TrainingSessionFactory(client=client, starts_at=at(studio, 2026, 11, 25, 0, 0))
    rows = selectors.sessions_by_month(studio=studio, date_range=DateRange(), today=studio.today())
    assert months(rows)[-1] == ("2026-11", 1)


def test_counted_sessions_are_the_rows_counted_selects(studio, outsider):
    sessions_fixture(studio, outsider)
    expected = set(
        TrainingSession.objects.for_studio(studio).counted().values_list("pk", flat=True)
    )
    assert len(expected) == 7
    assert set(counted_rows(studio.pk).values_list("pk", flat=True)) == expected


def month_count_queries(studio, date_range: DateRange | None = None) -> list[tuple[str, list]]:
    """The SQL and parameters of the sessions-per-month query, as sent (bound, not inlined)."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        selectors.sessions_by_month(
            studio=studio, date_range=date_range or DateRange(), today=studio.today()
        )
    return sent


@pytest.mark.parametrize(
    "date_range",
    [
        DateRange(),
        DateRange(start=date(2026, 3, 15), end=date(2026, 6, 10)),
        DateRange(start=date(2026, 4, 10), end=date(2026, 4, 11)),
        DateRange(start=date(2026, 3, 1), end=date(2026, 6, 30)),
    ],
)
def test_month_counts_read_the_counted_sessions_index_alone(studio, outsider, date_range):
    # Every count is an index-only range count: the index's condition must be implied by the
    # query's WHERE. With a bound `status IN (?, ?, ?)`, or statuses in another order than the
    # index's, SQLite cannot use it and counts from the table. Tiny test tables make no planner
    # choose an index, so SQLite is told to use this one (it refuses when it cannot),
    # PostgreSQL to avoid the table.
    sessions_fixture(studio, outsider)
    sent = month_count_queries(studio, date_range)
    assert sent
    with connection.cursor() as cursor:
        for sql, params in sent:
            if connection.vendor == "sqlite":
                forced = re.sub(
                    r'(FROM "training_trainingsession"(?: U\d+)?)',
                    r'\1 INDEXED BY "session_counted_starts"',
                    sql,
                )
                cursor.execute("EXPLAIN QUERY PLAN " + forced, params)
                plan = [row[-1] for row in cursor.fetchall()]
                assert any("session_counted_starts" in step for step in plan), plan
            else:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute("EXPLAIN " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
                reads = [s for s in plan if "training_trainingsession" in s]
                assert reads and all(
                    "Index Only Scan" in s and "session_counted_starts" in s for s in reads
                ), plan


# Queries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 40])
def test_figures_take_two_queries_whatever_the_data_size(studio, size, django_assert_num_queries):
    # One pass over the packages grouped by type (the totals are the groups' sums), and two of
    # sessions per month (the first session's month, then up to 24 months' counts at once).
    kinds = [PackageTypeFactory(studio=studio, name=n) for n in ("Starter", "Standard", "Elite")]
    for i in range(size):
        package = make_package(studio, NOW, package_type=kinds[i % 3], sessions_used=i % 13)
        TrainingSessionFactory(package=package, starts_at=NOW)
    with django_assert_num_queries(3):
        f = figures_for(studio, DateRange())
    assert f.package_count == size and f.sessions_total == size
