"""The school calendar: terms, closures, and the school days they make.

``school_day`` is derived: rebuilt whenever the calendar or the timetable
versions change, it gives every school date its cycle day and the timetable
version in force, so "who is free on 3 March, period 2" is one indexed join.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    delete,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id
from lessonstudy.domain.cycle import DateRange, WeekNumbering, school_dates
from lessonstudy.domain.schools import School


class Term(Base):
    __tablename__ = "term"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_term_school_id_starts_on", "school_id", "starts_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)


class Closure(Base):
    """A holiday, INSET day or other closure inside or between terms."""

    __tablename__ = "closure"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("kind IN ('holiday', 'inset', 'closure')", name="kind"),
        Index("ix_closure_school_id_starts_on", "school_id", "starts_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)


class SchoolDay(Base):
    """A date the school is open: its cycle day and the timetable version in force."""

    __tablename__ = "school_day"

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    week: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("term.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("timetable_version.id", ondelete="SET NULL"), index=True
    )


async def rebuild_school_days(session: AsyncSession, school_id: uuid.UUID) -> int:
    """Recompute every school day from the stored calendar and versions."""
    from lessonstudy.domain.timetable import BellPeriod, TimetableVersion

    school = await session.get(School, school_id)
    assert school is not None
    terms = list(await session.scalars(select(Term).where(Term.school_id == school_id)))
    closures = [
        DateRange(c.starts_on, c.ends_on)
        for c in await session.scalars(select(Closure).where(Closure.school_id == school_id))
    ]
    versions = list(
        (
            await session.execute(
                select(TimetableVersion.id, TimetableVersion.effective_from)
                .where(TimetableVersion.school_id == school_id)
                .order_by(TimetableVersion.effective_from)
            )
        ).all()
    )
    open_by_version: dict[uuid.UUID, frozenset[int]] = {}
    for version_id, weekday in (
        await session.execute(
            select(BellPeriod.version_id, BellPeriod.weekday)
            .join(TimetableVersion, TimetableVersion.id == BellPeriod.version_id)
            .where(TimetableVersion.school_id == school_id)
            .distinct()
        )
    ).all():
        open_by_version[version_id] = open_by_version.get(version_id, frozenset()) | {weekday}
    # A weekday is open when any version has periods on it; a version without
    # periods on that day simply has nothing timetabled there.
    open_weekdays = frozenset().union(*open_by_version.values()) or frozenset({1, 2, 3, 4, 5})

    await session.execute(delete(SchoolDay).where(SchoolDay.school_id == school_id))
    dated = school_dates(
        [DateRange(t.starts_on, t.ends_on) for t in terms],
        closures,
        weeks_in_cycle=school.timetable_weeks,
        numbering=WeekNumbering(school.week_numbering),
        open_weekdays=open_weekdays,
    )
    term_of = sorted((t.starts_on, t.ends_on, t.id) for t in terms)
    values = []
    version_index = 0
    for school_date in dated:
        while (
            version_index + 1 < len(versions) and versions[version_index + 1][1] <= school_date.day
        ):
            version_index += 1
        in_force = (
            versions[version_index][0]
            if versions and versions[version_index][1] <= school_date.day
            else None
        )
        term_id = next(tid for start, end, tid in term_of if start <= school_date.day <= end)
        values.append(
            {
                "school_id": school_id,
                "day": school_date.day,
                "week": school_date.week,
                "weekday": school_date.weekday,
                "term_id": term_id,
                "version_id": in_force,
            }
        )
    if values:
        await session.execute(insert(SchoolDay), values)
    return len(values)
