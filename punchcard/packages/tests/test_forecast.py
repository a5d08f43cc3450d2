"""The pace forecast as a pure function: exact examples, then properties over any input."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from punchcard.packages.forecast import (
    WINDOW_DAYS,
    forecast,
    forecast_at_rate,
    forecast_from_count,
    sessions_in_window,
    weekly_rate_from_count,
)

TODAY = date(2026, 11, 24)


def days_ago(*numbers: int) -> list[date]:
    return [TODAY - timedelta(days=n) for n in numbers]


# Examples --------------------------------------------------------------------------------------


def test_eight_sessions_in_eight_weeks_is_one_a_week_and_ten_left_last_seventy_days():
    found = forecast(days_ago(*range(0, 56, 7)), today=TODAY, remaining=10, expiry_date=None)
    assert found.weekly_rate == Decimal(1)
    assert found.runs_out_on == TODAY + timedelta(days=70)
    assert (found.expires_first, found.sessions_expiring_unused) == (False, 0)


def test_two_a_week_runs_out_in_half_the_time():
    found = forecast_from_count(16, today=TODAY, remaining=10, expiry_date=None)
    assert (found.weekly_rate, found.runs_out_on) == (2, TODAY + timedelta(days=35))
    assert found.rate_words == "2 sessions"


def test_only_the_last_56_days_count_today_included():
    dates = days_ago(0, 55, 56, 100) + [TODAY + timedelta(days=1)]
    assert sessions_in_window(dates, today=TODAY) == 2
    assert WINDOW_DAYS == 56


def test_expiry_before_the_run_out_day_flags_the_sessions_left_over():
    # One a week, 10 left, expires in 30 days: 4 sessions by then (day 28), 6 expire unused.
    found = forecast_from_count(
        8, today=TODAY, remaining=10, expiry_date=TODAY + timedelta(days=30)
    )
    assert found.runs_out_on == TODAY + timedelta(days=70)
    assert (found.expires_first, found.sessions_expiring_unused) == (True, 6)


def test_running_out_on_the_expiry_day_itself_is_in_time():
    found = forecast_from_count(8, today=TODAY, remaining=2, expiry_date=TODAY + timedelta(days=14))
    assert found.runs_out_on == TODAY + timedelta(days=14)
    assert (found.expires_first, found.sessions_expiring_unused) == (False, 0)


def test_no_recent_session_means_no_run_out_day_and_everything_expires():
    found = forecast([], today=TODAY, remaining=5, expiry_date=TODAY + timedelta(days=20))
    assert (found.weekly_rate, found.runs_out_on, found.has_pace) == (0, None, False)
    assert (found.expires_first, found.sessions_expiring_unused) == (True, 5)
    assert not forecast([], today=TODAY, remaining=5, expiry_date=None).expires_first


def test_nothing_left_means_no_forecast_at_all():
    found = forecast_from_count(
        40, today=TODAY, remaining=-2, expiry_date=TODAY + timedelta(days=1)
    )
    assert (found.runs_out_on, found.expires_first, found.sessions_expiring_unused) == (
        None,
        False,
        0,
    )


@pytest.mark.parametrize(
    ("count", "shown", "words"),
    [
        (8, "1", "1 session"),
        (12, "1.5", "1.5 sessions"),
        (3, "0.4", "0.4 sessions"),
        (1, "0.1", "0.1 sessions"),
    ],
)
def test_rate_is_shown_with_one_decimal_at_most(count, shown, words):
    found = forecast_from_count(count, today=TODAY, remaining=3, expiry_date=None)
    assert (found.weekly_rate_display, found.rate_words) == (shown, words)


def test_a_trickle_over_a_huge_package_never_overflows_the_calendar():
    found = forecast_at_rate(Fraction(1, 10**9), today=TODAY, remaining=10_000, expiry_date=None)
    assert found.runs_out_on == date.max


# Properties ------------------------------------------------------------------------------------

remaining_st = st.integers(min_value=-50, max_value=10_000)
count_st = st.integers(min_value=0, max_value=500)
today_st = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
expiry_st = st.none() | st.dates(min_value=date(1999, 1, 1), max_value=date(2200, 12, 31))


def _runs_out_key(day: date | None) -> date:
    # "Never" sorts after every real day.
    return date.max if day is None else day


@given(count_st, today_st, remaining_st, remaining_st, expiry_st)
def test_more_sessions_left_never_run_out_earlier(count, today, a, b, expiry):
    low, high = sorted((a, b))
    if low <= 0:
        return  # nothing left has no run-out day to compare
    early = forecast_from_count(count, today=today, remaining=low, expiry_date=expiry)
    late = forecast_from_count(count, today=today, remaining=high, expiry_date=expiry)
    assert _runs_out_key(early.runs_out_on) <= _runs_out_key(late.runs_out_on)
    assert early.sessions_expiring_unused <= late.sessions_expiring_unused


@given(count_st, count_st, today_st, st.integers(1, 10_000), expiry_st)
def test_a_faster_pace_never_runs_out_later(a, b, today, remaining, expiry):
    slow, fast = sorted((a, b))
    slower = forecast_from_count(slow, today=today, remaining=remaining, expiry_date=expiry)
    faster = forecast_from_count(fast, today=today, remaining=remaining, expiry_date=expiry)
    assert _runs_out_key(faster.runs_out_on) <= _runs_out_key(slower.runs_out_on)
    assert faster.sessions_expiring_unused <= slower.sessions_expiring_unused
    assert not (faster.expires_first and not slower.expires_first)


@given(count_st, today_st, remaining_st)
def test_without_an_expiry_nothing_expires_first(count, today, remaining):
    found = forecast_from_count(count, today=today, remaining=remaining, expiry_date=None)
    assert not found.expires_first and found.sessions_expiring_unused == 0


@given(count_st, today_st, st.integers(-50, 0), expiry_st)
def test_nothing_left_never_runs_out(count, today, remaining, expiry):
    found = forecast_from_count(count, today=today, remaining=remaining, expiry_date=expiry)
    assert found.runs_out_on is None and not found.expires_first


@given(count_st, today_st, remaining_st, expiry_st)
def test_unused_sessions_are_between_none_and_all_left(count, today, remaining, expiry):
    found = forecast_from_count(count, today=today, remaining=remaining, expiry_date=expiry)
    assert 0 <= found.sessions_expiring_unused <= max(remaining, 0)
    # Flagged exactly when some would be left over: the two answers never disagree.
    assert found.expires_first == (found.sessions_expiring_unused > 0)


@given(count_st, today_st, st.integers(1, 10_000), expiry_st)
def test_run_out_day_and_expiry_agree(count, today, remaining, expiry):
    found = forecast_from_count(count, today=today, remaining=remaining, expiry_date=expiry)
    if found.runs_out_on is not None:
        assert found.runs_out_on > today
        if expiry is not None:
            assert found.expires_first == (found.runs_out_on > expiry)
    else:
        assert count == 0
        assert found.expires_first == (expiry is not None)


@given(st.lists(st.integers(-200, 200), max_size=80), today_st, st.integers(1, 500))
def test_dates_and_counts_give_the_same_forecast(offsets, today, remaining):
    dates = [today - timedelta(days=n) for n in offsets]
    count = sessions_in_window(dates, today=today)
    assert 0 <= count <= len(dates)
    assert forecast(dates, today=today, remaining=remaining, expiry_date=None) == (
        forecast_from_count(count, today=today, remaining=remaining, expiry_date=None)
    )
    assert weekly_rate_from_count(count) * 8 == count
