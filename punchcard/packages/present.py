"""A package as the API and CSV export show it: one function so both agree to the cent."""

from datetime import date

from punchcard.core import money
from punchcard.core.api import json_value
from punchcard.core.csv_export import csv_response
from punchcard.packages.models import Package
from punchcard.studios.models import Studio

CSV_COLUMNS = [
    "id",
    "client_name",
    "name",
    "status",
    "total_value",
    "per_session_value",
    "total_sessions",
    "sessions_used",
    "sessions_remaining",
    "used_value",
    "unused_value",
    "currency",
    "is_active",
    "is_primary",
    "start_date",
    "expiry_date",
    "created_at",
]


def client_name(package: Package) -> str:
    # A page of the package list carries the name as a column (selectors.package_page).
    return getattr(package, "client_name", None) or package.client.name


def package_dict(package: Package, *, studio: Studio, today: date) -> dict:
    status = package.status_on(today)
    return {
        "id": package.id,
        "name": package.name,
        "description": package.description,
        "client_id": package.client_id,
        "client_name": client_name(package),
        "package_type_id": package.package_type_id,
        "total_value": money.cents_str(package.total_value_cents),
        "total_sessions": package.total_sessions,
        "per_session_value": money.cents_str(package.per_session_cents),
        "currency": studio.currency,
        "sessions_used": package.sessions_used,
        "sessions_remaining": package.remaining,
        "used_value": money.cents_str(package.used_value_cents),
        "unused_value": money.cents_str(package.unused_value_cents),
        "is_active": package.is_active,
        "is_primary": package.is_primary,
        "start_date": package.start_date,
        "expiry_date": package.expiry_date,
        "expiry_rule": package.expiry_rule,
        "validity_days": package.validity_days,
        "status": status,
        "is_expired": package.is_expired_on(today),
        "near_completion": package.near_completion_on(today, studio.low_balance_threshold),
        "expiring_soon": package.expiring_soon_on(today),
        "created_at": package.created_at,
        "updated_at": package.updated_at,
        "deleted_at": package.deleted_at,
    }


_DATED = ("start_date", "expiry_date", "created_at", "updated_at", "deleted_at")


def package_json(package: Package, *, studio: Studio, today: date) -> dict:
    """package_dict ready for core.api.rendered: its dates already spelled as the JSON has them."""
    row = package_dict(package, studio=studio, today=today)
    for key in _DATED:
        row[key] = json_value(row[key])
    return row


def package_csv_row(package: Package, *, studio: Studio, today: date) -> list:
    row = package_dict(package, studio=studio, today=today)
    row["created_at"] = package.created_at.date()
    return ["" if row[column] is None else row[column] for column in CSV_COLUMNS]


def package_csv_response(packages, *, studio: Studio, today: date):
    """The packages list as a CSV download: shared by the page and the API, so both agree."""
    rows = (
        package_csv_row(p, studio=studio, today=today) for p in packages.iterator(chunk_size=2000)
    )
    return csv_response(f"packages-{today.isoformat()}.csv", CSV_COLUMNS, rows)


def type_dict(package_type) -> dict:
    return {
        "id": package_type.id,
        "name": package_type.name,
        "description": package_type.description,
        "total_sessions": package_type.total_sessions,
        "total_value": money.cents_str(package_type.total_value_cents),
        "per_session_value": money.cents_str(package_type.per_session_value_cents),
        "validity_days": package_type.validity_days,
        "expiry_rule": package_type.expiry_rule,
        "is_active": package_type.is_active,
    }


def adjustment_dict(adjustment) -> dict:
    return {
        "id": adjustment.id,
        "sessions": adjustment.sessions,
        "reason": adjustment.reason,
        "actor": adjustment.actor.email if adjustment.actor else None,
        "created_at": adjustment.created_at,
    }


def freeze_dict(freeze) -> dict:
    return {
        "id": freeze.id,
        "starts_on": freeze.starts_on,
        "ends_on": freeze.ends_on,
        "days": 0 if freeze.cancelled else freeze.days,
        "reason": freeze.reason,
        "expiry_shift_days": freeze.expiry_shift_days,
        "cancelled": freeze.cancelled,
        "ended_at": freeze.ended_at,
        "actor": freeze.actor.email if freeze.actor else None,
        "created_at": freeze.created_at,
    }
