"""The checks every package write applies to its input, shared by the services and the CSV import:
each raises a ValidationError keyed by the API's field name, or returns the value as stored."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from punchcard.core import money
from punchcard.packages.models import ExpiryRule

MAX_SESSIONS = 10_000


def check_money(value: Decimal | str | int | None, field: str = "total_value") -> int:
    try:
        return money.to_cents(money.parse_money(value))
    except (ValueError, TypeError) as exc:
        raise ValidationError({field: [str(exc)]}) from exc


def check_sessions(value, field: str = "total_sessions") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SESSIONS:
        raise ValidationError(
            {field: [f"Enter a whole number of sessions from 1 to {MAX_SESSIONS:,}."]}
        )
    return value


def check_name(value: str | None, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: ["Give it a name."]})
    if len(value) > 120:
        raise ValidationError({field: ["Use at most 120 characters."]})
    return value


def check_validity(validity_days: int | None, expiry_rule: str) -> int | None:
    if expiry_rule not in ExpiryRule.values:
        raise ValidationError({"expiry_rule": [f"Choose one of: {', '.join(ExpiryRule.values)}."]})
    if validity_days is not None and not (
        isinstance(validity_days, int)
        and not isinstance(validity_days, bool)
        and 1 <= validity_days <= 3650
    ):
        raise ValidationError(
            {"validity_days": ["Enter a number of days from 1 to 3,650, or leave it empty."]}
        )
    if expiry_rule == ExpiryRule.FROM_FIRST_SESSION and validity_days is None:
        raise ValidationError(
            {"validity_days": ["Say how many days the package is valid after the first session."]}
        )
    return validity_days


def check_dates(start_date: date | None, expiry_date: date | None) -> None:
    if start_date and expiry_date and expiry_date < start_date:
        raise ValidationError({"expiry_date": ["The expiry date cannot be before the start date."]})


def check_reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": ["Say why (a comp session, a correction…)."]})
    if len(reason) > 500:
        raise ValidationError({"reason": ["Use at most 500 characters."]})
    return reason
