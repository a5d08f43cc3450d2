"""Writes for clients. Pages and the API both come through here."""

import secrets

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from punchcard.clients.models import BalanceLink, Client
from punchcard.studios.models import Studio, User, hash_token

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


# Balance link -------------------------------------------------------------------------------


@transaction.atomic
def balance_link_create(*, client: Client, actor: User | None) -> str:
    """Give the client a new private balance URL and return its path; any old URL stops working.

    The raw token exists only in the returned path: the database keeps its SHA-256.
    """
    raw = secrets.token_urlsafe(32)
    BalanceLink.objects.update_or_create(
        client=client,
        defaults={
            "studio_id": client.studio_id,
            "token_hash": hash_token(raw),
            "created_at": timezone.now(),
            "created_by": actor,
        },
    )
    return reverse("public:balance", args=[raw])


def balance_link_revoke(*, client: Client) -> bool:
    """Turn the client's balance link off (its URL answers 404). False when there was none."""
    deleted, _ = BalanceLink.objects.filter(client=client).delete()
    return bool(deleted)
