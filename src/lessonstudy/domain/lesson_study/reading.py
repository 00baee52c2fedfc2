"""Reading a whole cycle: the hot read of lesson study.

Everything a member's cycle page shows, in one query per table (the cycle,
its group and members, pupils, the current plan, the booking's commitments
and cover requests, observation sheets and notes, interviews, the
discussion, the school's policy), with no query per row. The access check
reads the cycle and its group through the ORM like every lesson-study route;
the content is read with plain statements on the session's own connection
(so in its transaction), which keeps this read within the design's 0.8x of
raw asyncpg (see bench/cycle_read.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.db import driver_connection
from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.lesson_study import booking, debrief, observations, plans, policy
from lessonstudy.domain.lesson_study.access import Viewer, cycle_viewer
from lessonstudy.domain.lesson_study.booking import BookingView
from lessonstudy.domain.lesson_study.debrief import DebriefView, EntryView
from lessonstudy.domain.lesson_study.observations import InterviewView, SheetView
from lessonstudy.domain.lesson_study.plans import PlanView
from lessonstudy.domain.lesson_study.protocol import Step
from lessonstudy.domain.lesson_study.stages import MOVES, Stage
from lessonstudy.domain.lesson_study.tables import PlanVersion, ResearchCycle
from lessonstudy.domain.tokens import Principal


@dataclass(frozen=True, slots=True)
class CycleView:
    id: uuid.UUID
    group_id: uuid.UUID
    number: int
    stage: Stage
    stage_changed_at: datetime
    moves: list[Stage]
    """The stages this one may move to (each with its own preconditions)."""
    teacher_id: uuid.UUID | None
    class_code: str
    knowledgeable_other_attends: bool
    observer_ids: list[uuid.UUID]
    lesson_date: date | None
    lesson_period: str | None
    lesson_ends_at: datetime | None
    taught_at: datetime | None
    override_reason: str | None
    closed_at: datetime | None
    booking: BookingView
    plan: PlanView
    observations: list[SheetView]
    interviews: list[InterviewView]
    debrief: DebriefView
    created_at: datetime
    updated_at: datetime


# What the cycle page holds beyond the cycle and its group (which the access check
# has read): one statement per table, in positional form for the session's asyncpg
# connection. This is the hot read of lesson study, and SQLAlchemy's per-statement
# overhead (about four times the round trip here) would otherwise make most of its
# cost; the columns are the models' own, so the rows become the same objects.
PUPILS_SQL = "SELECT id, code FROM case_pupil WHERE group_id = $1 ORDER BY code"
PLAN_SQL = """
    SELECT cycle_id, version, content, saved_by, saved_at FROM plan_version
    WHERE cycle_id = $1 AND version = $2
"""
COMMITMENTS_SQL = """
    SELECT id, school_id, staff_id, day, period_code, kind, purpose, purpose_id, created_at
    FROM commitment WHERE school_id = $1 AND purpose_id = $2 AND purpose = $3
    ORDER BY day, period_code, kind, staff_id
"""
COVERS_SQL = """
    SELECT id, school_id, day, period_code, class_code, subject, room, released_staff_id,
           proposed_cover_staff_id, cover_staff_id, teacher_cover, status, decline_reason,
           purpose, purpose_id
    FROM cover_request WHERE school_id = $1 AND purpose_id = $2
    ORDER BY day, period_code, class_code
"""
LESSON_SQL = booking.LESSON_SQL_POSITIONAL
SHEETS_SQL = "SELECT observer_id, submitted_at FROM observation_sheet WHERE cycle_id = $1"
NOTES_SQL = """
    SELECT observer_id, pupil_id, stage, did, said FROM observation_note
    WHERE cycle_id = $1 ORDER BY stage
"""
INTERVIEWS_SQL = """
    SELECT p.code, i.interviewer_id, i.consent, i.notes, i.minutes, i.recorded_at
    FROM pupil_interview i JOIN case_pupil p ON p.id = i.pupil_id
    WHERE i.cycle_id = $1 ORDER BY p.code
