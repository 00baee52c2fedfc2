"""A school's lesson-study policy: how soon after the lesson the discussion must be held.

The post-lesson discussion works best the same day, while the lesson is
fresh; a school may allow a few days. A discussion held later than that is
still recorded, and flagged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study.tables import LessonStudyPolicy

DEFAULT_DISCUSSION_ALLOWANCE_DAYS = 0  # the same day


@dataclass(frozen=True, slots=True)
class Policy:
    discussion_allowance_days: int
    updated_at: datetime | None
    """Null while the school keeps the defaults."""


async def get_policy(session: AsyncSession, school_id: uuid.UUID) -> Policy:
    stored = await session.get(LessonStudyPolicy, school_id)
    if stored is None:
        return Policy(DEFAULT_DISCUSSION_ALLOWANCE_DAYS, None)
    return Policy(stored.discussion_allowance_days, stored.updated_at)


async def set_policy(
    session: AsyncSession, school_id: uuid.UUID, *, discussion_allowance_days: int
) -> Policy:
    statement = (
        insert(LessonStudyPolicy)
        .values(school_id=school_id, discussion_allowance_days=discussion_allowance_days)
        .on_conflict_do_update(
            index_elements=["school_id"],
            set_={"discussion_allowance_days": discussion_allowance_days, "updated_at": func.now()},
        )
        .returning(LessonStudyPolicy.discussion_allowance_days, LessonStudyPolicy.updated_at)
    )
    row = (await session.execute(statement)).one()
    return Policy(row.discussion_allowance_days, row.updated_at)


async def allowance_days(session: AsyncSession, school_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(LessonStudyPolicy.discussion_allowance_days).where(
            LessonStudyPolicy.school_id == school_id
        )
    )
    return DEFAULT_DISCUSSION_ALLOWANCE_DAYS if found is None else int(found)
