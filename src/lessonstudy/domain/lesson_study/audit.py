"""The audit log of lesson study: every move of a cycle, every override, every erasure.

Lesson study depends on being done properly, so the record says who moved a
cycle on, when, and why, and above all when a rule was set aside. The log
holds no content: a CPD lead may read it.
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study.access import group_viewer
from lessonstudy.domain.lesson_study.tables import AuditEntry
from lessonstudy.domain.tokens import Principal
from lessonstudy.pagination import cursor_datetime, cursor_uuid, decode_cursor, encode_cursor


class Action(enum.StrEnum):
    GROUP_CREATED = "group_created"
    MEMBERS_CHANGED = "members_changed"
    CYCLE_STARTED = "cycle_started"
    BOOKED = "booked"
    BOOKING_CANCELLED = "booking_cancelled"
    TRANSITION = "transition"
    OVERRIDE = "override"
    WRITE_UP_PUBLISHED = "write_up_published"
    WRITE_UP_UNPUBLISHED = "write_up_unpublished"
    PUPIL_DATA_ERASED = "pupil_data_erased"


def record(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    group_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    action: Action,
    cycle_id: uuid.UUID | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    reason: str | None = None,
) -> None:
    """Add an entry to the log, in the caller's transaction."""
    session.add(
        AuditEntry(
            school_id=school_id,
            group_id=group_id,
            cycle_id=cycle_id,
            actor_id=actor_id,
            action=action.value,
            from_stage=from_stage,
            to_stage=to_stage,
            reason=reason,
        )
    )


async def list_entries(
    session: AsyncSession,
    principal: Principal,
    group_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    """The group's log, oldest first, a page at a time."""
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_progress()
    statement = select(AuditEntry).where(AuditEntry.group_id == group_id)
    if cursor is not None:
        at, last_id = decode_cursor("audit", cursor, 2)
        statement = statement.where(
            tuple_(AuditEntry.at, AuditEntry.id) > tuple_(cursor_datetime(at), cursor_uuid(last_id))
        )
    rows = list(
        (
            await session.scalars(statement.order_by(AuditEntry.at, AuditEntry.id).limit(limit + 1))
        ).all()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor("audit", [rows[-1].at.isoformat(), str(rows[-1].id)])
    return rows, next_cursor