"""
ENTRIES_SQL = """
    SELECT e.id, e.step, p.code, e.plan_stage, e.body, e.author_id, e.created_at
    FROM debrief_entry e LEFT JOIN case_pupil p ON p.id = e.pupil_id
    WHERE e.cycle_id = $1 ORDER BY e.created_at, e.id
"""
POLICY_SQL = "SELECT discussion_allowance_days FROM lesson_study_policy WHERE school_id = $1"


async def cycle_view(
    session: AsyncSession, viewer: Viewer, cycle: ResearchCycle, *, changed: bool = False
) -> CycleView:
    """The cycle as its members see it; ``changed``: it was just written, read it back."""
    # The statements below bypass the session, so it must have written all it holds.
    await session.flush()
    if changed:
        await session.refresh(cycle)
    return await assemble(await driver_connection(session), viewer, cycle)


async def assemble(connection: Any, viewer: Viewer, cycle: ResearchCycle) -> CycleView:
    """Read the cycle's content on an asyncpg connection and build the view."""
    school_id = viewer.group.school_id
    pupils = await connection.fetch(PUPILS_SQL, viewer.group.id)
    codes = [p["code"] for p in pupils]
    version = await connection.fetchrow(PLAN_SQL, cycle.id, cycle.plan_version)
    assert version is not None, "every cycle has its first plan version"
    commitments = [
        Commitment(**dict(c))
        for c in await connection.fetch(COMMITMENTS_SQL, school_id, cycle.id, booking.PURPOSE)
    ]
    covers = [
        CoverRequest(**dict(c)) for c in await connection.fetch(COVERS_SQL, school_id, cycle.id)
    ]
    lesson = booking.lesson_slot(commitments)
    timetable = None
    if cycle.teacher_id is not None and lesson is not None:
        rows = await connection.fetch(
            LESSON_SQL, school_id, cycle.teacher_id, lesson.day, lesson.period
        )
        timetable = booking.lesson_at_rows(rows)
    sheets = observations.sheet_views(
        viewer,
        cycle,
        {p["id"]: p["code"] for p in pupils},
        {s["observer_id"]: s["submitted_at"] for s in await connection.fetch(SHEETS_SQL, cycle.id)},
        [tuple(n) for n in await connection.fetch(NOTES_SQL, cycle.id)],
    )
    interviews = [InterviewView(*i) for i in await connection.fetch(INTERVIEWS_SQL, cycle.id)]
    entries = [
        EntryView(e[0], Step(e[1]), e[2], e[3], e[4], e[5], viewer.name_of(e[5]), e[6])
        for e in await connection.fetch(ENTRIES_SQL, cycle.id)
    ]
    allowance = await connection.fetchval(POLICY_SQL, school_id)
    stage = Stage(cycle.stage)
    return CycleView(
        id=cycle.id,
        group_id=cycle.group_id,
        number=cycle.number,
        stage=stage,
        stage_changed_at=cycle.stage_changed_at,
        moves=list(MOVES[stage]),
        teacher_id=cycle.teacher_id,
        class_code=cycle.class_code,
        knowledgeable_other_attends=cycle.ko_attends,
        observer_ids=viewer.observers(cycle),
        lesson_date=cycle.lesson_date,
        lesson_period=cycle.lesson_period,
        lesson_ends_at=cycle.lesson_ends_at,
        taught_at=cycle.taught_at,
        override_reason=cycle.override_reason,
        closed_at=cycle.closed_at,
        booking=booking.judge(viewer, cycle, commitments, covers, timetable),
        plan=plans.view(PlanVersion(**dict(version)), codes),
        observations=sheets,
        interviews=interviews,
        debrief=debrief.view(
            viewer,
            cycle,
            entries,
            codes,
            policy.DEFAULT_DISCUSSION_ALLOWANCE_DAYS if allowance is None else int(allowance),
        ),
        created_at=cycle.created_at,
        updated_at=cycle.updated_at,
    )


async def read_cycle(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> CycleView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    return await cycle_view(session, viewer, cycle)
