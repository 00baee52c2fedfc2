"""Export a school's timetable dataset in the import format.

Importing an export changes nothing: the same canonical content is read back
(``content.from_database``) that an import compares against.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.absences import Absence
from lessonstudy.domain.calendar import Closure, Term
from lessonstudy.domain.cover import DEFAULT_COVER_POLICY, CoverCap, CoverPolicy
from lessonstudy.domain.cycle import WeekNumbering
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import Role, Staff, Weekday
from lessonstudy.domain.timetable import TimetableVersion
from lessonstudy.errors import NotFound
from lessonstudy.integrations import content as version_content
from lessonstudy.integrations.dataset import (
    AbsenceIn,
    AbsenceKind,
    CalendarIn,
    ClosureIn,
    ClosureKind,
    CoverCapIn,
    CoverPolicyIn,
    CoverSlotIn,
    Dataset,
    DutyIn,
    DutyKind,
    LessonIn,
    PeriodIn,
    ProtectedKind,
    ProtectedPeriodIn,
    StaffIn,
    TermIn,
)


async def current_cover_policy(session: AsyncSession, school_id: uuid.UUID) -> CoverPolicyIn:
    row = await session.get(CoverPolicy, school_id)
    if row is None:
        return CoverPolicyIn()
    return CoverPolicyIn(**{k: getattr(row, k) for k in DEFAULT_COVER_POLICY})


async def export_dataset(
    session: AsyncSession, school_id: uuid.UUID, as_of: date | None = None
) -> Dataset:
    """The dataset of the version in force on ``as_of`` (default: the latest version)."""
    stmt = select(TimetableVersion).where(TimetableVersion.school_id == school_id)
    if as_of is not None:
        stmt = stmt.where(TimetableVersion.effective_from <= as_of)
    version = await session.scalar(stmt.order_by(TimetableVersion.effective_from.desc()).limit(1))
    if version is None:
        raise NotFound("no timetable has been imported for that date")
    school = await session.get(School, school_id)
    assert school is not None
    content = await version_content.from_database(session, version.id)

    staff = list(
        await session.scalars(
            select(Staff)
            .where(Staff.school_id == school_id, Staff.external_id.is_not(None), Staff.active)
            .order_by(Staff.external_id)
        )
    )
    external = {s.id: s.external_id or "" for s in staff}
    terms = await session.scalars(
        select(Term).where(Term.school_id == school_id).order_by(Term.starts_on)
    )
    closures = await session.scalars(
        select(Closure).where(Closure.school_id == school_id).order_by(Closure.starts_on)
    )
    policy = await current_cover_policy(session, school_id)
    caps = await session.scalars(select(CoverCap).where(CoverCap.school_id == school_id))
    absences = await session.scalars(
        select(Absence)
        .where(Absence.school_id == school_id, Absence.ends_on >= version.effective_from)
        .order_by(Absence.external_id)
    )
    day = Weekday.from_iso
    return Dataset(
        effective_from=version.effective_from,
        calendar=CalendarIn(
            terms=[TermIn(name=t.name, starts_on=t.starts_on, ends_on=t.ends_on) for t in terms],
            closures=[
                ClosureIn(
                    name=c.name,
                    starts_on=c.starts_on,
                    ends_on=c.ends_on,
                    kind=cast(ClosureKind, c.kind),
                )
                for c in closures
            ],
            timetable_weeks=cast(Literal[1, 2], school.timetable_weeks),
            week_numbering=WeekNumbering(school.week_numbering),
        ),
        periods=[
            PeriodIn(weekday=day(w), code=code, starts_at=start, ends_at=end, teaching=teaching)
            for (w, code), (start, end, teaching) in sorted(
                content.periods.items(), key=lambda item: (item[0][0], item[1][0], item[0][1])
            )
        ],
        staff=[
            StaffIn(
                external_id=s.external_id or "",
                name=s.name,
                roles=[Role(r) for r in s.roles],
                working_days=[day(d) for d in s.working_days],
                email=s.email,
                ect_year=s.ect_year,
            )
            for s in staff
        ],
        lessons=[
            LessonIn(
                external_id=ext,
                class_code=cls,
                teachers=list(teachers),
                weekday=day(w),
                periods=list(periods),
                week=week,
                subject=subject,
                room=room,
            )
            for ext, (cls, subject, room, week, w, periods, teachers) in sorted(
                content.lessons.items()
            )
        ],
        duties=[
            DutyIn(
                external_id=ext,
                staff=who,
                description=description,
                weekday=day(w),
                period=period,
                week=week,
                kind=cast(DutyKind, kind),
            )
            for ext, (who, kind, description, week, w, period) in sorted(content.duties.items())
        ],
        protected_periods=[
            ProtectedPeriodIn(
                staff=who, kind=cast(ProtectedKind, kind), weekday=day(w), period=period, week=week
            )
            for (who, week, w, period), kind in sorted(content.protected.items())
        ],
        cover_slots=[
            CoverSlotIn(staff=who, weekday=day(w), period=period, week=week)
            for who, week, w, period in sorted(content.cover_slots)
        ],
        cover_caps=[
            CoverCapIn(
                staff=external[c.staff_id],
                max_per_day=c.max_per_day,
                max_per_week=c.max_per_week,
                max_per_term=c.max_per_term,
            )
            for c in sorted(caps, key=lambda c: external.get(c.staff_id, ""))
            if c.staff_id in external
        ],
        cover_policy=policy,
        absences=[
            AbsenceIn(
                external_id=a.external_id,
                staff=external[a.staff_id],
                starts_on=a.starts_on,
                ends_on=a.ends_on,
                periods=list(a.period_codes) if a.period_codes else None,
                kind=cast(AbsenceKind, a.kind),
                reason=a.reason,
            )
            for a in absences
            if a.staff_id in external
        ],
    )
