"""Tests for punchcard.core.money: cents arithmetic, parsing and formatting (no database)."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from punchcard.core.money import (
    average_cents,
    cents_str,
    format_money,
    from_cents,
    parse_money,
    per_session_cents,
    to_cents,
    unused_value_cents,
    used_value_cents,
)

totals = st.integers(min_value=0, max_value=10**14 - 1)
session_counts = st.integers(min_value=1, max_value=10_000)


def decimal_half_up(numerator: int, denominator: int) -> int:
    """Reference rounding with Decimal at a precision wide enough to be exact here."""
    with localcontext() as ctx:
        ctx.prec = 60
        quotient = Decimal(numerator) / Decimal(denominator)
        return int(quotient.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@st.composite
def package_and_k(draw):
    total = draw(totals)
    sessions = draw(session_counts)
    k = draw(st.integers(min_value=-5, max_value=sessions + 50))
    return total, sessions, k


# --- properties -------------------------------------------------------------------------------


@given(package_and_k())
def test_used_plus_unused_is_total_and_used_is_bounded(case):
    total, sessions, k = case
    used = used_value_cents(total, sessions, k)
    unused = unused_value_cents(total, sessions, k)
    assert used + unused == total
    assert 0 <= used <= total


@given(package_and_k())
def test_used_is_monotonic_in_k(case):
    total, sessions, k = case
    assert used_value_cents(total, sessions, k) <= used_value_cents(total, sessions, k + 1)


@given(totals, session_counts)
def test_used_endpoints(total, sessions):
    assert used_value_cents(total, sessions, 0) == 0
    assert used_value_cents(total, sessions, -3) == 0
    assert used_value_cents(total, sessions, sessions) == total
    assert used_value_cents(total, sessions, sessions + 7) == total
    assert unused_value_cents(total, sessions, sessions + 7) == 0


@given(package_and_k())
def test_used_matches_decimal_half_up(case):
    total, sessions, k = case
    clamped = min(max(k, 0), sessions)
    assert used_value_cents(total, sessions, k) == decimal_half_up(total * clamped, sessions)


@given(totals, session_counts)
def test_per_session_matches_decimal_half_up(total, sessions):
    assert per_session_cents(total, sessions) == decimal_half_up(total, sessions)


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(1, 10**6))
def test_average_matches_decimal_half_up(total, count):
    assert average_cents(total, count) == decimal_half_up(total, count)


# --- concrete package examples ----------------------------------------------------------------


def test_even_split():
    assert per_session_cents(216_000, 24) == 9_000


def test_thousand_over_twelve():
    assert per_session_cents(100_000, 12) == 8_333
    assert used_value_cents(100_000, 12, 5) == 41_667
    assert unused_value_cents(100_000, 12, 5) == 58_333


@pytest.mark.parametrize(
    ("k", "used", "unused"),
    [(0, 0, 10_000), (1, 3_333, 6_667), (2, 6_667, 3_333), (3, 10_000, 0), (4, 10_000, 0)],
)
def test_hundred_over_three(k, used, unused):
    assert per_session_cents(10_000, 3) == 3_333
    assert used_value_cents(10_000, 3, k) == used
    assert unused_value_cents(10_000, 3, k) == unused


def test_half_cent_rounds_up():
    assert per_session_cents(5, 2) == 3
    assert used_value_cents(5, 2, 1) == 3
    assert unused_value_cents(5, 2, 1) == 2


@pytest.mark.parametrize("sessions", [0, -1])
def test_package_without_sessions_is_rejected(sessions):
    with pytest.raises(ValueError):
        per_session_cents(1_000, sessions)
    with pytest.raises(ValueError):
        used_value_cents(1_000, sessions, 0)


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [(0, 0, None), (10, 4, 3), (9, 4, 2), (-10, 4, -3), (300, 3, 100)],
)
def test_average_cents_examples(total, count, expected):
    assert average_cents(total, count) == expected


def test_average_cents_rejects_negative_count():
    with pytest.raises(ValueError):
        average_cents(100, -1)


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1200", "1200.00"),
        ("1200.5", "1200.50"),
        ("1200.50", "1200.50"),
        (1200, "1200.00"),
        (Decimal("0.01"), "0.01"),
        ("  12.00 ", "12.00"),
        ("0", "0.00"),
        (1200.5, "1200.50"),
        (19.99, "19.99"),  # not exact in binary; accepted as written
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_parse_money_accepts(value, expected):
    parsed = parse_money(value)
    assert isinstance(parsed, Decimal)
    # Compare string forms so the two-decimal quantization is checked too.
    assert str(parsed) == expected


@pytest.mark.parametrize(
    "value",
    [
        "1.234",
        "NaN",
        "Infinity",
        "-1",
        -1,
        "1e3",
        "1E3",
        "",
        "   ",
        "abc",
        "1 200",
        "+5",
        "١٢",  # Arabic-Indic digits
        True,
        False,
        10**12,
        "1000000000000",
        Decimal("NaN"),
        Decimal("-0.01"),
        Decimal("1.005"),
        float("nan"),
        float("inf"),
        float("-inf"),
        0.1 + 0.2,
        None,
    ],
)
def test_parse_money_rejects(value):
    with pytest.raises(ValueError):
        parse_money(value)


def test_parse_money_error_message_is_human():
    with pytest.raises(ValueError, match="at most two decimals"):
        parse_money("1.234")


# --- conversions and formatting ---------------------------------------------------------------


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_cents_round_trip(cents):
    amount = from_cents(cents)
    assert amount == amount.quantize(Decimal("0.01"))
    assert amount.as_tuple().exponent == -2
    assert to_cents(amount) == cents


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False))
def test_decimal_round_trip(amount):
    assert from_cents(to_cents(amount)) == amount


@pytest.mark.parametrize(
    ("amount", "cents"),
    [(Decimal("1200.00"), 120_000), (Decimal("0.05"), 5), (Decimal("-3.1"), -310)],
)
def test_to_cents_examples(amount, cents):
    assert to_cents(amount) == cents


@pytest.mark.parametrize("amount", [Decimal("1.001"), Decimal("NaN"), Decimal("Infinity"), 1.5])
def test_to_cents_rejects(amount):
    with pytest.raises(ValueError):
        to_cents(amount)


@pytest.mark.parametrize(
    ("cents", "text"),
    [(120_000, "1200.00"), (5, "0.05"), (-310, "-3.10"), (0, "0.00"), (-5, "-0.05")],
)
def test_cents_str(cents, text):
    assert cents_str(cents) == text


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [(120_000, "USD", "$1,200.00"), (120_000, "EUR", "€1,200.00"), (5, "USD", "$0.05")],
)
def test_format_money(cents, currency, text):
    assert format_money(cents, currency) == text
