"""Starting a research-lesson cycle, and settling who teaches it to which class.

A group runs one cycle at a time, up to the number it planned. The first
cycle starts from an empty plan; each later one starts from a copy of the
last plan, with the changes the group agreed at the last discussion listed
for the new plan to answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from msgspec import UNSET, UnsetType
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study import audit, debrief, plans, reading
from lessonstudy.domain.lesson_study.access import Viewer, cycle_viewer, group_viewer
from lessonstudy.domain.lesson_study.plans import PlanContent
from lessonstudy.domain.lesson_study.reading import CycleView
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import ResearchCycle
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, RuleBroken


@dataclass(frozen=True, kw_only=True)
class CycleSettings:
    teacher_id: uuid.UUID | UnsetType | None = UNSET
    """The member who teaches the research lesson."""
    class_code: str | UnsetType = UNSET
    """The class it is taught to; the group's focus class unless said otherwise."""
    knowledgeable_other_attends: bool | UnsetType = UNSET
    """A knowledgeable other on the staff observes and discusses with the group."""


def _check_settings(viewer: Viewer, settings: CycleSettings) -> None:
    if isinstance(settings.teacher_id, uuid.UUID) and settings.teacher_id not in viewer.member_ids:
        raise RuleBroken(
            "the research lesson is taught by one of the group's members",
            errors=[{"field": "teacher_id", "message": "not a member of the group"}],
        )
    if settings.knowledgeable_other_attends is True and viewer.group.ko_staff_id is None:
        raise RuleBroken(
            "only a knowledgeable other on the staff can be booked to attend",
            errors=[{"field": "knowledgeable_other_attends", "message": "no staff member to book"}],
        )


async def start_cycle(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, settings: CycleSettings
) -> CycleView:
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_member("start a cycle")
    _check_settings(viewer, settings)
    group = viewer.group
    earlier = list(
        (
            await session.scalars(
                select(ResearchCycle)
                .where(ResearchCycle.group_id == group.id)
                .order_by(ResearchCycle.number)
                .with_for_update()
            )
        ).all()
    )
    unmet = [f"close cycle {c.number} first" for c in earlier if c.stage != Stage.CLOSED]
    if len(earlier) >= group.planned_cycles:
        unmet.append(
            f"the group planned {group.planned_cycles} cycle(s); raise planned_cycles to run more"
        )
    if unmet:
        raise Conflict("the group cannot start another cycle now", unmet=unmet)
    content = PlanContent()
    if earlier:
        last = earlier[-1]
        content = plans.copy_for_next_cycle(
            plans.from_json((await plans.latest(session, last)).content),
            await debrief.agreed_changes(session, last),
        )
    cycle = ResearchCycle(
        school_id=group.school_id,
        group_id=group.id,
        number=len(earlier) + 1,
        stage=Stage.PLAN,
        teacher_id=settings.teacher_id if isinstance(settings.teacher_id, uuid.UUID) else None,
        class_code=(
            settings.class_code if isinstance(settings.class_code, str) else group.focus_class
        ),
        ko_attends=(
            settings.knowledgeable_other_attends
            if isinstance(settings.knowledgeable_other_attends, bool)
            else group.ko_staff_id is not None
        ),
        plan_version=1,
    )
    try:
        async with session.begin_nested():
            session.add(cycle)
            await session.flush()
    except IntegrityError:
        raise Conflict("another cycle was started at the same moment") from None
    session.add(plans.first_version(cycle, content, viewer.staff_id))
    audit.record(
        session,
        school_id=group.school_id,
        group_id=group.id,
        cycle_id=cycle.id,
        actor_id=viewer.staff_id,
        action=audit.Action.CYCLE_STARTED,
    )
    return await reading.cycle_view(session, viewer, cycle, changed=True)


async def change_cycle(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, settings: CycleSettings
) -> CycleView:
    """Settle the teacher, class and attendance while the lesson is being planned."""
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    viewer.require_member("change the cycle")
    if cycle.stage != Stage.PLAN:
        raise Conflict(
            f"the teacher and class are settled once the cycle has moved on (it is in "
            f"{cycle.stage})",
            unmet=["postpone the lesson to change them"] if cycle.stage == Stage.TEACH else [],
        )
    _check_settings(viewer, settings)
    if not isinstance(settings.teacher_id, UnsetType):
        cycle.teacher_id = settings.teacher_id
    if isinstance(settings.class_code, str):
        cycle.class_code = settings.class_code
    if isinstance(settings.knowledgeable_other_attends, bool):
        cycle.ko_attends = settings.knowledgeable_other_attends
    return await reading.cycle_view(session, viewer, cycle, changed=True)
