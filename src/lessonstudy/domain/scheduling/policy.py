"""The school's scheduling rules: notice, observation caps, discussion, spacing, protected classes.

One row per school, absent meaning the defaults below. Cover rules stay in
`cover_policy` (the timetable integration owns them); this holds what only
lesson study and observation need. `load_policy` joins both into the pure
scheduler's `Policy`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, SmallInteger, String, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base
from lessonstudy.domain.cover import DEFAULT_COVER_POLICY
from lessonstudy.scheduler import Policy

# Teacher cover costs this many supervisor covers when plans are compared: above
# the most releases one request needs, so teacher cover is always the last resort.
TEACHER_COVER_COST = 4


class SchedulingPolicy(Base):
    __tablename__ = "scheduling_policy"
    __table_args__ = (
        CheckConstraint(
            "notice_days BETWEEN 0 AND 90 AND discussion_within_days BETWEEN 0 AND 14 "
            "AND min_days_between_cycles BETWEEN 0 AND 120 "
            "AND coalesce(max_observations_per_term, 0) >= 0 "
            "AND coalesce(max_observations_per_year, 0) >= 0",
            name="ranges",
        ),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    notice_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    max_observations_per_term: Mapped[int | None] = mapped_column(SmallInteger)
    max_observations_per_year: Mapped[int | None] = mapped_column(SmallInteger)
    discussion_within_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    min_days_between_cycles: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    classes_never_covered: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


@dataclass(frozen=True, kw_only=True)
class SchedulingRules:
    """The editable rules, with the defaults a school starts from."""

    # Calendar days between asking and the first date that may be booked.
    notice_days: int = 0
    max_observations_per_term: int | None = None
    max_observations_per_year: int | None = None
    # 0: the post-lesson discussion is the same day, while the lesson is fresh.
    discussion_within_days: int = 0
    min_days_between_cycles: int = 7
    # Classes whose teacher is never released, such as exam groups.
    classes_never_covered: tuple[str, ...] = ()


_RULES = [f.name for f in fields(SchedulingRules)]


async def get_rules(session: AsyncSession, school_id: uuid.UUID) -> SchedulingRules:
    row = await session.get(SchedulingPolicy, school_id)
    if row is None:
        return SchedulingRules()
    values = {name: getattr(row, name) for name in _RULES}
    values["classes_never_covered"] = tuple(row.classes_never_covered)
    return SchedulingRules(**values)


async def set_rules(
    session: AsyncSession, school_id: uuid.UUID, rules: SchedulingRules
) -> SchedulingRules:
    row = await session.get(SchedulingPolicy, school_id)
    values: dict[str, Any] = {name: getattr(rules, name) for name in _RULES}
    values["classes_never_covered"] = sorted(set(rules.classes_never_covered))
    if row is None:
        session.add(SchedulingPolicy(school_id=school_id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
    await session.flush()
    return await get_rules(session, school_id)


@dataclass(frozen=True)
class SchoolPolicy:
    """The scheduler's `Policy`, and the cover caps of supervisors who have none of their own."""

    policy: Policy
    # Per day, week and term.
    supervisor_caps: tuple[int, int, int]


async def load_policy(session: AsyncSession, school_id: uuid.UUID, today: date) -> SchoolPolicy:
    """Both policies as the scheduler needs them, as of the school's `today`."""
    rules = await get_rules(session, school_id)
    cover = dict(DEFAULT_COVER_POLICY)
    stored = (
        (
            await session.execute(
                text("SELECT * FROM cover_policy WHERE school_id = :school_id"),
                {"school_id": school_id},
            )
        )
        .mappings()
        .first()
    )
    if stored is not None:
        cover.update({k: v for k, v in stored.items() if k in cover})
    policy = Policy(
        today=today,
        notice_days=rules.notice_days,
        teachers_may_cover=bool(cover["teacher_cover_allowed"]),
        teacher_cover_cap_per_term=int(cover["teacher_max_per_term"]),
        teacher_cover_cap_per_week=int(cover["teacher_max_per_week"]),
        teacher_cover_cost=TEACHER_COVER_COST,
        classes_never_covered=frozenset(rules.classes_never_covered),
        max_observations_per_term=rules.max_observations_per_term,
        max_observations_per_year=rules.max_observations_per_year,
        discussion_within_days=rules.discussion_within_days,
        min_days_between_cycles=rules.min_days_between_cycles,
    )
    caps = (
        int(cover["cover_staff_max_per_day"]),
        int(cover["cover_staff_max_per_week"]),
        int(cover["cover_staff_max_per_term"]),
    )
    return SchoolPolicy(policy, caps)
