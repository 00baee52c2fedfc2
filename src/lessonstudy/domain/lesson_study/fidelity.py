"""Fidelity: is lesson study being done properly? The figures a CPD lead watches.

The impact of lesson study depends on its key parts being done: predictions
for every case pupil, every observer's evidence, the pupil interviews, a
discussion while the lesson is fresh, the agreed changes carried into the
next lesson, and the cycles the group planned. Each figure is live while its
stage is under way and frozen when that stage ends, so it survives the
retention job erasing the pupil data it was counted from. No content here:
only counts and dates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from lessonstudy.domain.lesson_study import plans, policy
from lessonstudy.domain.lesson_study.access import (
    OVERSEERS,
    Person,
    group_viewer,
    members_of,
)
from lessonstudy.domain.lesson_study.debrief import days_after
from lessonstudy.domain.lesson_study.protocol import Step
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import (
    CasePupil,
    DebriefEntry,
    ObservationSheet,
    PlanVersion,
    PupilInterview,
    ResearchCycle,
    StudyGroup,
)
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Forbidden
from lessonstudy.pagination import cursor_datetime, cursor_uuid, decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class CycleFidelity:
    cycle_id: uuid.UUID
    number: int
    stage: Stage
    predictions_made: int
    predictions_expected: int
    observers_submitted: int
    observers_expected: int
    interviews_done: int
    interviews_expected: int
    lesson_date: date | None
    discussion_held_on: date | None
    days_to_discussion: int | None
    discussion_late: bool
    changes_agreed_last_cycle: int | None
    """Changes agreed at the previous cycle's discussion (none for the first cycle)."""
    changes_carried_forward: int | None
    """How many of them this cycle's plan says how it makes."""
    override_reason: str | None


@dataclass(frozen=True, slots=True)
class GroupFidelity:
    group_id: uuid.UUID
    research_focus: str
    focus_class: str
    academic_year: str
    members: list[Person]
    planned_cycles: int
    cycles_closed: int
    cycles: list[CycleFidelity]


async def _cycle_figures(
    session: AsyncSession,
    groups: Sequence[StudyGroup],
    members: dict[uuid.UUID, list[Person]],
    allowance: int,
) -> dict[uuid.UUID, list[CycleFidelity]]:
    """Every cycle's figures for many groups, in one query per table."""
    group_ids = [g.id for g in groups]
    cycles = list(
        (
            await session.scalars(
                select(ResearchCycle)
                .where(ResearchCycle.group_id.in_(group_ids))
                .order_by(ResearchCycle.group_id, ResearchCycle.number)
            )
        ).all()
    )
    cycle_ids = [c.id for c in cycles]
    codes: dict[uuid.UUID, list[str]] = {}
    for group_id, code in (
        await session.execute(
            select(CasePupil.group_id, CasePupil.code).where(CasePupil.group_id.in_(group_ids))
        )
    ).all():
        codes.setdefault(group_id, []).append(code)
    contents = (
        {
            cycle_id: plans.from_json(content)
            for cycle_id, content in (
                await session.execute(
                    select(PlanVersion.cycle_id, PlanVersion.content).where(
                        tuple_(PlanVersion.cycle_id, PlanVersion.version).in_(
                            [(c.id, c.plan_version) for c in cycles]
                        )
                    )
                )
            ).all()
        }
        if cycles
        else {}
    )
    submitted = await _counts(
        session,
        ObservationSheet.cycle_id,
        cycle_ids,
        ObservationSheet.submitted_at.is_not(None),
    )
    interviewed = await _counts(
        session,
        PupilInterview.cycle_id,
        cycle_ids,
        PupilInterview.consent & PupilInterview.notes.is_not(None),
    )
    changes = await _counts(
        session, DebriefEntry.cycle_id, cycle_ids, DebriefEntry.step == int(Step.CHANGES)
    )
    by_group = {g.id: g for g in groups}
    found: dict[uuid.UUID, list[CycleFidelity]] = {}
    previous: ResearchCycle | None = None
    for cycle in cycles:
        group = by_group[cycle.group_id]
        group_codes = codes.get(group.id, [])
        content = contents.get(cycle.id, plans.PlanContent())
        made, expected = plans.prediction_counts(content, group_codes)
        observers = [
            m.staff_id for m in members.get(group.id, []) if m.staff_id != cycle.teacher_id
        ]
        if cycle.ko_attends and group.ko_staff_id is not None:
            observers.append(group.ko_staff_id)
        days = days_after(cycle.lesson_date, cycle.discussion_held_on)
        earlier = previous if previous is not None and previous.group_id == group.id else None
        found.setdefault(group.id, []).append(
            CycleFidelity(
                cycle_id=cycle.id,
                number=cycle.number,
                stage=Stage(cycle.stage),
                predictions_made=_frozen(cycle.predictions_made, made),
                predictions_expected=_frozen(cycle.predictions_expected, expected),
                observers_submitted=_frozen(cycle.observers_submitted, submitted.get(cycle.id, 0)),
                observers_expected=_frozen(cycle.observers_expected, len(observers)),
                interviews_done=_frozen(cycle.interviews_done, interviewed.get(cycle.id, 0)),
                interviews_expected=_frozen(cycle.interviews_expected, len(group_codes)),
                lesson_date=cycle.lesson_date,
                discussion_held_on=cycle.discussion_held_on,
                days_to_discussion=days,
                discussion_late=days is not None and days > allowance,
                changes_agreed_last_cycle=changes.get(earlier.id, 0) if earlier else None,
                changes_carried_forward=plans.carried_counts(content) if earlier else None,
                override_reason=cycle.override_reason,
            )
        )
        previous = cycle
    return found


