"""Integration clients: the school's service accounts, managed by its admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED
from msgspec import UNSET, UnsetType

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import ShortName, from_domain
from lessonstudy.auth import requires_role
from lessonstudy.domain import integration_clients as clients
from lessonstudy.domain.integration_clients import IntegrationClient, Scope
from lessonstudy.domain.staff import Role

Scopes = Annotated[list[Scope], msgspec.Meta(max_length=len(Scope))]


class IntegrationClientOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    scopes: list[Scope]
    active: bool
    created_at: datetime
    updated_at: datetime


class IntegrationClientCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: ShortName
    scopes: Scopes


class IntegrationClientUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    scopes: Scopes | UnsetType = UNSET
    active: bool | UnsetType = UNSET
    """Set false to stop all of the client's tokens at once."""


class IntegrationClientList(msgspec.Struct, kw_only=True):
    items: list[IntegrationClientOut]


def client_out(client: IntegrationClient) -> IntegrationClientOut:
    return from_domain(client, IntegrationClientOut)


ClientId = Annotated[uuid.UUID, PathParameter(description="The integration client's id.")]


class IntegrationClientController(Controller):
    path = "/v1/integration-clients"
    tags = ["Integration clients"]
    guards = [requires_role(Role.ADMIN)]

    @get(
        operation_id="listIntegrationClients",
        summary="List integration clients",
        responses=problem_responses(*COMMON),
    )
    async def list_clients(self, session: Session, principal: Caller) -> IntegrationClientList:
        rows = await clients.list_clients(session, principal.school_id)
        return IntegrationClientList(items=[client_out(c) for c in rows])

    @post(
        operation_id="createIntegrationClient",
        summary="Add an integration client",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 409),
    )
    async def create_client(
        self, session: Session, principal: Caller, data: JSONBody[IntegrationClientCreate]
    ) -> IntegrationClientOut:
        client = await clients.create_client(
            session, principal.school_id, name=data.name, scopes=data.scopes
        )
        return client_out(client)

    @get(
        "/{client_id:uuid}",
        operation_id="getIntegrationClient",
        summary="Get an integration client",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_client(
        self, session: Session, principal: Caller, client_id: ClientId
    ) -> IntegrationClientOut:
        return client_out(await clients.get_client(session, principal.school_id, client_id))

    @patch(
        "/{client_id:uuid}",
        operation_id="updateIntegrationClient",
        summary="Change an integration client's scopes or active flag",
        responses=problem_responses(*COMMON, 404),
    )
    async def update_client(
        self,
        session: Session,
        principal: Caller,
        client_id: ClientId,
        data: JSONBody[IntegrationClientUpdate],
    ) -> IntegrationClientOut:
        client = await clients.update_client(
            session,
            principal.school_id,
            client_id,
            scopes=None if isinstance(data.scopes, UnsetType) else data.scopes,
            active=None if isinstance(data.active, UnsetType) else data.active,
        )
        return client_out(client)
