"""Writes for clients. Pages and the API both come through here."""

from django.db import transaction
from django.utils import timezone

from punchcard.clients.models import Client
from punchcard.studios.models import Studio

EDITABLE_FIELDS = ("name", "email", "phone", "notes", "is_active")


def _clean_fields(data: dict) -> dict:
    fields = {key: data[key] for key in EDITABLE_FIELDS if key in data and data[key] is not None}
    for key in ("name", "email", "phone"):
        if key in fields:
            fields[key] = fields[key].strip()
    return fields


@transaction.atomic
def client_create(*, studio: Studio, **data) -> Client:
    client = Client(studio=studio, **_clean_fields(data))
    client.full_clean(exclude=["studio"])
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, **data) -> Client:
    fields = _clean_fields(data)
    for key, value in fields.items():
        setattr(client, key, value)
    client.full_clean(exclude=["studio"])
    client.save(update_fields=[*fields, "updated_at"])
    return client


def client_delete(*, client: Client) -> None:
    """Soft delete: the client leaves lists, but their packages and sessions stay for reports."""
    client.deleted_at = timezone.now()
    client.save(update_fields=["deleted_at", "updated_at"])
