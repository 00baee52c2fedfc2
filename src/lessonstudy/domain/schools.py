"""Schools: the tenants. Every other row belongs to exactly one."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import CheckConstraint, SmallInteger, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id
from lessonstudy.errors import NotFound, RuleBroken


class School(TimestampedMixin, Base):
    __tablename__ = "school"
    __table_args__ = (
        CheckConstraint("timetable_weeks IN (1, 2)", name="timetable_weeks"),
        CheckConstraint("week_numbering IN ('continuous', 'by_term')", name="week_numbering"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # An IANA zone name: school dates and periods are local to it.
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    # The timetable cycle: 1 week, or 2 (Week A/B), and how weeks are numbered.
    timetable_weeks: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    week_numbering: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default="continuous"
    )


def check_time_zone(name: str) -> str:
    """Refuse names the zone database does not know, so dates are never guessed."""
    if name not in available_timezones():
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuleBroken(
                f"{name!r} is not a known IANA time zone (for example 'Europe/London')",
                errors=[{"field": "time_zone", "message": "unknown time zone"}],
            ) from None
    return name


async def get_school(session: AsyncSession, school_id: uuid.UUID) -> School:
    school = await session.get(School, school_id)
    if school is None:
        raise NotFound("school not found")
    return school


async def create_school(session: AsyncSession, *, name: str, time_zone: str) -> School:
    school = School(name=name, time_zone=check_time_zone(time_zone))
    session.add(school)
    await session.flush()
    return school


async def update_school(
    session: AsyncSession, school_id: uuid.UUID, *, name: str | None, time_zone: str | None
) -> School:
    school = await get_school(session, school_id)
    if name is not None:
        school.name = name
    if time_zone is not None:
        school.time_zone = check_time_zone(time_zone)
    await session.flush()
    await session.refresh(school)
    return school
