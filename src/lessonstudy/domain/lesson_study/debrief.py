"""The post-lesson discussion as a structured record, in protocol order.

Who speaks at each step: the observers give the evidence about each case
pupil; the teaching member reflects; any member says what the group learned
and what changes; the knowledgeable other has the last word (a member types
it in when they are from outside and have no login). The order itself is the
rule in ``protocol``. The discussion should be held while the lesson is
fresh: the date it was held is recorded and flagged when it is later than
the school's policy allows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.lesson_study import plans, policy, protocol
from lessonstudy.domain.lesson_study.access import Viewer, cycle_viewer
from lessonstudy.domain.lesson_study.protocol import Said, Step
from lessonstudy.domain.lesson_study.pupils import pupils_of
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import CasePupil, DebriefEntry, ResearchCycle
from lessonstudy.domain.school_time import school_today
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, Forbidden, RuleBroken


@dataclass(frozen=True, slots=True)
class EntryView:
    id: uuid.UUID
    step: Step
    pupil: str | None
    plan_stage: int | None
    body: str
    author_id: uuid.UUID | None
    author_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DebriefView:
    held_on: date | None
    days_after_lesson: int | None
    allowance_days: int
    late: bool
    """Held later after the lesson than the school's policy allows."""
    current_step: Step | None
    still_needed: list[str]
    """What the discussion lacks before the cycle can close."""
    entries: list[EntryView]


def has_final_comments(viewer: Viewer, cycle: ResearchCycle) -> bool:
    """An outside knowledgeable other always speaks last; one on the staff when they attend."""
    group = viewer.group
    return group.ko_name is not None or (group.ko_staff_id is not None and cycle.ko_attends)


def days_after(lesson: date | None, held_on: date | None) -> int | None:
    if lesson is None or held_on is None:
        return None
    return (held_on - lesson).days


async def entries_of(
    session: AsyncSession, viewer: Viewer, cycle: ResearchCycle
) -> list[EntryView]:
    rows = await session.execute(
        select(DebriefEntry, CasePupil.code)
        .outerjoin(CasePupil, CasePupil.id == DebriefEntry.pupil_id)
        .where(DebriefEntry.cycle_id == cycle.id)
        .order_by(DebriefEntry.created_at, DebriefEntry.id)
    )
    return [
        EntryView(
            e.id,
            Step(e.step),
            code,
            e.plan_stage,
            e.body,
            e.author_id,
            viewer.name_of(e.author_id),
            e.created_at,
        )
        for e, code in rows.all()
    ]


def _said(entries: list[EntryView]) -> list[Said]:
    return [Said(e.step, e.pupil) for e in entries]


def view(
    viewer: Viewer,
    cycle: ResearchCycle,
    entries: list[EntryView],
    pupil_codes: list[str],
    allowance: int,
) -> DebriefView:
    days = days_after(cycle.lesson_date, cycle.discussion_held_on)
    return DebriefView(
        held_on=cycle.discussion_held_on,
        days_after_lesson=days,
        allowance_days=allowance,
        late=days is not None and days > allowance,
        current_step=protocol.current_step(_said(entries)),
        still_needed=protocol.unfinished(
            _said(entries),
            pupil_codes,
            has_knowledgeable_other=has_final_comments(viewer, cycle),
        ),
        entries=entries,
    )


async def _view(session: AsyncSession, viewer: Viewer, cycle: ResearchCycle) -> DebriefView:
    codes = [p.code for p in await pupils_of(session, viewer.group.id)]
    allowance = await policy.allowance_days(session, viewer.group.school_id)
    return view(viewer, cycle, await entries_of(session, viewer, cycle), codes, allowance)


