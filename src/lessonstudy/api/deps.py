"""Dependencies shared by the controllers: the request's database session and caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.auth import principal_of
from lessonstudy.domain.tokens import Principal


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """One session and one transaction per request: committed when the handler succeeds."""
    sessions: async_sessionmaker[AsyncSession] = state.sessions
    async with sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_of(request)


# Explicit markers: Litestar 3 injects by name only where a parameter says so.
Session = NamedDependency[AsyncSession]
Caller = NamedDependency[Principal]
