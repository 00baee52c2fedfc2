"""Reading a whole cycle: the hot read of lesson study.

Everything a member's cycle page shows, in one query per table (the cycle,
its group and members, pupils, the current plan, the booking's commitments
and cover requests, observation sheets and notes, interviews, the
discussion, the school's policy), with no query per row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study import booking, debrief, observations, plans, policy
from lessonstudy.domain.lesson_study.access import Viewer, cycle_viewer
from lessonstudy.domain.lesson_study.booking import BookingView
from lessonstudy.domain.lesson_study.debrief import DebriefView
from lessonstudy.domain.lesson_study.observations import InterviewView, SheetView
from lessonstudy.domain.lesson_study.plans import PlanView
from lessonstudy.domain.lesson_study.pupils import pupils_of
from lessonstudy.domain.lesson_study.stages import MOVES, Stage
from lessonstudy.domain.lesson_study.tables import ResearchCycle
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


async def cycle_view(
    session: AsyncSession, viewer: Viewer, cycle: ResearchCycle, *, changed: bool = False
) -> CycleView:
    """The cycle as its members see it; ``changed``: it was just written, read it back."""
    if changed:
        await session.flush()
        await session.refresh(cycle)
    pupils = await pupils_of(session, viewer.group.id)
    codes = [p.code for p in pupils]
    plan = plans.view(await plans.latest(session, cycle), codes)
    found_booking = await booking.assess(session, viewer, cycle)
    sheets = await observations.sheets(session, viewer, cycle, pupils)
    interviews = await observations.interviews(session, viewer, cycle)
    entries = await debrief.entries_of(session, viewer, cycle)
    allowance = await policy.allowance_days(session, viewer.group.school_id)
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
        booking=found_booking,
        plan=plan,
        observations=sheets,
        interviews=interviews,
        debrief=debrief.view(viewer, cycle, entries, codes, allowance),
        created_at=cycle.created_at,
        updated_at=cycle.updated_at,
    )


async def read_cycle(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> CycleView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    return await cycle_view(session, viewer, cycle)
