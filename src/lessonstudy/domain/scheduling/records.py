"""Scheduling requests built from the records they book: a research-lesson cycle, an observation.

The people, the class and the purpose come from the record, never from the
caller, so a member asking for slots cannot book someone the cycle does not
name; what is left to ask is the window and whether to meet afterwards. The
scheduler keeps cycles of one group apart only within a run, so a cycle's
window starts no earlier than the policy's days after the group's previous
research lesson.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study import booking as cycle_booking
from lessonstudy.domain.lesson_study.access import cycle_viewer
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import ResearchCycle
from lessonstudy.domain.peer_observation.access import is_booked, lesson_begun, participant
from lessonstudy.domain.peer_observation.models import Observation
from lessonstudy.domain.peer_observation.models import Stage as ObservationStage
from lessonstudy.domain.scheduling.policy import get_rules
from lessonstudy.domain.scheduling.requests import (
    ObservationRequest,
    PeriodRef,
    Purpose,
    RequestFor,
    ResearchLessonRequest,
)
from lessonstudy.domain.school_time import school_today
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, RuleBroken

# Without a window, a cycle looks this many days ahead from tomorrow: three school weeks.
DEFAULT_WINDOW_DAYS = 21


@dataclass(frozen=True, slots=True)
class CycleAsk:
    """What a member chooses when asking for their cycle's lesson to be scheduled."""

    first_day: date | None = None
    last_day: date | None = None
    needs_discussion: bool = True


async def cycle_request(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, ask: CycleAsk, now: datetime
) -> ResearchLessonRequest:
    """The research lesson the cycle needs: its teacher with its class, the rest watching."""
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    viewer.require_member("schedule the lesson")
    if cycle.stage != Stage.PLAN:
        again = ["postpone the lesson to schedule it again"] if cycle.stage == Stage.TEACH else []
        raise Conflict(
            f"the lesson is scheduled while the cycle is being planned (it is in {cycle.stage})",
            unmet=again,
        )
    if cycle.teacher_id is None:
        raise Conflict(
            "choose the teaching member before scheduling", unmet=["choose the teaching member"]
        )
    # Booked already: the existing booking would block its own people.
    found = await cycle_booking.assess(session, viewer, cycle)
    if found.people:
        raise Conflict(
            "the lesson is booked already; cancel the booking to schedule it again",
            unmet=["cancel the booking"],
        )
    first, last = await _cycle_window(session, cycle, ask, school_today(viewer.time_zone, now))
    ko = viewer.group.ko_staff_id if cycle.ko_attends else None
    return ResearchLessonRequest(
        id=uuid.uuid4(),
        teacher_id=cycle.teacher_id,
        class_code=cycle.class_code,
        member_ids=tuple(m for m in viewer.member_ids if m != cycle.teacher_id),
        first_day=first,
        last_day=last,
        knowledgeable_other_id=ko,
        needs_discussion=ask.needs_discussion,
        group_id=cycle.group_id,
        cycle=cycle.number,
        purpose=Purpose(RequestFor.RESEARCH_LESSON, cycle.id),
    )


async def _cycle_window(
    session: AsyncSession, cycle: ResearchCycle, ask: CycleAsk, today: date
) -> tuple[date, date]:
    """The asked window (or tomorrow for three weeks), starting after the previous lesson's gap."""
    previous = await session.scalar(
        select(ResearchCycle.lesson_date)
        .where(
            ResearchCycle.group_id == cycle.group_id,
            ResearchCycle.number < cycle.number,
            ResearchCycle.lesson_date.is_not(None),
        )
        .order_by(ResearchCycle.number.desc())
        .limit(1)
    )
    earliest = today + timedelta(days=1)
    if previous is not None:
        gap = (await get_rules(session, cycle.school_id)).min_days_between_cycles
        earliest = max(earliest, previous + timedelta(days=gap))
    first = ask.first_day or earliest
    if ask.last_day is None:
        first = max(first, earliest)
        return first, first + timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    if ask.last_day < earliest:
        spacing = (
            ""
            if previous is None
            else f" (the group's last research lesson was on {previous}, and the school "
            "keeps cycles apart)"
        )
        raise RuleBroken(
            f"the window must reach {earliest} or later{spacing}",
            errors=[{"field": "window.to", "message": f"on or after {earliest}"}],
        )
    return max(first, earliest), ask.last_day


async def observation_request(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    now: datetime,
) -> ObservationRequest:
    """The agreed observation's own lesson, for either of its two people."""
    observation, _ = await participant(session, school_id, observation_id, staff_id)
    await _check_open(session, observation, now)
    return ObservationRequest(
        id=uuid.uuid4(),
        observed_id=observation.observed_staff_id,
        observer_ids=(observation.observer_staff_id,),
        first_day=observation.day,
        last_day=observation.day,
        lesson=PeriodRef(observation.day, observation.period_code),
        class_code=observation.class_code,
        purpose=Purpose(RequestFor.OBSERVATION, observation.id),
    )


async def _check_open(session: AsyncSession, observation: Observation, now: datetime) -> None:
    if observation.stage == ObservationStage.AWAITING_CONSENT:
        raise Conflict(
            "the observed teacher has not accepted this offer yet",
            unmet=["the observed teacher accepts"],
        )
    if observation.stage != ObservationStage.AGREED:
        raise Conflict(f"this observation is {observation.stage}")
    if await is_booked(session, observation):
        raise Conflict("this observation is booked already")
    if await lesson_begun(session, observation, now):
        raise Conflict("the lesson has already begun")