async def get_debrief(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> DebriefView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    return await _view(session, viewer, cycle)


def _may_speak(viewer: Viewer, cycle: ResearchCycle, step: Step) -> None:
    me = viewer.staff_id
    if step is Step.EVIDENCE and me not in viewer.observers(cycle):
        raise Forbidden("the evidence about each case pupil comes from the lesson's observers")
    if step is Step.REFLECTION and me != cycle.teacher_id:
        raise Forbidden("the reflection is the teaching member's")
    if step in (Step.LEARNING, Step.CHANGES) and not viewer.is_member:
        raise Forbidden("the group's members record what it learned and what changes")
    if step is Step.FINAL_COMMENTS:
        if viewer.group.ko_staff_id is not None and me != viewer.group.ko_staff_id:
            raise Forbidden("the final comments are the knowledgeable other's")
        if viewer.group.ko_name is not None and not viewer.is_member:
            raise Forbidden("a member records the outside knowledgeable other's comments")


async def add_entry(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    step: Step,
    pupil: str | None,
    plan_stage: int | None,
    body: str,
    now: datetime,
) -> EntryView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    if cycle.stage != Stage.DEBRIEF:
        raise Conflict(
            f"the discussion is recorded in the debrief stage (the cycle is in {cycle.stage})",
            unmet=[] if cycle.stage == Stage.CLOSED else ["move the cycle to debrief first"],
        )
    _may_speak(viewer, cycle, step)
    pupils = {p.code: p.id for p in await pupils_of(session, viewer.group.id)}
    if step is Step.EVIDENCE:
        viewer.require_pupil_data()
        if pupil is None or pupil not in pupils:
            raise RuleBroken(
                "evidence is about one of the case pupils",
                errors=[{"field": "pupil", "message": "name one of the group's pupils"}],
            )
    elif pupil is not None:
        raise RuleBroken(
            "only evidence names a case pupil",
            errors=[{"field": "pupil", "message": "leave out at this step"}],
        )
    if plan_stage is not None:
        stages = len(plans.from_json((await plans.latest(session, cycle)).content).stages)
        if not 1 <= plan_stage <= stages:
            raise RuleBroken(
                f"the plan has {stages} stages",
                errors=[{"field": "plan_stage", "message": f"1 to {stages}"}],
            )
    entries = await entries_of(session, viewer, cycle)
    refused = protocol.refusals(
        step,
        _said(entries),
        list(pupils),
        has_knowledgeable_other=has_final_comments(viewer, cycle),
    )
    if refused:
        raise Conflict("that is out of order in the discussion protocol", unmet=refused)
    entry = DebriefEntry(
        cycle_id=cycle.id,
        step=int(step),
        author_id=viewer.staff_id,
        pupil_id=pupils[pupil] if pupil is not None else None,
        plan_stage=plan_stage,
        body=body,
    )
    session.add(entry)
    if cycle.discussion_held_on is None:
        cycle.discussion_held_on = await _booked_discussion(session, cycle) or school_today(
            viewer.time_zone, now
        )
    await session.flush()
    await session.refresh(entry)
    return EntryView(
        entry.id,
        step,
        pupil,
        plan_stage,
        body,
        entry.author_id,
        viewer.name_of(entry.author_id),
        entry.created_at,
    )


async def _booked_discussion(session: AsyncSession, cycle: ResearchCycle) -> date | None:
    found: date | None = await session.scalar(
        select(func.min(Commitment.day)).where(
            Commitment.purpose_id == cycle.id, Commitment.kind == CommitmentKind.DISCUSSING
        )
    )
    return found


async def set_held_on(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    held_on: date,
    *,
    now: datetime,
) -> DebriefView:
    """Correct the date the discussion was held."""
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    viewer.require_member("record when the discussion was held")
    if cycle.stage != Stage.DEBRIEF:
        raise Conflict(f"the discussion date is set in the debrief stage (it is in {cycle.stage})")
    if cycle.lesson_date is not None and held_on < cycle.lesson_date:
        raise RuleBroken(
            f"the discussion follows the lesson on {cycle.lesson_date}",
            errors=[{"field": "held_on", "message": "before the lesson"}],
        )
    if held_on > school_today(viewer.time_zone, now):
        raise RuleBroken(
            "record the discussion once it has been held",
            errors=[{"field": "held_on", "message": "in the future"}],
        )
    cycle.discussion_held_on = held_on
    await session.flush()
    return await _view(session, viewer, cycle)


async def agreed_changes(session: AsyncSession, cycle: ResearchCycle) -> list[str]:
    """The changes the group agreed for the next research lesson, in the order said."""
    return list(
        (
            await session.scalars(
                select(DebriefEntry.body)
                .where(DebriefEntry.cycle_id == cycle.id, DebriefEntry.step == int(Step.CHANGES))
                .order_by(DebriefEntry.created_at, DebriefEntry.id)
            )
        ).all()
    )


async def still_needed(session: AsyncSession, viewer: Viewer, cycle: ResearchCycle) -> list[str]:
    return (await _view(session, viewer, cycle)).still_needed
