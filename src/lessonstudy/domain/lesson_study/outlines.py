"""A study group's outline and progress: what anyone who may see the group sees.

The members, the focus, how many case pupils (never who they are) and where
each cycle stands; a CPD lead sees this for every group, other staff for
groups whose write-up is published. Outlines of a page of groups take one
query per table, never one per group.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study.access import OVERSEERS, Person, group_viewer, members_of
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import (
    CasePupil,
    ResearchCycle,
    StudyGroup,
    StudyGroupMember,
    WriteUp,
)
from lessonstudy.domain.staff import Staff
from lessonstudy.domain.tokens import Principal
from lessonstudy.pagination import cursor_datetime, cursor_uuid, decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class CycleBrief:
    id: uuid.UUID
    number: int
    stage: Stage
    teacher_id: uuid.UUID | None
    lesson_date: date | None
    lesson_period: str | None


@dataclass(frozen=True, slots=True)
class KnowledgeableOtherView:
    staff_id: uuid.UUID | None
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """A group's outline and progress: what anyone who may see the group sees."""

    id: uuid.UUID
    research_focus: str
    focus_class: str
    academic_year: str
    planned_cycles: int
    members: list[Person]
    knowledgeable_other: KnowledgeableOtherView | None
    retention_date: date
    pupil_data_erased_at: datetime | None
    case_pupils: int
    cycles: list[CycleBrief] = field(default_factory=list)
    write_up_published_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


async def get_group(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID
) -> GroupSummary:
    viewer = await group_viewer(session, principal, group_id)
    [summary] = await summaries(session, [viewer.group], principal)
    return summary


def _theirs(principal: Principal) -> ColumnElement[bool]:
    """Groups the person belongs to, as a member or as the knowledgeable other."""
    return or_(
        exists().where(
            StudyGroupMember.group_id == StudyGroup.id,
            StudyGroupMember.staff_id == principal.staff_id,
        ),
        StudyGroup.ko_staff_id == principal.staff_id,
    )


def _published() -> ColumnElement[bool]:
    return exists().where(WriteUp.group_id == StudyGroup.id, WriteUp.published_at.is_not(None))


async def list_groups(
    session: AsyncSession,
    principal: Principal,
    *,
    academic_year: str | None,
    mine: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[GroupSummary], str | None]:
    """Groups the caller may see, newest first: all for a CPD lead or admin, else their own
    and those with a published write-up."""
    statement = select(StudyGroup).where(StudyGroup.school_id == principal.school_id)
    if mine:
        statement = statement.where(_theirs(principal))
    elif not principal.roles & OVERSEERS:
        statement = statement.where(or_(_theirs(principal), _published()))
    if academic_year is not None:
        statement = statement.where(StudyGroup.academic_year == academic_year)
    if cursor is not None:
        created, last_id = decode_cursor("study-groups", cursor, 2)
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
        last = groups[-1]
        next_cursor = encode_cursor("study-groups", [last.created_at.isoformat(), str(last.id)])
    return await summaries(session, groups, principal), next_cursor


async def summaries(
    session: AsyncSession, groups: Sequence[StudyGroup], principal: Principal
) -> list[GroupSummary]:
    """Outlines of several groups in a handful of queries (one per table)."""
    ids = [g.id for g in groups]
    if not ids:
        return []
    members = await members_of(session, ids)
    cycles: dict[uuid.UUID, list[CycleBrief]] = {}
    for c in await session.scalars(
        select(ResearchCycle)
        .where(ResearchCycle.group_id.in_(ids))
        .order_by(ResearchCycle.group_id, ResearchCycle.number)
    ):
        cycles.setdefault(c.group_id, []).append(
            CycleBrief(c.id, c.number, Stage(c.stage), c.teacher_id, c.lesson_date, c.lesson_period)
        )
    pupils = dict(
        (
            await session.execute(
                select(CasePupil.group_id, func.count())
                .where(CasePupil.group_id.in_(ids))
                .group_by(CasePupil.group_id)
            )
        ).all()
    )
    published = dict(
        (
            await session.execute(
                select(WriteUp.group_id, WriteUp.published_at).where(WriteUp.group_id.in_(ids))
            )
        ).all()
    )
    ko_ids = [g.ko_staff_id for g in groups if g.ko_staff_id is not None]
    ko_names = (
        dict(
            (await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ko_ids)))).all()
        )
        if ko_ids
        else {}
    )
    found = []
    for group in groups:
        group_members = members.get(group.id, [])
        insider = principal.staff_id in {m.staff_id for m in group_members} or (
            principal.staff_id == group.ko_staff_id
        )
        other = None
        if group.ko_staff_id is not None:
            other = KnowledgeableOtherView(
                group.ko_staff_id, ko_names.get(group.ko_staff_id, ""), None
            )
        elif group.ko_name is not None:
            # An outside person's email is for the group, not for the whole school.
            other = KnowledgeableOtherView(None, group.ko_name, group.ko_email if insider else None)
        found.append(
            GroupSummary(
                id=group.id,
                research_focus=group.research_focus,
                focus_class=group.focus_class,
                academic_year=group.academic_year,
                planned_cycles=group.planned_cycles,
                members=group_members,
                knowledgeable_other=other,
                retention_date=group.retention_date,
                pupil_data_erased_at=group.pupil_data_erased_at,
                case_pupils=int(pupils.get(group.id, 0)),
                cycles=cycles.get(group.id, []),
                write_up_published_at=published.get(group.id),
                created_at=group.created_at,
                updated_at=group.updated_at,
            )
        )
    return found
