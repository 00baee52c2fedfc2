"""In-app notifications: what a member of staff should know about, newest first.

Jobs (reminders, follow-ups) and features (a declined cover request) write
them. Each carries a dedupe key, so a job that runs twice notifies once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id
from lessonstudy.errors import NotFound


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("staff_id", "dedupe_key"),
        Index("ix_notification_staff_created", "staff_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    # What happened, e.g. "observation_follow_up", "lesson_reminder", "cover_declined".
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # What it is about, so a front-end can link to it: e.g. "observation" and its id.
    about: Mapped[str | None] = mapped_column(String(40))
    about_id: Mapped[uuid.UUID | None] = mapped_column()
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


async def notify(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    kind: str,
    subject: str,
    body: str = "",
    about: str | None = None,
    about_id: uuid.UUID | None = None,
    dedupe_key: str,
) -> bool:
    """Notify one person; False when a notification with that key already exists."""
    statement = (
        insert(Notification)
        .values(
            id=new_id(),
            school_id=school_id,
            staff_id=staff_id,
            kind=kind,
            subject=subject[:200],
            body=body,
            about=about,
            about_id=about_id,
            dedupe_key=dedupe_key[:200],
        )
        .on_conflict_do_nothing(index_elements=["staff_id", "dedupe_key"])
        .returning(Notification.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def list_notifications(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    unread_only: bool,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> Sequence[Notification]:
    """Newest first; ``after`` is the (created_at, id) of the last one already seen."""
    query = select(Notification).where(
        Notification.school_id == school_id, Notification.staff_id == staff_id
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if after is not None:
        created_at, last_id = after
        query = query.where(
            (Notification.created_at < created_at)
            | ((Notification.created_at == created_at) & (Notification.id < last_id))
        )
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def mark_read(
    session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID, notification_id: uuid.UUID
) -> Notification:
    found = await session.get(Notification, notification_id)
    if found is None or found.school_id != school_id or found.staff_id != staff_id:
        raise NotFound("no notification of yours with that id")
    if found.read_at is None:
        found.read_at = datetime.now().astimezone()
        await session.flush()
    return found
