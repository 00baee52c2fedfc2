"""API tokens: how staff and integration clients prove who they are.

A token is shown once when issued; only its SHA-256 digest is stored, so a
leaked database does not leak working credentials. A random 256-bit secret
needs no slow password hash: nothing can be guessed from the digest.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    LargeBinary,
    String,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id
from lessonstudy.domain.integration_clients import IntegrationClient, Scope, get_client
from lessonstudy.domain.staff import Role, Staff, get_staff
from lessonstudy.errors import NotFound, RuleBroken

TOKEN_PREFIX = "lst_"  # noqa: S105 (marks our tokens so scanners can find leaks)


class ApiToken(Base):
    __tablename__ = "api_token"
    __table_args__ = (
        # A token belongs to exactly one holder: a person or an integration.
        CheckConstraint(
            "(staff_id IS NULL) <> (integration_client_id IS NULL)", name="exactly_one_holder"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False, index=True
    )
    staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    integration_client_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("integration_client.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    # The first characters of the secret, so people can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request, as established from its token."""

    token_id: uuid.UUID
    school_id: uuid.UUID
    staff_id: uuid.UUID | None
    integration_client_id: uuid.UUID | None
    roles: frozenset[Role]
    scopes: frozenset[Scope]

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    secret: str


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def issue_token(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    label: str,
    staff_id: uuid.UUID | None = None,
    integration_client_id: uuid.UUID | None = None,
) -> IssuedToken:
    if (staff_id is None) == (integration_client_id is None):
        raise RuleBroken(
            "a token is for exactly one member of staff or one integration client",
            errors=[
                {"field": "staff_id", "message": "give this or integration_client_id"},
                {"field": "integration_client_id", "message": "give this or staff_id"},
            ],
        )
    if staff_id is not None:
        holder = await get_staff(session, school_id, staff_id)
        if not holder.active:
            raise RuleBroken("that member of staff is deactivated; reactivate them first")
    else:
        assert integration_client_id is not None
        client = await get_client(session, school_id, integration_client_id)
        if not client.active:
            raise RuleBroken("that integration client is deactivated; reactivate it first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        school_id=school_id,
        staff_id=staff_id,
        integration_client_id=integration_client_id,
        label=label,
        token_hash=digest(secret),
        hint=secret[: len(TOKEN_PREFIX) + 6],
    )
    session.add(token)
    await session.flush()
    await session.refresh(token)
    return IssuedToken(token=token, secret=secret)


async def list_tokens(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    staff_id: uuid.UUID | None = None,
    integration_client_id: uuid.UUID | None = None,
) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.school_id == school_id)
    if staff_id is not None:
        stmt = stmt.where(ApiToken.staff_id == staff_id)
    if integration_client_id is not None:
        stmt = stmt.where(ApiToken.integration_client_id == integration_client_id)
    return list((await session.scalars(stmt.order_by(ApiToken.created_at, ApiToken.id))).all())


async def revoke_token(
    session: AsyncSession, school_id: uuid.UUID, token_id: uuid.UUID
) -> ApiToken:
    """Revoking is immediate and idempotent: a second revoke keeps the first time."""
    token = await session.get(ApiToken, token_id)
    if token is None or token.school_id != school_id:
        raise NotFound("no token with that id")
    if token.revoked_at is None:
        token.revoked_at = func.now()
        await session.flush()
        await session.refresh(token)
    return token


async def authenticate(session: AsyncSession, secret: str) -> Principal | None:
    """The principal a secret stands for, or None when it is unknown, revoked or inactive."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = (
        await session.execute(
            select(
                ApiToken.id,
                ApiToken.school_id,
                ApiToken.staff_id,
                ApiToken.integration_client_id,
                Staff.roles,
                Staff.active,
                IntegrationClient.scopes,
                IntegrationClient.active,
            )
            .outerjoin(Staff, Staff.id == ApiToken.staff_id)
            .outerjoin(IntegrationClient, IntegrationClient.id == ApiToken.integration_client_id)
            .where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    token_id, school_id, staff_id, client_id, roles, staff_active, scopes, client_active = row
    if staff_id is not None and not staff_active:
        return None
    if client_id is not None and not client_active:
        return None
    return Principal(
        token_id=token_id,
        school_id=school_id,
        staff_id=staff_id,
        integration_client_id=client_id,
        roles=frozenset(Role(r) for r in roles or ()),
        scopes=frozenset(Scope(s) for s in scopes or ()),
    )


async def record_last_used(session: AsyncSession, used: dict[uuid.UUID, datetime]) -> int:
    """Move last-used times into the tokens; safe to run twice (times only move forward)."""
    for token_id, when in used.items():
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(last_used_at=func.greatest(func.coalesce(ApiToken.last_used_at, when), when))
        )
    return len(used)
