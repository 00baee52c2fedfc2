"""A timetable version's content in one canonical form.

Built from an incoming dataset or read back from the database, the same
shape either way, so one comparison gives the import's counts, one digest
makes a repeated import a no-op, and export is the reverse of import.
Staff are named by external id, periods by (weekday, code).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.staff import Staff
from lessonstudy.domain.timetable import (
    BellPeriod,
    CoverSlot,
    Duty,
    Lesson,
    ProtectedPeriod,
    Teaching,
)
from lessonstudy.integrations.dataset import Dataset

PeriodKey = tuple[int, str]  # (ISO weekday, code)
PeriodValue = tuple[str, str, bool]  # (starts HH:MM, ends HH:MM, teaching)
# (class, subject, room, week, weekday, period codes in order, teacher ids sorted)
LessonValue = tuple[str, str | None, str | None, int, int, tuple[str, ...], tuple[str, ...]]
DutyValue = tuple[str, str, str, int, int, str]  # (staff, kind, description, week, weekday, period)
SlotKey = tuple[str, int, int, str]  # (staff, week, weekday, period)


@dataclass
class VersionContent:
    periods: dict[PeriodKey, PeriodValue] = field(default_factory=dict)
    lessons: dict[str, LessonValue] = field(default_factory=dict)
    duties: dict[str, DutyValue] = field(default_factory=dict)
    protected: dict[SlotKey, str] = field(default_factory=dict)
    cover_slots: set[SlotKey] = field(default_factory=set)

    def digest(self) -> str:
        canonical = [
            sorted(self.periods.items()),
            sorted(self.lessons.items()),
            sorted(self.duties.items()),
            sorted(self.protected.items()),
            sorted(self.cover_slots),
        ]
        return hashlib.sha256(msgspec.json.encode(canonical)).hexdigest()


def from_dataset(dataset: Dataset) -> VersionContent:
    content = VersionContent()
    for p in dataset.periods:
        content.periods[(p.weekday.iso, p.code)] = (p.starts_at, p.ends_at, p.teaching)
    for lesson in dataset.lessons:
        content.lessons[lesson.external_id] = (
            lesson.class_code,
            lesson.subject,
            lesson.room,
            lesson.week,
            lesson.weekday.iso,
            tuple(lesson.periods),
            tuple(sorted(set(lesson.teachers))),
        )
    for duty in dataset.duties:
        content.duties[duty.external_id] = (
            duty.staff,
            duty.kind,
            duty.description,
            duty.week,
            duty.weekday.iso,
            duty.period,
        )
    for pp in dataset.protected_periods:
        content.protected[(pp.staff, pp.week, pp.weekday.iso, pp.period)] = pp.kind
    for slot in dataset.cover_slots:
        content.cover_slots.add((slot.staff, slot.week, slot.weekday.iso, slot.period))
    return content


async def from_database(session: AsyncSession, version_id: uuid.UUID) -> VersionContent:
    content = VersionContent()
    external: dict[uuid.UUID, str] = {}

    async def ext(staff_ids: set[uuid.UUID]) -> None:
        missing = staff_ids - external.keys()
        if missing:
            rows = await session.execute(
                select(Staff.id, Staff.external_id).where(Staff.id.in_(missing))
            )
            external.update({sid: eid or str(sid) for sid, eid in rows.all()})

    for p in await session.scalars(select(BellPeriod).where(BellPeriod.version_id == version_id)):
        content.periods[(p.weekday, p.code)] = (
            p.starts_at.strftime("%H:%M"),
            p.ends_at.strftime("%H:%M"),
            p.teaching,
        )
    teachers: dict[uuid.UUID, set[uuid.UUID]] = {}
    for lesson_id, staff_id in await session.execute(
        select(Teaching.lesson_id, Teaching.staff_id)
        .where(Teaching.version_id == version_id)
        .distinct()
    ):
        teachers.setdefault(lesson_id, set()).add(staff_id)
    await ext(set().union(*teachers.values()) if teachers else set())
    for lesson in await session.scalars(select(Lesson).where(Lesson.version_id == version_id)):
        content.lessons[lesson.external_id] = (
            lesson.class_code,
            lesson.subject,
            lesson.room,
            lesson.week,
            lesson.weekday,
            tuple(lesson.period_codes),
            tuple(sorted(external[t] for t in teachers.get(lesson.id, set()))),
        )
    duties = list(await session.scalars(select(Duty).where(Duty.version_id == version_id)))
    protected = list(
        await session.scalars(
            select(ProtectedPeriod).where(ProtectedPeriod.version_id == version_id)
        )
    )
    cover = list(await session.scalars(select(CoverSlot).where(CoverSlot.version_id == version_id)))
    await ext(
        {d.staff_id for d in duties} | {p.staff_id for p in protected} | {c.staff_id for c in cover}
    )
    for d in duties:
        content.duties[d.external_id] = (
            external[d.staff_id],
            d.kind,
            d.description,
            d.week,
            d.weekday,
            d.period_code,
        )
    for pp in protected:
        content.protected[(external[pp.staff_id], pp.week, pp.weekday, pp.period_code)] = pp.kind
    for c in cover:
        content.cover_slots.add((external[c.staff_id], c.week, c.weekday, c.period_code))
    return content
