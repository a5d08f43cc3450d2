"""Pace forecast: when a package runs out at the client's recent rhythm, and whether it expires first.

Pure functions on plain values (no ORM): the pages fetch one count of the client's counted sessions
in the window and pass it in; tests drive these directly, property tests included.

The model: over the last WINDOW_DAYS days (today included) the client trained `count` counted
sessions, so they use count ÷ 8 sessions a week from tomorrow on. Fractions keep it exact, so the
run-out day moves monotonically with the remaining sessions and the rate.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

WINDOW_DAYS = 56
WINDOW_WEEKS = WINDOW_DAYS // 7


@dataclass(frozen=True)
class Forecast:
    weekly_rate: Decimal  # sessions per week over the window, exact (a count ÷ 8)
    runs_out_on: date | None  # None: nothing left, or no sessions lately (never at this pace)
    expires_first: bool  # the expiry date comes before the run-out day
    # Sessions still left on the expiry date at this pace (0 unless expires_first).
    sessions_expiring_unused: int

    @property
    def has_pace(self) -> bool:
        return self.weekly_rate > 0

    @property
    def weekly_rate_display(self) -> str:
        """One decimal at most, half up: "2", "1.5", "0.4"."""
        rounded = self.weekly_rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{rounded:f}".removesuffix(".0")

    @property
    def rate_words(self) -> str:
        shown = self.weekly_rate_display
        return f"{shown} session{'' if shown == '1' else 's'}"


def weekly_rate_from_count(count: int) -> Decimal:
    """Sessions a week when `count` counted sessions fell in the window (exact: ÷ 8)."""
    return Decimal(max(0, count)) / WINDOW_WEEKS


def sessions_in_window(session_dates: Iterable[date], *, today: date) -> int:
    """How many of these (studio-local) days fall in the WINDOW_DAYS days ending today."""
    first = today - timedelta(days=WINDOW_DAYS - 1)
    return sum(1 for day in session_dates if first <= day <= today)


def forecast_at_rate(
    weekly_rate: Decimal | Fraction | int,
    *,
    today: date,
    remaining: int,
    expiry_date: date | None,
) -> Forecast:
    """The forecast for a package with `remaining` sessions used at `weekly_rate` from today on.

    By day today + d the client has used d × rate ÷ 7 sessions. The package runs out on the first
    such day where that reaches `remaining`; the sessions expected before expiry are the whole
    sessions by the expiry day. No pace at all (rate 0) means it never runs out, so a package with
    an expiry and sessions left will expire with all of them.
    """
    rate = Fraction(weekly_rate)
    if rate < 0:
        raise ValueError("weekly_rate cannot be negative")
    shown_rate = weekly_rate if isinstance(weekly_rate, Decimal) else _decimal(rate)
    if remaining <= 0:
        return Forecast(shown_rate, None, False, 0)

    runs_out_on = None
    if rate > 0:
        days = math.ceil(remaining * 7 / rate)
        runs_out_on = _add_days(today, days)

    expires_first, unused = False, 0
    if expiry_date is not None and (runs_out_on is None or runs_out_on > expiry_date):
        days_left = max(0, (expiry_date - today).days)
        expected = math.floor(days_left * rate / 7)
        expires_first, unused = True, max(0, remaining - expected)
    return Forecast(shown_rate, runs_out_on, expires_first, unused)


def forecast(
    session_dates: Iterable[date], *, today: date, remaining: int, expiry_date: date | None
) -> Forecast:
    """The forecast from the days of the client's counted sessions (any range; the window is applied)."""
    count = sessions_in_window(session_dates, today=today)
    return forecast_from_count(count, today=today, remaining=remaining, expiry_date=expiry_date)


def forecast_from_count(
    count: int, *, today: date, remaining: int, expiry_date: date | None
) -> Forecast:
    """The forecast when the window held `count` counted sessions: what the pages use."""
    return forecast_at_rate(
        weekly_rate_from_count(count), today=today, remaining=remaining, expiry_date=expiry_date
    )


def _add_days(day: date, days: int) -> date:
    # Years of sessions at a trickle can run past the calendar; "never" is the honest answer.
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


def _decimal(rate: Fraction) -> Decimal:
    return (Decimal(rate.numerator) / Decimal(rate.denominator)).normalize()
