"""Money helpers: integer cents in storage, Decimal in Python, "1200.00" strings in JSON."""

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency
from django.db.models import BigIntegerField, Case, F, Value, When
from django.db.models.functions import Cast

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10**12)
MONEY_HINT = "Use a number with at most two decimals, e.g. 1200.00"

# Plain digits only: no exponents, signs other than a leading minus, inner spaces or Unicode
# digits, so what the user typed is exactly what gets stored.
_AMOUNT_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _div_half_up(numerator: int, denominator: int) -> int:
    """Integer numerator / positive denominator, ties rounded away from zero (ROUND_HALF_UP)."""
    quotient = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -quotient if numerator < 0 else quotient


def _check_sessions(total_sessions: int) -> None:
    """Reject packages with no sessions, where per-session value is undefined."""
    if total_sessions < 1:
        raise ValueError("A package needs at least one session")


def parse_money(value: str | int | Decimal | float) -> Decimal:
    """Parse user or API input into a non-negative Decimal with two decimal places.

    Raises ValueError with a message fit to show the user.
    """
    # bool is an int subclass; True must not silently become 1.00.
    if isinstance(value, bool):
        raise ValueError(MONEY_HINT)
    if isinstance(value, str):
        text = value.strip()
        if not _AMOUNT_RE.fullmatch(text):
            raise ValueError(MONEY_HINT)
        amount = Decimal(text)
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        # repr gives the shortest string that round-trips, so 1200.5 parses as typed while
        # 0.1 + 0.2 ("0.30000000000000004") is rejected below for too many decimals.
        amount = Decimal(repr(value))
    else:
        raise ValueError(MONEY_HINT)

    if not amount.is_finite():
        raise ValueError(MONEY_HINT)
    if amount < 0:
        raise ValueError("The amount can't be negative.")
    if amount >= MAX_AMOUNT:
        raise ValueError("The amount is too large.")
    if amount != amount.quantize(CENT):
        raise ValueError(MONEY_HINT)
    # copy_abs turns "-0" into plain 0.00.
    return amount.copy_abs().quantize(CENT)


def to_cents(amount: Decimal) -> int:
    """Convert a Decimal amount to integer cents exactly; ValueError if it has sub-cent digits."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"Expected a finite Decimal, got {amount!r}")
    # Integer ratio keeps this exact for any magnitude, unlike Decimal multiplication,
    # which rounds to the context precision.
    numerator, denominator = amount.as_integer_ratio()
    cents, remainder = divmod(numerator * 100, denominator)
    if remainder:
        raise ValueError(f"{amount} has more than two decimals")
    return cents


def cents_str(cents: int) -> str:
    """Format cents as a plain two-decimal string for JSON, e.g. "1200.00" or "-3.10"."""
    whole, part = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole}.{part:02d}"


def from_cents(cents: int) -> Decimal:
    """Convert integer cents to a Decimal quantized to 0.01."""
    # Built from the string so no context precision can round large values.
    return Decimal(cents_str(cents))


def per_session_cents(total_cents: int, total_sessions: int) -> int:
    """Value of one session: total / sessions, rounded half-up to the cent."""
    _check_sessions(total_sessions)
    return _div_half_up(total_cents, total_sessions)


def used_value_cents(total_cents: int, total_sessions: int, sessions_used: int) -> int:
    """Value of the first `sessions_used` sessions: round_half_up(total * k / sessions).

    k is clamped to [0, total_sessions]: overage sessions carry no value. Rounding the
    cumulative value (not k × per-session) keeps used + unused == total exactly.
    """
    _check_sessions(total_sessions)
    k = min(max(sessions_used, 0), total_sessions)
    return _div_half_up(total_cents * k, total_sessions)


def unused_value_cents(total_cents: int, total_sessions: int, sessions_used: int) -> int:
    """Value still owed on the package: total minus used_value_cents."""
    return total_cents - used_value_cents(total_cents, total_sessions, sessions_used)


# The same rules in integer SQL, for sums over many packages (each over a package's columns), so
# that a report's total equals the sum of the packages' Python values to the cent.


def per_session_cents_sql():
    """per_session_cents of total_value_cents and total_sessions: (2v + n) div 2n."""
    return Cast(
        (F("total_value_cents") * 2 + F("total_sessions")) / (F("total_sessions") * 2),
        BigIntegerField(),
    )


def used_value_cents_sql():
    """used_value_cents with k = sessions_used capped to [0, total_sessions]."""
    capped = Case(
        When(sessions_used__lte=0, then=Value(0)),
        When(sessions_used__gte=F("total_sessions"), then=F("total_sessions")),
        default=F("sessions_used"),
        output_field=BigIntegerField(),
    )
    numerator = Cast(F("total_value_cents"), BigIntegerField()) * capped * 2 + F("total_sessions")
    return Cast(numerator / (F("total_sessions") * 2), BigIntegerField())


def unused_value_cents_sql():
    return F("total_value_cents") - used_value_cents_sql()


def average_cents(total_cents: int, count: int) -> int | None:
    """Average of a summed integer cents total, rounded half-up once; None when count is 0."""
    if count < 0:
        raise ValueError("count can't be negative")
    if count == 0:
        return None
    return _div_half_up(total_cents, count)


@lru_cache(maxsize=4096)
def format_money(cents: int, currency: str = "USD", locale: str = "en_US") -> str:
    """Localised display string, e.g. "$1,200.00".

    Cached: Babel parses the locale and the pattern on every call, a list page shows 50
    amounts, and a studio sells the same few prices over and over.
    """
    return format_currency(from_cents(cents), currency, locale=locale)
