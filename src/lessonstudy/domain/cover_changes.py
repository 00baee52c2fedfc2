"""The cover request change feed: every creation and change, in order, with no gaps.

The trap: a sequence number is taken when a row is inserted, but
transactions commit in another order. A reader that has seen number 11
(committed) and remembers "after 11" never sees 10, which committed a moment
later. Here every change row is stamped with its writer's transaction id
(``pg_current_xact_id()``), and a reader is only shown rows whose
transaction id is below the oldest transaction still running
(``pg_snapshot_xmin(pg_current_snapshot())``). Below that mark every
transaction has finished, committed or not, so no row can still appear
there; the feed is ordered by (transaction id, sequence number) and its
cursor is the position of the last row returned, always below the mark.
A transaction still running holds the feed back at its transaction id until
it ends, which is the price: a long writing transaction anywhere on the
PostgreSQL server delays the feed (never loses from it). Read-only
transactions have no transaction id and hold nothing back.

One refinement keeps each cover request's own changes in order. Two
transactions may change the same request one after the other (the row lock
sees to that), yet the second may hold the lower transaction id, having
written something else first. So a change is placed at
max(own transaction id, position of the request's previous change): never
before the change it follows. The argument above is unchanged, since a
position is never below its writer's own transaction id.

Rows are written by ``record`` in the same transaction as the change, via
``cover_requests.record_cover_change``; each carries the cover request as it
was after the change (the same document the webhooks send), and its
``version``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base
from lessonstudy.errors import RuleBroken
from lessonstudy.pagination import decode_cursor, encode_cursor

CURSOR_KIND = "cover-changes"


class CoverRequestChange(Base):
    __tablename__ = "cover_request_change"
    __table_args__ = (
        Index("ix_cover_request_change_feed", "school_id", "feed_position", "seq"),
        Index("ix_cover_request_change_request", "cover_request_id", "feed_position"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    cover_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cover_request.id", ondelete="CASCADE"), nullable=False
    )
    # The writer's transaction id, or the previous change's position if that is later.
    feed_position: Mapped[int] = mapped_column(BigInteger, nullable=False)
    change: Mapped[str] = mapped_column(String(16), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


_RECORD_SQL = text(
    """
    INSERT INTO cover_request_change
        (school_id, cover_request_id, feed_position, change, version, document)
    SELECT :school_id, :cover_request_id,
           greatest(pg_current_xact_id()::text::bigint,
                    (SELECT max(feed_position) FROM cover_request_change
                     WHERE cover_request_id = :cover_request_id)),
           :change, :version, CAST(:document AS jsonb)
    """
)

_READ_SQL = text(
    """
    SELECT seq, feed_position, change, version, document, recorded_at
    FROM cover_request_change
    WHERE school_id = :school_id AND (feed_position, seq) > (:position, :seq)
      AND feed_position < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    ORDER BY feed_position, seq
    LIMIT :limit
    """
)


async def record(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    cover_request_id: uuid.UUID,
    change: str,
    version: int,
    document: str,
) -> None:
    """Append a change. The caller holds the cover request's row lock (it just wrote the row),
    so every earlier change to it has committed and its position is visible here."""
    await session.execute(
        _RECORD_SQL,
        {
            "school_id": school_id,
            "cover_request_id": cover_request_id,
            "change": change,
            "version": version,
            "document": document,
        },
    )


@dataclass(frozen=True, slots=True)
class Change:
    change: str
    version: int
    document: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class FeedPage:
    changes: list[Change]
    cursor: str
    """Where the next read starts: after the last change returned, or where this one began."""
    has_more: bool


def _position(cursor: str | None) -> tuple[int, int]:
    if cursor is None:
        return 0, 0
    position, seq = decode_cursor(CURSOR_KIND, cursor, 2)
    if not all(v.isascii() and v.isdigit() and int(v) < 2**63 for v in (position, seq)):
        raise RuleBroken(
            "the cursor is not one this feed issued; start again without a cursor",
            errors=[{"field": "cursor", "message": "invalid cursor", "source": "query"}],
        )
    return int(position), int(seq)


def _cursor(position: int, seq: int) -> str:
    return encode_cursor(CURSOR_KIND, [str(position), str(seq)])


async def read(
    session: AsyncSession, school_id: uuid.UUID, *, cursor: str | None, limit: int
) -> FeedPage:
    """The changes after ``cursor``, oldest first. Read outside any writing transaction."""
    position, seq = _position(cursor)
    rows = (
        await session.execute(
            _READ_SQL,
            {"school_id": school_id, "position": position, "seq": seq, "limit": limit + 1},
        )
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        position, seq = rows[-1].feed_position, rows[-1].seq
    return FeedPage(
        changes=[Change(r.change, r.version, r.document, r.recorded_at) for r in rows],
        cursor=_cursor(position, seq),
        has_more=has_more,
    )
