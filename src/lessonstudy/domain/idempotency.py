"""Idempotency keys: a retried write has its first effect once and gets the first answer.

An integration sends ``Idempotency-Key: <its own unique string>`` with a
write. The first request with a key inserts a row for (caller, key) holding
a hash of the request, in the same transaction as the write, and stores the
response in it before committing. A retry with the same key:

- while the first is still running, waits: its insert meets the first one's
  uncommitted row in the unique index, and PostgreSQL makes it wait for that
  transaction to end. So twenty identical requests at once run the write
  once; the other nineteen then read the stored response;
- after the first committed, gets the stored status and body back as they
  were, and changes nothing;
- with a different request (another body, or another route) under the same
  key, is refused with 422: a key names one request.

A request that fails (4xx or 5xx) rolls back with its key, so nothing is
stored and a retry is evaluated afresh: it had no effect to protect. Keys
are kept for a day (``KEEP``); the worker's sweeper forgets older ones.
Keys belong to the caller (the integration client or member of staff), so
two integrations cannot collide.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    DateTime,
    ForeignKey,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id
from lessonstudy.errors import Conflict, RuleBroken

KEEP = timedelta(hours=24)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("caller_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    # The integration client's or the member of staff's id.
    caller_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    request_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    # Null only inside the first request's own transaction.
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, index=True
    )


def request_hash(method: str, path: str, body: bytes) -> bytes:
    """What makes two requests "the same": the route and the exact body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    replayed: bool
    """True when this is the stored answer to an earlier request with the key."""


async def run_once(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    caller_id: uuid.UUID,
    key: str,
    fingerprint: bytes,
    operation: Callable[[], Awaitable[tuple[int, bytes]]],
) -> Response:
    """Run ``operation`` (which returns a status and an encoded body) once per key.

    Must run in the transaction that makes the write, and that transaction
    must commit for the key to count.
    """
    claimed = await session.scalar(
        insert(IdempotencyKey)
        .values(
            id=new_id(),
            school_id=school_id,
            caller_id=caller_id,
            key=key,
            request_hash=fingerprint,
        )
        .on_conflict_do_nothing(index_elements=["caller_id", "key"])
        .returning(IdempotencyKey.id)
    )
    if claimed is None:
        return await _stored(session, caller_id, key, fingerprint)
    status, body = await operation()
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claimed)
        .values(response_status=status, response_body=body)
    )
    return Response(status=status, body=body, replayed=False)


async def _stored(
    session: AsyncSession, caller_id: uuid.UUID, key: str, fingerprint: bytes
) -> Response:
    row = (
        await session.execute(
            select(
                IdempotencyKey.request_hash,
                IdempotencyKey.response_status,
                IdempotencyKey.response_body,
            ).where(IdempotencyKey.caller_id == caller_id, IdempotencyKey.key == key)
        )
    ).first()
    if row is None:
        # Forgotten by the sweeper between our insert and this read: a day-old key.
        raise Conflict("this Idempotency-Key has just expired; retry with a new key")
    if row.request_hash != fingerprint:
        raise RuleBroken(
            "this Idempotency-Key was already used for a different request; "
            "use a new key for each distinct request",
            errors=[
                {
                    "field": "Idempotency-Key",
                    "message": "already used with another body or route",
                    "source": "header",
                }
            ],
        )
    if row.response_status is None or row.response_body is None:
        raise Conflict("a request with this Idempotency-Key is still being handled; retry")
    return Response(status=row.response_status, body=row.response_body, replayed=True)


async def forget_old_keys(session: AsyncSession) -> int:
    """Drop keys older than ``KEEP``: a retry after that is a new request."""
    result = await session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.created_at < func.now() - KEEP)
        .returning(IdempotencyKey.id)
    )
    return len(result.all())
