"""Integration clients: service accounts such as the timetable sync with the MIS.

They act for a school but are not people: they hold scopes rather than roles,
and never reach routes meant for staff.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id
from lessonstudy.errors import Conflict, NotFound


class Scope(enum.StrEnum):
    TIMETABLE_READ = "timetable:read"
    TIMETABLE_WRITE = "timetable:write"
    COVER_READ = "cover:read"
    COVER_WRITE = "cover:write"
    STAFF_READ = "staff:read"
    WEBHOOKS_MANAGE = "webhooks:manage"


# A scope that writes also reads what it writes.
IMPLIED_BY: dict[Scope, frozenset[Scope]] = {
    Scope.TIMETABLE_READ: frozenset({Scope.TIMETABLE_WRITE}),
    Scope.COVER_READ: frozenset({Scope.COVER_WRITE}),
}


def grants(held: frozenset[Scope], wanted: Scope) -> bool:
    return wanted in held or bool(held & IMPLIED_BY.get(wanted, frozenset()))


_SCOPE_LIST = ",".join(f"'{s.value}'" for s in Scope)


class IntegrationClient(TimestampedMixin, Base):
    __tablename__ = "integration_client"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint(f"scopes <@ ARRAY[{_SCOPE_LIST}]::varchar[]", name="scopes"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


def _store_scopes(scopes: Sequence[Scope]) -> list[str]:
    return [s.value for s in Scope if s in set(scopes)]


async def get_client(
    session: AsyncSession, school_id: uuid.UUID, client_id: uuid.UUID
) -> IntegrationClient:
    client = await session.get(IntegrationClient, client_id)
    if client is None or client.school_id != school_id:
        raise NotFound("no integration client with that id")
    return client


async def list_clients(session: AsyncSession, school_id: uuid.UUID) -> list[IntegrationClient]:
    # A school has a handful of integrations; no pagination needed.
    stmt = (
        select(IntegrationClient)
        .where(IntegrationClient.school_id == school_id)
        .order_by(IntegrationClient.name, IntegrationClient.id)
    )
    return list((await session.scalars(stmt)).all())


async def create_client(
    session: AsyncSession, school_id: uuid.UUID, *, name: str, scopes: Sequence[Scope]
) -> IntegrationClient:
    existing = await session.scalar(
        select(IntegrationClient.id).where(
            IntegrationClient.school_id == school_id, IntegrationClient.name == name
        )
    )
    if existing is not None:
        raise Conflict(
            f"an integration client named {name!r} already exists",
            errors=[{"field": "name", "message": "already in use"}],
        )
    client = IntegrationClient(school_id=school_id, name=name, scopes=_store_scopes(scopes))
    session.add(client)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"an integration client named {name!r} already exists") from exc
    await session.refresh(client)
    return client


async def update_client(
    session: AsyncSession,
    school_id: uuid.UUID,
    client_id: uuid.UUID,
    *,
    scopes: Sequence[Scope] | None = None,
    active: bool | None = None,
) -> IntegrationClient:
    client = await get_client(session, school_id, client_id)
    if scopes is not None:
        client.scopes = _store_scopes(scopes)
    if active is not None:
        client.active = active
    await session.flush()
    await session.refresh(client)
    return client
