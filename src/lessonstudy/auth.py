"""Bearer-token authentication and the guards that authorise by role or scope.

The school a request acts for always comes from its token, never from the URL
or body, so one school can never name another's rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.types import Receive, Send
from litestar.types import Scope as ASGIScope
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy import token_usage
from lessonstudy.db import REQUEST_SESSION_KEY
from lessonstudy.domain.integration_clients import Scope, grants
from lessonstudy.domain.staff import Role
from lessonstudy.domain.tokens import Principal, authenticate

log = logging.getLogger(__name__)

# Routes anyone may call: probes, the published schema, and calendar feeds (whose secret
# URL is the credential: calendar apps cannot send a bearer token).
PUBLIC_PATHS = ["^/health", "^/schema", "^/v1/calendar/"]


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Authenticates with the request's one database session, which it opens.

    The session is kept in the request state for the handler's dependency, so
    a request checks out one connection and runs one transaction, not two.
    Creating a session costs nothing until it is first used, so routes that
    never touch the database (health, schema) pay nothing.
    """

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        sessions: async_sessionmaker[AsyncSession] = scope["litestar_app"].state.sessions
        async with sessions() as session:
            scope.setdefault("state", {})[REQUEST_SESSION_KEY] = session
            await super().__call__(scope, receive, send)

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if not header:
            raise NotAuthorizedException(
                "send an API token as 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthorizedException(
                "the Authorization header must be 'Bearer <token>'",
                headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
            )
        session: AsyncSession = connection.scope["state"][REQUEST_SESSION_KEY]
        principal = await authenticate(session, secret.strip())
        if principal is None:
            raise NotAuthorizedException(
                "the token is unknown, revoked, or its holder is deactivated",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        redis: Redis = connection.app.state.redis
        try:
            await token_usage.note_use(redis, principal.token_id)
        except RedisError:
            # Last-used times are a convenience; never refuse a request over them.
            log.warning("could not record token use in Redis", exc_info=True)
        return AuthenticationResult(user=principal, auth=principal)


def authentication_middleware() -> DefineMiddleware:
    return DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_PATHS)


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("authentication required")
    return user


def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Routes about people's own work: integrations act for no person."""
    if not principal_of(connection).is_staff:
        raise PermissionDeniedException("this route is for members of staff, not integrations")


def requires_role(*roles: Role) -> Guard:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if not principal.is_staff:
            raise PermissionDeniedException("this route is for members of staff, not integrations")
        if not principal.roles & set(roles):
            names = " or ".join(r.value for r in roles)
            raise PermissionDeniedException(f"this needs the {names} role")

    return guard


def staff_or_scope(scope: Scope) -> Guard:
    """Any member of staff, or an integration holding ``scope``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if not principal.is_staff and not grants(principal.scopes, scope):
            raise PermissionDeniedException(f"this integration lacks the {scope.value} scope")

    return guard


def scope_or_role(scope: Scope, *roles: Role) -> Guard:
    """An integration holding ``scope``, or a member of staff with one of ``roles``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal.is_staff and not principal.roles & set(roles):
            names = " or ".join(r.value for r in roles)
            raise PermissionDeniedException(f"this needs the {names} role")
        if not principal.is_staff and not grants(principal.scopes, scope):
            raise PermissionDeniedException(f"this integration lacks the {scope.value} scope")

    return guard


def requires_scope(scope: Scope) -> Guard:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection)
        if principal.is_staff:
            raise PermissionDeniedException("this route is for integration clients")
        if not grants(principal.scopes, scope):
            raise PermissionDeniedException(f"this integration lacks the {scope.value} scope")

    return guard
