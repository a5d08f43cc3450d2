from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from punchcard.clients import services
from punchcard.clients.models import Client
from punchcard.core.api import (
    ErrorOut,
    InSchema,
    QueryBool,
    StorableText,
    StrictBool,
    ValidationErrorOut,
    paginate,
)

router = Router(tags=["clients"])

READ = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
# An unsafe method can also be refused for a session cookie without its CSRF token.
WRITE = {**READ, 403: ErrorOut}


class ClientIn(InSchema):
    name: StorableText = Field(..., min_length=1, max_length=200)
    email: StorableText = Field("", max_length=254)
    phone: StorableText = Field("", max_length=40)
    notes: StorableText = Field("", max_length=5000)
    is_active: StrictBool = True


class ClientOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    notes: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ClientList(Schema):
    items: list[ClientOut]
    count: int


class ClientFilters(Schema):
    q: StorableText | None = Field(None, max_length=200)
    is_active: QueryBool | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


def get_client(request, client_id: int) -> Client:
    return get_object_or_404(Client.objects.for_studio(request.studio).live(), pk=client_id)


@router.get("", response={**READ, 200: ClientList})
def client_list(request, filters: Query[ClientFilters]):
    clients = Client.objects.for_studio(request.studio).live().search(filters.q)
    if filters.is_active is not None:
        clients = clients.filter(is_active=filters.is_active)
    return paginate(clients.order_by("name", "id"), filters.page, filters.page_size)


@router.post("", response={**WRITE, 201: ClientOut})
def client_create(request, payload: ClientIn):
    return Status(201, services.client_create(studio=request.studio, **payload.dict()))


@router.get("/{int:client_id}", response={**READ, 200: ClientOut})
def client_read(request, client_id: int):
    return get_client(request, client_id)


@router.put("/{int:client_id}", response={**WRITE, 200: ClientOut})
def client_update(request, client_id: int, payload: ClientIn):
    return services.client_update(client=get_client(request, client_id), **payload.dict())


@router.delete("/{int:client_id}", response={**WRITE, 204: None})
def client_delete(request, client_id: int):
    services.client_delete(client=get_client(request, client_id))
    return Status(204, None)


class BalanceLinkOut(Schema):
    url: str = Field(..., description="The private page's absolute URL; shown only this once.")


@router.post("/{int:client_id}/balance-link", response={**WRITE, 201: BalanceLinkOut})
def balance_link_create(request, client_id: int):
    """A private read-only URL showing the client their packages and sessions left (no prices).

    Only its hash is stored, so this answer is the one chance to read it. A new link replaces
    the old one, whose URL then answers 404.
    """
    client = get_client(request, client_id)
    path = services.balance_link_create(client=client, actor=request.user)
    return Status(201, {"url": request.build_absolute_uri(path)})


@router.delete("/{int:client_id}/balance-link", response={**WRITE, 204: None})
def balance_link_revoke(request, client_id: int):
    """Switch the client's balance link off: its URL answers 404. 204 also when there was none."""
    services.balance_link_revoke(client=get_client(request, client_id))
    return Status(204, None)
