"""Retention: after a group's retention date its pupil data is erased, and nothing else.

Pupil data is what was recorded about the case pupils: their learner
profiles, the predictions in every version of every plan, the observers'
notes, the interview notes, and the evidence about each pupil given in the
discussions. What stays is anonymous: the pupils' codes, the plans' goals
and stages, the teacher's reflections, what the group learned and changed,
the knowledgeable other's comments, the write-up, the fidelity figures
(frozen as each stage ended) and the audit log. A daily job runs this; it
is safe to run twice, and each group is erased in its own transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.lesson_study import audit, plans
from lessonstudy.domain.lesson_study.protocol import Step
from lessonstudy.domain.lesson_study.tables import (
    CasePupil,
    DebriefEntry,
    ObservationNote,
    PlanVersion,
    PupilInterview,
    ResearchCycle,
    StudyGroup,
)

# Groups whose retention date has passed at their school (in its time zone).
_DUE_SQL = """
    SELECT g.id FROM study_group g JOIN school s ON s.id = g.school_id
    WHERE g.pupil_data_erased_at IS NULL
      AND g.retention_date < (CAST(:now AS timestamptz) AT TIME ZONE s.time_zone)::date
    ORDER BY g.retention_date, g.id
"""


async def due_groups(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    rows = await session.execute(text(_DUE_SQL), {"now": now})
    return [r[0] for r in rows.all()]


async def erase_pupil_data(session: AsyncSession, group_id: uuid.UUID, now: datetime) -> bool:
    """Erase one group's pupil data; False when it was already erased (or is gone)."""
    group = await session.scalar(
        select(StudyGroup).where(StudyGroup.id == group_id).with_for_update()
    )
    if group is None or group.pupil_data_erased_at is not None:
        return False
    pupil_ids = select(CasePupil.id).where(CasePupil.group_id == group_id)
    cycle_ids = select(ResearchCycle.id).where(ResearchCycle.group_id == group_id)
    await session.execute(
        update(CasePupil).where(CasePupil.group_id == group_id).values(profile=None)
    )
    await session.execute(delete(ObservationNote).where(ObservationNote.pupil_id.in_(pupil_ids)))
    await session.execute(delete(PupilInterview).where(PupilInterview.pupil_id.in_(pupil_ids)))
    await session.execute(
        delete(DebriefEntry).where(
            DebriefEntry.cycle_id.in_(cycle_ids), DebriefEntry.step == int(Step.EVIDENCE)
        )
    )
    for version in await session.scalars(
        select(PlanVersion).where(PlanVersion.cycle_id.in_(cycle_ids))
    ):
        content = plans.from_json(version.content)
        if any(stage.predictions for stage in content.stages):
            for stage in content.stages:
                stage.predictions = []
            version.content = plans.to_json(content)
    group.pupil_data_erased_at = now
    audit.record(
        session,
        school_id=group.school_id,
        group_id=group.id,
        actor_id=None,
        action=audit.Action.PUPIL_DATA_ERASED,
        reason=f"retention date {group.retention_date} passed",
    )
    await session.flush()
    return True


async def erase_due(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Erase every group whose retention date has passed, one transaction per group."""
    async with sessions() as session:
        due = await due_groups(session, now)
    erased = 0
    for group_id in due:
        async with sessions.begin() as session:
            if await erase_pupil_data(session, group_id, now):
                erased += 1
    return erased
