"""A person's own scheduling choices: whether their protected time may go to observing.

PPA and ECT time belong to the teacher. The scheduler may place them as an
observer in it only when they have said so themselves, and never as cover;
nobody else can say it for them, so this is set only by its owner.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base


class SchedulingPreference(Base):
    __tablename__ = "scheduling_preference"

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False, index=True
    )
    observe_in_protected_time: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


async def observes_in_protected_time(
    session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID
) -> bool:
    found = await session.scalar(
        select(SchedulingPreference.observe_in_protected_time).where(
            SchedulingPreference.school_id == school_id,
            SchedulingPreference.staff_id == staff_id,
        )
    )
    return bool(found)


async def opted_in(session: AsyncSession, school_id: uuid.UUID) -> set[uuid.UUID]:
    """Everyone at the school who gives their protected time to observing."""
    rows = await session.scalars(
        select(SchedulingPreference.staff_id).where(
            SchedulingPreference.school_id == school_id,
            SchedulingPreference.observe_in_protected_time.is_(True),
        )
    )
    return set(rows.all())


async def set_observes_in_protected_time(
    session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID, value: bool
) -> bool:
    statement = insert(SchedulingPreference).values(
        staff_id=staff_id, school_id=school_id, observe_in_protected_time=value
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SchedulingPreference.staff_id],
            set_={"observe_in_protected_time": value, "updated_at": func.now()},
        )
    )
    return value
