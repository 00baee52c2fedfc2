"""Dependencies shared by the controllers: the request's database session and caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.auth import principal_of
from lessonstudy.db import REQUEST_SESSION_KEY
from lessonstudy.domain.tokens import Principal


async def provide_session(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncSession]:
    """The request's one session: committed when the handler succeeds.

    The authentication middleware owns the session: it opens it before the
    handler and closes it after the response, and closing rolls back whatever
    was not committed. So this only commits; if the handler raises, the
    exception passes through and nothing here needs to await.
    """
    shared: AsyncSession | None = request.scope.get("state", {}).get(REQUEST_SESSION_KEY)
    if shared is None:  # a public route: no middleware session to share
        sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
        async with sessions() as own:
            yield own
            await own.commit()
        return
    yield shared
    await shared.commit()


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_of(request)


# Explicit markers: Litestar 3 injects by name only where a parameter says so.
Session = NamedDependency[AsyncSession]
Caller = NamedDependency[Principal]
