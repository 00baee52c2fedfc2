"""API tokens: issued and revoked by a school's admins (or the `tokens` CLI)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import ShortName, from_domain
from lessonstudy.auth import requires_role
from lessonstudy.domain import tokens
from lessonstudy.domain.staff import Role
from lessonstudy.domain.tokens import ApiToken


class TokenOut(msgspec.Struct, kw_only=True):
    """A token's record; the secret itself is shown only once, when issued."""

    id: uuid.UUID
    label: str
    hint: str
    """The secret's first characters, to tell tokens apart."""
    staff_id: uuid.UUID | None
    integration_client_id: uuid.UUID | None
    created_at: datetime
    last_used_at: datetime | None
    """Updated within about a minute of use."""
    revoked_at: datetime | None


class TokenIssue(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Give exactly one of `staff_id` and `integration_client_id`."""

    label: ShortName
    staff_id: uuid.UUID | None = None
    integration_client_id: uuid.UUID | None = None


class TokenIssued(msgspec.Struct, kw_only=True):
    token: TokenOut
    secret: str
    """Send as `Authorization: Bearer <secret>`. It cannot be shown again."""


class TokenList(msgspec.Struct, kw_only=True):
    items: list[TokenOut]


def token_out(token: ApiToken) -> TokenOut:
    return from_domain(token, TokenOut)


class TokenController(Controller):
    path = "/v1/tokens"
    tags = ["Tokens"]
    guards = [requires_role(Role.ADMIN)]

    @get(operation_id="listTokens", summary="List API tokens", responses=problem_responses(*COMMON))
    async def list_tokens(
        self,
        session: Session,
        principal: Caller,
        staff_id: Annotated[
            uuid.UUID | None, QueryParameter(description="Only this person's tokens.")
        ] = None,
        integration_client_id: Annotated[
            uuid.UUID | None, QueryParameter(description="Only this client's tokens.")
        ] = None,
    ) -> TokenList:
        rows = await tokens.list_tokens(
            session,
            principal.school_id,
            staff_id=staff_id,
            integration_client_id=integration_client_id,
        )
        return TokenList(items=[token_out(t) for t in rows])

    @post(
        operation_id="issueToken",
        summary="Issue an API token",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def issue_token(
        self, session: Session, principal: Caller, data: JSONBody[TokenIssue]
    ) -> TokenIssued:
        issued = await tokens.issue_token(
            session,
            principal.school_id,
            label=data.label,
            staff_id=data.staff_id,
            integration_client_id=data.integration_client_id,
        )
        return TokenIssued(token=token_out(issued.token), secret=issued.secret)

    @post(
        "/{token_id:uuid}/revoke",
        operation_id="revokeToken",
        summary="Revoke an API token",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404),
    )
    async def revoke_token(
        self,
        session: Session,
        principal: Caller,
        token_id: Annotated[uuid.UUID, PathParameter(description="The token's id.")],
    ) -> TokenOut:
        return token_out(await tokens.revoke_token(session, principal.school_id, token_id))