def _frozen(frozen: int | None, live: int) -> int:
    return live if frozen is None else frozen


async def _counts(
    session: AsyncSession,
    column: InstrumentedAttribute[uuid.UUID],
    cycle_ids: list[uuid.UUID],
    condition: ColumnElement[bool],
) -> dict[uuid.UUID, int]:
    """How many rows of a table meet a condition, per cycle."""
    if not cycle_ids:
        return {}
    rows = await session.execute(
        select(column, func.count()).where(column.in_(cycle_ids), condition).group_by(column)
    )
    return {cycle_id: int(n) for cycle_id, n in rows.all()}


async def _figures(session: AsyncSession, groups: Sequence[StudyGroup]) -> list[GroupFidelity]:
    if not groups:
        return []
    allowance = await policy.allowance_days(session, groups[0].school_id)
    members = await members_of(session, [g.id for g in groups])
    cycles = await _cycle_figures(session, groups, members, allowance)
    return [
        GroupFidelity(
            group_id=g.id,
            research_focus=g.research_focus,
            focus_class=g.focus_class,
            academic_year=g.academic_year,
            members=members.get(g.id, []),
            planned_cycles=g.planned_cycles,
            cycles_closed=sum(1 for c in cycles.get(g.id, []) if c.stage is Stage.CLOSED),
            cycles=cycles.get(g.id, []),
        )
        for g in groups
    ]


async def group_fidelity(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID
) -> GroupFidelity:
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_progress()
    [found] = await _figures(session, [viewer.group])
    return found


async def school_fidelity(
    session: AsyncSession,
    principal: Principal,
    *,
    academic_year: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[GroupFidelity], str | None]:
    """Every group of the school with its figures, newest first: for CPD leads and admins."""
    if not principal.roles & OVERSEERS:
        raise Forbidden("fidelity across the school is for CPD leads and admins")
    statement = select(StudyGroup).where(StudyGroup.school_id == principal.school_id)
    if academic_year is not None:
        statement = statement.where(StudyGroup.academic_year == academic_year)
    if cursor is not None:
        created, last_id = decode_cursor("fidelity", cursor, 2)
        statement = statement.where(
            tuple_(StudyGroup.created_at, StudyGroup.id)
            < tuple_(cursor_datetime(created), cursor_uuid(last_id))
        )
    groups = list(
        (
            await session.scalars(
                statement.order_by(StudyGroup.created_at.desc(), StudyGroup.id.desc()).limit(
                    limit + 1
                )
            )
        ).all()
    )
    next_cursor = None
    if len(groups) > limit:
        groups = groups[:limit]
        next_cursor = encode_cursor(
            "fidelity", [groups[-1].created_at.isoformat(), str(groups[-1].id)]
        )
    return await _figures(session, groups), next_cursor
