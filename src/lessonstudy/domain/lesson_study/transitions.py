"""Moving a cycle from one stage to the next: the one place a cycle changes stage.

The facts are gathered from the records (the plan, the booking's
commitments, the observation sheets, the discussion), the state machine in
``stages`` decides, and the move is applied with what it freezes (the
lesson's date and period, the fidelity figures of the stage that ended) and
an audit entry. A refused move is a 409 listing everything that is missing.
Events about stage changes (webhooks, feeds) belong here, after the audit.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study import (
    audit,
    booking,
    debrief,
    observations,
    plans,
    reading,
    stages,
)
from lessonstudy.domain.lesson_study.access import Viewer, cycle_viewer
from lessonstudy.domain.lesson_study.booking import BookingView
from lessonstudy.domain.lesson_study.pupils import pupils_of
from lessonstudy.domain.lesson_study.reading import CycleView
from lessonstudy.domain.lesson_study.stages import MOVES, Decision, Facts, Stage
from lessonstudy.domain.lesson_study.tables import ResearchCycle
from lessonstudy.domain.tokens import Principal
from lessonstudy.domain.webhooks import EventType, emit
from lessonstudy.errors import Conflict


async def move(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    target: Stage,
    *,
    reason: str | None,
    now: datetime,
) -> CycleView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    viewer.require_member("move the cycle on")
    stage = Stage(cycle.stage)
    facts = Facts(stage=stage, by_teacher=viewer.staff_id == cycle.teacher_id, reason=reason)
    found_booking: BookingView | None = None
    if target in MOVES[stage]:
        facts, found_booking = await _gather(session, viewer, cycle, facts, target, now)
    decision = stages.decide(facts, target)
    if not decision.allowed:
        raise Conflict(
            f"the cycle cannot move from {stage} to {target}: " + "; ".join(decision.unmet[:3]),
            unmet=list(decision.unmet),
        )
    await _apply(session, viewer, cycle, target, decision, found_booking, reason, now)
    cycle.stage = target
    cycle.stage_changed_at = now
    audit.record(
        session,
        school_id=cycle.school_id,
        group_id=cycle.group_id,
        cycle_id=cycle.id,
        actor_id=viewer.staff_id,
        action=audit.Action.OVERRIDE if decision.override else audit.Action.TRANSITION,
        from_stage=stage,
        to_stage=target,
        reason=reason,
    )
    # Ids, stages and the lesson's slot only: cycle content never leaves the school.
    await emit(
        session,
        cycle.school_id,
        EventType.CYCLE_STAGE_CHANGED,
        {
            "cycle_id": cycle.id,
            "group_id": cycle.group_id,
            "from": stage,
            "to": target,
            "override": decision.override,
            "lesson_date": cycle.lesson_date,
            "lesson_period": cycle.lesson_period,
        },
    )
    return await reading.cycle_view(session, viewer, cycle, changed=True)


async def _gather(
    session: AsyncSession,
    viewer: Viewer,
    cycle: ResearchCycle,
    facts: Facts,
    target: Stage,
    now: datetime,
) -> tuple[Facts, BookingView | None]:
    """The facts one move needs, and no more."""
    stage, by_teacher, reason = facts.stage, facts.by_teacher, facts.reason
    if target is Stage.TEACH:
        codes = [p.code for p in await pupils_of(session, viewer.group.id)]
        content = plans.from_json((await plans.latest(session, cycle)).content)
        found = await booking.assess(session, viewer, cycle)
        gaps = plans.plan_gaps(content, codes, has_teacher=cycle.teacher_id is not None)
        return Facts(
            stage=stage,
            by_teacher=by_teacher,
            reason=reason,
            plan_gaps=gaps,
            booking_gaps=tuple(found.gaps),
        ), found
    if target is Stage.OBSERVE:
        ends = cycle.lesson_ends_at
        return Facts(
            stage=stage,
            by_teacher=by_teacher,
            reason=reason,
            lesson_over=ends is None or now >= ends,
            lesson_ends=ends.isoformat() if ends else None,
        ), None
    if target is Stage.DEBRIEF:
        pending = await observations.pending_observers(session, viewer, cycle)
        return Facts(
            stage=stage,
            by_teacher=by_teacher,
            reason=reason,
            observers_pending=tuple(viewer.name_of(p) for p in pending),
        ), None
    if target is Stage.CLOSED:
        return Facts(
            stage=stage,
            by_teacher=by_teacher,
            reason=reason,
            debrief_gaps=tuple(await debrief.still_needed(session, viewer, cycle)),
        ), None
    return facts, None


async def _apply(
    session: AsyncSession,
    viewer: Viewer,
    cycle: ResearchCycle,
    target: Stage,
    decision: Decision,
    found_booking: BookingView | None,
    reason: str | None,
    now: datetime,
) -> None:
    """What each move freezes or releases."""
    if target is Stage.TEACH:
        assert found_booking is not None
        assert found_booking.lesson is not None
        cycle.lesson_date = found_booking.lesson.day
        cycle.lesson_period = found_booking.lesson.period
        cycle.lesson_ends_at = found_booking.lesson_ends_at
        codes = [p.code for p in await pupils_of(session, viewer.group.id)]
        content = plans.from_json((await plans.latest(session, cycle)).content)
        cycle.predictions_made, cycle.predictions_expected = plans.prediction_counts(content, codes)
    elif target is Stage.PLAN:
        await booking.release(session, viewer, cycle)
        cycle.lesson_date = cycle.lesson_period = cycle.lesson_ends_at = None
        cycle.predictions_made = cycle.predictions_expected = None
    elif target is Stage.OBSERVE:
        cycle.taught_at = now
    elif target is Stage.DEBRIEF:
        observers = viewer.observers(cycle)
        pending = await observations.pending_observers(session, viewer, cycle)
        cycle.observers_expected = len(observers)
        cycle.observers_submitted = len(observers) - len(pending)
        found = await observations.interviews(session, viewer, cycle)
        cycle.interviews_done = observations.interviews_done(found)
        cycle.interviews_expected = len(await pupils_of(session, viewer.group.id))
        if decision.override:
            cycle.override_reason = reason
    elif target is Stage.CLOSED:
        cycle.closed_at = now
