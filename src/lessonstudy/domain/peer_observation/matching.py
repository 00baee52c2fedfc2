"""Finding an observer when the teacher asks for one to be found.

Staff have no department field; a department here is the subjects a person
teaches in the timetable in force that day, so the MIS stays the one source
and nothing needs keeping in step. "Same department" means sharing a subject
with the observed teacher. Among colleagues who could be there, the choice
prefers (in order) the same department, someone free over someone who would
need cover, and whoever has observed least this academic year. Protected time
(PPA, ECT) is never volunteered on someone's behalf.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import availability
from lessonstudy.domain.peer_observation.models import Observation, Stage
from lessonstudy.domain.school_time import academic_year
from lessonstudy.domain.staff import Role
from lessonstudy.errors import RuleBroken


class FindObserver(enum.StrEnum):
    SAME_DEPARTMENT = "same_department"
    ANYONE = "anyone"


_SUBJECTS_SQL = text(
    """
    SELECT DISTINCT t.staff_id, lower(l.subject) AS subject
    FROM school_day d
    JOIN teaching t ON t.version_id = d.version_id
    JOIN lesson l ON l.id = t.lesson_id
    WHERE d.school_id = :school_id AND d.day = :day AND l.subject IS NOT NULL
    """
)


async def subjects_taught(
    session: AsyncSession, school_id: uuid.UUID, day: date
) -> dict[uuid.UUID, set[str]]:
    """Each person's subjects in the timetable in force on ``day``: their department."""
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    for staff_id, subject in await session.execute(
        _SUBJECTS_SQL, {"school_id": school_id, "day": day}
    ):
        found[staff_id].add(subject)
    return found


async def find_observer(
    session: AsyncSession,
    school_id: uuid.UUID,
    observed_staff_id: uuid.UUID,
    day: date,
    period: str,
    how: FindObserver,
) -> uuid.UUID:
    slot = await availability.slot_availability(session, school_id, day, period)
    # (staff id, name, needs cover) of every teacher who could be there: free
    # teachers, and those teaching then whose class someone could cover.
    candidates = [
        (p.staff_id, p.name, False)
        for p in slot.free
        if Role.TEACHER in p.roles and p.protected is None and p.staff_id != observed_staff_id
    ] + [
        (r.staff_id, r.name, True)
        for r in slot.releasable
        if r.cover and r.staff_id != observed_staff_id
    ]
    # Someone already named to observe in that period is not offered twice.
    taken = set(
        (
            await session.scalars(
                select(Observation.observer_staff_id).where(
                    Observation.school_id == school_id,
                    Observation.day == day,
                    Observation.period_code == period,
                    Observation.stage.in_([Stage.AGREED, Stage.AWAITING_CONSENT]),
                )
            )
        ).all()
    )
    candidates = [c for c in candidates if c[0] not in taken]
    subjects = await subjects_taught(session, school_id, day)
    department = subjects.get(observed_staff_id, set())

    def same(staff_id: uuid.UUID) -> bool:
        return bool(department & subjects.get(staff_id, set()))

    if how is FindObserver.SAME_DEPARTMENT:
        candidates = [c for c in candidates if same(c[0])]
    if not candidates:
        where = "in your department " if how is FindObserver.SAME_DEPARTMENT else ""
        raise RuleBroken(
            f"no colleague {where}is free, or can be released with cover, in {period} on {day}; "
            + (
                "ask for anyone, or name an observer"
                if how is FindObserver.SAME_DEPARTMENT
                else "name an observer or choose another lesson"
            ),
            errors=[{"field": "find_observer", "message": "nobody available"}],
        )
    first, last = academic_year(day)
    load = dict(
        (
            await session.execute(
                select(Observation.observer_staff_id, func.count())
                .where(
                    Observation.school_id == school_id,
                    Observation.observer_staff_id.in_([c[0] for c in candidates]),
                    Observation.stage.in_([Stage.AGREED, Stage.AWAITING_CONSENT]),
                    Observation.day.between(first, last),
                )
                .group_by(Observation.observer_staff_id)
            )
        ).all()
    )
    best = min(
        candidates,
        key=lambda c: (not same(c[0]), c[2], load.get(c[0], 0), c[1], str(c[0])),
    )
    return best[0]
