"""Who may read and do what in a study group: the privacy rule of lesson study, in one place.

- The members (2 to 4 teachers) and a knowledgeable other on the staff read
  everything the group records: pupils, plans, observations, the discussion.
- CPD leads and admins see that a group exists, its progress and fidelity and
  its audit log, never its content; once the write-up is published they read
  the write-up like everyone else.
- Other staff see nothing (404) until the write-up is published; then they see
  the group's outline and its write-up.
- Another school sees nothing (404); integrations never reach these routes.

Someone who may not see a group at all gets 404 for everything about it, so
its existence is not confirmed; the group's content (pupils, cycles and all
they hold) is 404 to everyone but its readers. Someone who can see the group
but may not do a particular thing (a CPD lead changing it, a knowledgeable
other editing the plan) gets 403.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study.tables import (
    ResearchCycle,
    StudyGroup,
    StudyGroupMember,
    WriteUp,
)
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import Role, Staff
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, Forbidden, NotFound

OVERSEERS = frozenset({Role.CPD_LEAD, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Person:
    staff_id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class Viewer:
    """A member of staff looking at one study group, and what that lets them do."""

    principal: Principal
    group: StudyGroup
    time_zone: str
    members: tuple[Person, ...]
    knowledgeable_other_name: str | None
    """The knowledgeable other's name, whether on the staff or from outside."""
    published: bool

    @property
    def staff_id(self) -> uuid.UUID:
        assert self.principal.staff_id is not None
        return self.principal.staff_id

    @property
    def member_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(m.staff_id for m in self.members)

    @property
    def is_member(self) -> bool:
        return self.staff_id in self.member_ids

    @property
    def is_knowledgeable_other(self) -> bool:
        return self.group.ko_staff_id == self.staff_id

    @property
    def is_overseer(self) -> bool:
        return bool(self.principal.roles & OVERSEERS)

    @property
    def reads_content(self) -> bool:
        return self.is_member or self.is_knowledgeable_other

    @property
    def sees_progress(self) -> bool:
        return self.reads_content or self.is_overseer

    def observers(self, cycle: ResearchCycle) -> list[uuid.UUID]:
        """Who watches the research lesson: the members but its teacher, and a knowledgeable
        other on the staff when they attend."""
        found = [m for m in self.member_ids if m != cycle.teacher_id]
        if cycle.ko_attends and self.group.ko_staff_id is not None:
            found.append(self.group.ko_staff_id)
        return found

    def attendees(self, cycle: ResearchCycle) -> list[uuid.UUID]:
        """Who takes part in the discussion: the members, and an attending staff
        knowledgeable other."""
        found = list(self.member_ids)
        if cycle.ko_attends and self.group.ko_staff_id is not None:
            found.append(self.group.ko_staff_id)
        return found

    def name_of(self, staff_id: uuid.UUID | None) -> str:
        for member in self.members:
            if member.staff_id == staff_id:
                return member.name
        if staff_id is not None and staff_id == self.group.ko_staff_id:
            return self.knowledgeable_other_name or "the knowledgeable other"
        return "someone who has left the group"

    def require_content(self) -> None:
        if not self.reads_content:
            raise NotFound("no study group or cycle with that id that you can read")

    def require_progress(self) -> None:
        if not self.sees_progress:
            raise NotFound("no study group with that id that you can read")

    def require_member(self, doing: str) -> None:
        """Members only; others who can see the group know it exists, so they get 403."""
        if not self.is_member:
            raise Forbidden(f"only the group's members {doing}")

    def require_pupil_data(self) -> None:
        erased = self.group.pupil_data_erased_at
        if erased is not None:
            raise Conflict(
                f"the group's pupil data was erased on {erased.date()} under its retention "
                "date; pupil records can no longer be added"
            )


def _published() -> Any:
    return (
        exists()
        .where(WriteUp.group_id == StudyGroup.id, WriteUp.published_at.is_not(None))
        .label("published")
    )


async def group_viewer(session: AsyncSession, principal: Principal, group_id: uuid.UUID) -> Viewer:
    """The caller's view of a group; 404 if they may not see it at all."""
    if principal.staff_id is None:
        raise Forbidden("lesson study is for members of staff, not integrations")
    row = (
        await session.execute(
            select(StudyGroup, School.time_zone, Staff.name, _published())
            .join(School, School.id == StudyGroup.school_id)
            .outerjoin(Staff, Staff.id == StudyGroup.ko_staff_id)
            .where(StudyGroup.id == group_id, StudyGroup.school_id == principal.school_id)
        )
    ).first()
    if row is None:
        raise NotFound("no study group with that id that you can read")
    group, time_zone, ko_staff_name, is_published = row
    return await _viewer(session, principal, group, time_zone, ko_staff_name, is_published)


async def _viewer(
    session: AsyncSession,
    principal: Principal,
    group: StudyGroup,
    time_zone: str,
    ko_staff_name: str | None,
    is_published: bool,
) -> Viewer:
    members = await members_of(session, [group.id])
    viewer = Viewer(
        principal=principal,
        group=group,
        time_zone=time_zone,
        members=tuple(members.get(group.id, ())),
        knowledgeable_other_name=ko_staff_name or group.ko_name,
        published=bool(is_published),
    )
    if not (viewer.sees_progress or viewer.published):
        raise NotFound("no study group with that id that you can read")
    return viewer


# Built once: this statement starts every request about a cycle.
_CYCLE_WITH_GROUP = (
    select(ResearchCycle, StudyGroup, School.time_zone, Staff.name, _published())
    .join(StudyGroup, StudyGroup.id == ResearchCycle.group_id)
    .join(School, School.id == StudyGroup.school_id)
    .outerjoin(Staff, Staff.id == StudyGroup.ko_staff_id)
    .where(
        ResearchCycle.id == bindparam("cycle_id"),
        ResearchCycle.school_id == bindparam("school_id"),
    )
)


async def cycle_viewer(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, *, lock: bool = False
) -> tuple[Viewer, ResearchCycle]:
    """A cycle and its group's view, for content readers only.

    ``lock`` takes the cycle's row for the rest of the transaction, so two
    changes to one cycle (two saves of the plan, a move and a booking) are
    decided one after the other. The cycle comes with its group in one
    statement: every cycle route starts here, and the cycle page is a hot read.
    """
    statement = _CYCLE_WITH_GROUP.with_for_update(of=ResearchCycle) if lock else _CYCLE_WITH_GROUP
    row = (
        await session.execute(statement, {"cycle_id": cycle_id, "school_id": principal.school_id})
    ).first()
    if row is None:
        raise NotFound("no study group or cycle with that id that you can read")
    if principal.staff_id is None:
        raise Forbidden("lesson study is for members of staff, not integrations")
    cycle, group, time_zone, ko_staff_name, is_published = row
    viewer = await _viewer(session, principal, group, time_zone, ko_staff_name, is_published)
    viewer.require_content()
    return viewer, cycle


_MEMBERS = (
    select(StudyGroupMember.group_id, Staff.id, Staff.name)
    .join(Staff, Staff.id == StudyGroupMember.staff_id)
    .where(StudyGroupMember.group_id.in_(bindparam("group_ids", expanding=True)))
    .order_by(StudyGroupMember.group_id, StudyGroupMember.position)
)


async def members_of(
    session: AsyncSession, group_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Person]]:
    """The members of each group, in the order they were given."""
    rows = await session.execute(_MEMBERS, {"group_ids": group_ids})
    found: dict[uuid.UUID, list[Person]] = {}
    for group_id, staff_id, name in rows.all():
        found.setdefault(group_id, []).append(Person(staff_id, name))
    return found
