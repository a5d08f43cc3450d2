from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from punchcard.clients import services
from punchcard.clients.models import Client
from punchcard.core.api import ErrorOut, ValidationErrorOut, paginate

router = Router(tags=["clients"])

READ = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class ClientIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    notes: str = Field("", max_length=5000)
    is_active: bool = True


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
    q: str | None = Field(None, max_length=200)
    is_active: bool | None = None
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


@router.post("", response={**READ, 201: ClientOut})
def client_create(request, payload: ClientIn):
    return Status(201, services.client_create(studio=request.studio, **payload.dict()))


@router.get("/{int:client_id}", response={**READ, 200: ClientOut})
def client_read(request, client_id: int):
    return get_client(request, client_id)


@router.put("/{int:client_id}", response={**READ, 200: ClientOut})
def client_update(request, client_id: int, payload: ClientIn):
    return services.client_update(client=get_client(request, client_id), **payload.dict())


@router.delete("/{int:client_id}", response={**READ, 204: None})
def client_delete(request, client_id: int):
    services.client_delete(client=get_client(request, client_id))
    return Status(204, None)
