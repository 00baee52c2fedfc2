"""Study groups: the triad, its research focus and focus class, and its knowledgeable other.

Any teacher may form a group that includes themselves; a CPD lead (or an
admin) may form any group. Members are 2 to 4 active teachers of the school.
A knowledgeable other is optional: a member of staff (who then reads the
group's work) or an outside person with a name and an email and no login.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from msgspec import UNSET, UnsetType
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study import audit
from lessonstudy.domain.lesson_study.access import OVERSEERS, group_viewer
from lessonstudy.domain.lesson_study.outlines import GroupSummary, summaries
from lessonstudy.domain.lesson_study.pupils import DEFAULT_CODES, check_pupils
from lessonstudy.domain.lesson_study.stages import IN_PROGRESS, Stage
from lessonstudy.domain.lesson_study.tables import (
    CasePupil,
    ResearchCycle,
    StudyGroup,
    StudyGroupMember,
)
from lessonstudy.domain.school_time import school_today
from lessonstudy.domain.schools import get_school
from lessonstudy.domain.staff import Role, Staff
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, RuleBroken

MIN_MEMBERS, MAX_MEMBERS = 2, 4
DEFAULT_PLANNED_CYCLES = 3
_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, kw_only=True)
class KnowledgeableOther:
    """Either ``staff_id``, or ``name`` and ``email`` for someone from outside."""

    staff_id: uuid.UUID | None = None
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class GroupFields:
    research_focus: str
    focus_class: str
    academic_year: str
    member_ids: Sequence[uuid.UUID]
    planned_cycles: int = DEFAULT_PLANNED_CYCLES
    knowledgeable_other: KnowledgeableOther | None = None
    pupils: Sequence[tuple[str, str | None]] | None = None
    """(code, profile) of each case pupil; None: pupils A, B and C, profiles to come."""
    retention_date: date | None = None
    """None: the end of the academic year (31 August)."""


@dataclass(frozen=True, kw_only=True)
class GroupChanges:
    research_focus: str | UnsetType = UNSET
    focus_class: str | UnsetType = UNSET
    academic_year: str | UnsetType = UNSET
    member_ids: Sequence[uuid.UUID] | UnsetType = UNSET
    planned_cycles: int | UnsetType = UNSET
    knowledgeable_other: KnowledgeableOther | UnsetType | None = UNSET
    retention_date: date | UnsetType = UNSET


def _first_year(academic_year: str) -> int:
    found = _YEAR.match(academic_year)
    if (
        found is None
        or (int(found.group(1)) + 1) % 100 != int(found.group(2))
        or not 2000 <= int(found.group(1)) <= 2100
    ):
        raise RuleBroken(
            f"{academic_year!r} is not an academic year such as '2026-27'",
            errors=[{"field": "academic_year", "message": "write it as '2026-27'"}],
        )
    return int(found.group(1))


def _check_retention(retention: date, today: date, first_year: int) -> None:
    if retention < today:
        raise RuleBroken(
            "the retention date is in the past; pupil data would be erased at once",
            errors=[{"field": "retention_date", "message": "must not be in the past"}],
        )
    if retention.year > first_year + 7:
        raise RuleBroken(
            "keep pupil data at most a few years after the academic year",
            errors=[{"field": "retention_date", "message": "too far ahead"}],
        )


async def _check_people(
    session: AsyncSession,
    school_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    other: KnowledgeableOther | None,
) -> None:
    """Members are 2 to 4 distinct active teachers; a staff knowledgeable other is not one."""
    problems: list[dict[str, str]] = []
    if len(set(member_ids)) != len(member_ids):
        problems.append({"field": "member_ids", "message": "a person is listed twice"})
    if not MIN_MEMBERS <= len(set(member_ids)) <= MAX_MEMBERS:
        problems.append(
            {"field": "member_ids", "message": f"a group has {MIN_MEMBERS} to {MAX_MEMBERS}"}
        )
    wanted = set(member_ids)
    if other is not None and other.staff_id is not None:
        wanted.add(other.staff_id)
    found = {
        s.id: s
        for s in await session.scalars(
            select(Staff).where(Staff.school_id == school_id, Staff.id.in_(wanted))
        )
    }
    for n, staff_id in enumerate(member_ids):
        person = found.get(staff_id)
        if person is None:
            problems.append({"field": f"member_ids[{n}]", "message": "no such member of staff"})
        elif not person.active:
            problems.append({"field": f"member_ids[{n}]", "message": f"{person.name} has left"})
        elif Role.TEACHER not in person.roles:
            problems.append(
                {"field": f"member_ids[{n}]", "message": f"{person.name} is not a teacher"}
            )
    if other is not None:
        problems += _check_other(other, found, member_ids)
    if problems:
        raise RuleBroken(
            "the group's people are not valid: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems),
            errors=problems,
        )


def _check_other(
    other: KnowledgeableOther, found: dict[uuid.UUID, Staff], member_ids: Sequence[uuid.UUID]
) -> list[dict[str, str]]:
    field_name = "knowledgeable_other"
    if other.staff_id is not None:
        if other.name is not None or other.email is not None:
            return [
                {"field": field_name, "message": "give a staff_id, or a name and email, not both"}
            ]
        person = found.get(other.staff_id)
        if person is None:
            return [{"field": f"{field_name}.staff_id", "message": "no such member of staff"}]
        if not person.active:
            return [{"field": f"{field_name}.staff_id", "message": f"{person.name} has left"}]
        if other.staff_id in member_ids:
            return [{"field": f"{field_name}.staff_id", "message": "is already a member"}]
        return []
    if other.name is None or other.email is None:
        return [
            {
                "field": field_name,
                "message": "give a staff_id, or both a name and an email for someone from outside",
            }
        ]
    return []


def _set_other(group: StudyGroup, other: KnowledgeableOther | None) -> None:
    group.ko_staff_id = other.staff_id if other else None
    group.ko_name = other.name.strip() if other and other.name else None
    group.ko_email = other.email.strip().lower() if other and other.email else None


async def create_group(
    session: AsyncSession, principal: Principal, fields: GroupFields, *, now: datetime
) -> GroupSummary:
    assert principal.staff_id is not None
    if not principal.roles & OVERSEERS and principal.staff_id not in fields.member_ids:
        raise RuleBroken(
            "a teacher may form a group they belong to; a CPD lead may form any group",
            errors=[{"field": "member_ids", "message": "include yourself"}],
        )
    first_year = _first_year(fields.academic_year)
    school = await get_school(session, principal.school_id)
    await _check_people(session, principal.school_id, fields.member_ids, fields.knowledgeable_other)
    pupils = (
        list(fields.pupils) if fields.pupils is not None else [(c, None) for c in DEFAULT_CODES]
    )
    check_pupils([code for code, _ in pupils])
    retention = fields.retention_date or date(first_year + 1, 8, 31)
    _check_retention(retention, school_today(school.time_zone, now), first_year)
    group = StudyGroup(
        school_id=principal.school_id,
        research_focus=fields.research_focus.strip(),
        focus_class=fields.focus_class.strip(),
        academic_year=fields.academic_year,
        planned_cycles=fields.planned_cycles,
        retention_date=retention,
        created_by=principal.staff_id,
    )
    _set_other(group, fields.knowledgeable_other)
    session.add(group)
    await session.flush()
    session.add_all(
        StudyGroupMember(group_id=group.id, staff_id=staff_id, position=n)
        for n, staff_id in enumerate(fields.member_ids)
    )
    session.add_all(
        CasePupil(group_id=group.id, code=code, profile=profile) for code, profile in pupils
    )
    audit.record(
        session,
        school_id=group.school_id,
        group_id=group.id,
        actor_id=principal.staff_id,
        action=audit.Action.GROUP_CREATED,
    )
    await session.flush()
    await session.refresh(group)
    [summary] = await summaries(session, [group], principal)
    return summary


async def update_group(
    session: AsyncSession,
    principal: Principal,
    group_id: uuid.UUID,
    changes: GroupChanges,
    *,
    now: datetime,
) -> GroupSummary:
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_member("change the group")
    group = viewer.group
    first_year = _first_year(
        group.academic_year
        if isinstance(changes.academic_year, UnsetType)
        else changes.academic_year
    )
    people_change = not isinstance(changes.member_ids, UnsetType) or not isinstance(
        changes.knowledgeable_other, UnsetType
    )
    cycles = list(
        await session.scalars(select(ResearchCycle).where(ResearchCycle.group_id == group.id))
    )
    if people_change and any(Stage(c.stage) in IN_PROGRESS for c in cycles):
        raise Conflict(
            "the group's people cannot change while a research lesson is under way",
            unmet=["close the current cycle (or postpone its lesson) first"],
        )
    member_ids = (
        list(viewer.member_ids)
        if isinstance(changes.member_ids, UnsetType)
        else list(changes.member_ids)
    )
    other = (
        _current_other(group)
        if isinstance(changes.knowledgeable_other, UnsetType)
        else changes.knowledgeable_other
    )
    if people_change:
        await _check_people(session, group.school_id, member_ids, other)
    if not isinstance(changes.planned_cycles, UnsetType) and changes.planned_cycles < len(cycles):
        raise RuleBroken(
            f"the group has already run {len(cycles)} cycle(s)",
            errors=[{"field": "planned_cycles", "message": f"at least {len(cycles)}"}],
        )
    if not isinstance(changes.retention_date, UnsetType):
        _check_retention(changes.retention_date, school_today(viewer.time_zone, now), first_year)
        group.retention_date = changes.retention_date
    if not isinstance(changes.research_focus, UnsetType):
        group.research_focus = changes.research_focus.strip()
    if not isinstance(changes.focus_class, UnsetType):
        group.focus_class = changes.focus_class.strip()
    if not isinstance(changes.academic_year, UnsetType):
        group.academic_year = changes.academic_year
    if not isinstance(changes.planned_cycles, UnsetType):
        group.planned_cycles = changes.planned_cycles
    if not isinstance(changes.knowledgeable_other, UnsetType):
        _set_other(group, other)
        if other is None or other.staff_id is None:
            await session.execute(
                update(ResearchCycle)
                .where(ResearchCycle.group_id == group.id, ResearchCycle.stage == Stage.PLAN)
                .values(ko_attends=False)
            )
    if not isinstance(changes.member_ids, UnsetType):
        await _replace_members(session, principal, group, member_ids)
    await session.flush()
    await session.refresh(group)
    [summary] = await summaries(session, [group], principal)
    return summary


def _current_other(group: StudyGroup) -> KnowledgeableOther | None:
    if group.ko_staff_id is not None:
        return KnowledgeableOther(staff_id=group.ko_staff_id)
    if group.ko_name is not None:
        return KnowledgeableOther(name=group.ko_name, email=group.ko_email)
    return None


async def _replace_members(
    session: AsyncSession, principal: Principal, group: StudyGroup, member_ids: list[uuid.UUID]
) -> None:
    await session.execute(delete(StudyGroupMember).where(StudyGroupMember.group_id == group.id))
    session.add_all(
        StudyGroupMember(group_id=group.id, staff_id=staff_id, position=n)
        for n, staff_id in enumerate(member_ids)
    )
    # A cycle still being planned loses a teaching member who has left the group.
    await session.execute(
        update(ResearchCycle)
        .where(
            ResearchCycle.group_id == group.id,
            ResearchCycle.stage == Stage.PLAN,
            ResearchCycle.teacher_id.not_in(member_ids),
        )
        .values(teacher_id=None)
    )
    audit.record(
        session,
        school_id=group.school_id,
        group_id=group.id,
        actor_id=principal.staff_id,
        action=audit.Action.MEMBERS_CHANGED,
    )
