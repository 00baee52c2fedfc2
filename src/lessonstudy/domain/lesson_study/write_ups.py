"""The group's write-up: what it set out to improve, what it learned, on what evidence, and what
it recommends. The group may publish it to the whole school.

Several members edit it, so, like the plan, it carries a version (``If-Match``).
It holds no pupil data by design: it is what remains when the retention job
has erased the pupils' records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study import audit
from lessonstudy.domain.lesson_study.access import Viewer, group_viewer, members_of
from lessonstudy.domain.lesson_study.plans import matches
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import ResearchCycle, StudyGroup, WriteUp
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import Staff
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, NotFound, PreconditionFailed
from lessonstudy.pagination import cursor_datetime, cursor_uuid, decode_cursor, encode_cursor


@dataclass(frozen=True, kw_only=True)
class WriteUpFields:
    focus: str | None = None
    learned: str | None = None
    evidence: str | None = None
    recommendations: str | None = None


@dataclass(frozen=True, slots=True)
class WriteUpView:
    group_id: uuid.UUID
    version: int
    """0 until the first save."""
    focus: str | None
    learned: str | None
    evidence: str | None
    recommendations: str | None
    published_at: datetime | None
    updated_by: uuid.UUID | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class WriteUpDocument:
    """Everything an exported write-up shows; only what may be shared with the school."""

    school: str
    research_focus: str
    focus_class: str
    academic_year: str
    members: list[str]
    knowledgeable_other: str | None
    cycles_closed: int
    planned_cycles: int
    learned: str | None
    evidence: str | None
    recommendations: str | None
    published_at: datetime | None


def _view(group_id: uuid.UUID, stored: WriteUp | None) -> WriteUpView:
    if stored is None:
        return WriteUpView(group_id, 0, None, None, None, None, None, None, None)
    return WriteUpView(
        group_id=group_id,
        version=stored.version,
        focus=stored.focus,
        learned=stored.learned,
        evidence=stored.evidence,
        recommendations=stored.recommendations,
        published_at=stored.published_at,
        updated_by=stored.updated_by,
        updated_at=stored.updated_at,
    )


async def _readable(session: AsyncSession, principal: Principal, group_id: uuid.UUID) -> Viewer:
    viewer = await group_viewer(session, principal, group_id)
    if not (viewer.reads_content or viewer.published):
        raise NotFound("no write-up of that group that you can read")
    return viewer


async def get_write_up(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID
) -> WriteUpView:
    await _readable(session, principal, group_id)
    return _view(group_id, await session.get(WriteUp, group_id))


async def save_write_up(
    session: AsyncSession,
    principal: Principal,
    group_id: uuid.UUID,
    *,
    if_match: str,
    fields: WriteUpFields,
) -> WriteUpView:
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_member("write up the group's findings")
    stored = await session.scalar(
        select(WriteUp).where(WriteUp.group_id == group_id).with_for_update()
    )
    current = stored.version if stored is not None else 0
    if not matches(if_match, current):
        raise PreconditionFailed(
            f"the write-up has changed since you read it (it is now version {current}); "
            "read it again and reapply your changes"
        )
    if stored is None:
        stored = WriteUp(group_id=group_id, school_id=viewer.group.school_id, version=0)
        try:
            async with session.begin_nested():
                session.add(stored)
                await session.flush()
        except IntegrityError:
            raise PreconditionFailed("someone else saved the write-up at the same moment") from None
    stored.version = current + 1
    stored.focus = fields.focus
    stored.learned = fields.learned
    stored.evidence = fields.evidence
    stored.recommendations = fields.recommendations
    stored.updated_by = viewer.staff_id
    await session.flush()
    await session.refresh(stored)
    return _view(group_id, stored)


async def publish(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, *, now: datetime
) -> WriteUpView:
    """Share the write-up with the whole school, once there is something to share."""
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_member("publish the write-up")
    stored = await session.scalar(
        select(WriteUp).where(WriteUp.group_id == group_id).with_for_update()
    )
    closed = await session.scalar(
        select(func.count())
        .select_from(ResearchCycle)
        .where(ResearchCycle.group_id == group_id, ResearchCycle.stage == Stage.CLOSED)
    )
    unmet = [] if closed else ["close at least one research-lesson cycle"]
    for name in ("learned", "evidence", "recommendations"):
        if stored is None or not (getattr(stored, name) or "").strip():
            unmet.append(f"write the write-up's {name}")
    if unmet:
        raise Conflict("the write-up is not ready to publish", unmet=unmet)
    assert stored is not None
    if stored.published_at is None:
        stored.published_at = now
        stored.published_by = viewer.staff_id
        audit.record(
            session,
            school_id=viewer.group.school_id,
            group_id=group_id,
            actor_id=viewer.staff_id,
            action=audit.Action.WRITE_UP_PUBLISHED,
        )
        await session.flush()
        await session.refresh(stored)
    return _view(group_id, stored)


async def unpublish(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID
) -> WriteUpView:
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_member("withdraw the write-up")
    stored = await session.get(WriteUp, group_id, with_for_update=True)
    if stored is not None and stored.published_at is not None:
        stored.published_at = None
        stored.published_by = None
        audit.record(
            session,
            school_id=viewer.group.school_id,
            group_id=group_id,
            actor_id=viewer.staff_id,
            action=audit.Action.WRITE_UP_UNPUBLISHED,
        )
        await session.flush()
        await session.refresh(stored)
    return _view(group_id, stored)


@dataclass(frozen=True, slots=True)
class PublishedWriteUp:
    group_id: uuid.UUID
    research_focus: str
    focus_class: str
    academic_year: str
    published_at: datetime


async def list_published(
    session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[PublishedWriteUp], str | None]:
    """The school's published write-ups, newest first: for every member of staff."""
    statement = (
        select(WriteUp.group_id, WriteUp.published_at, StudyGroup)
        .join(StudyGroup, StudyGroup.id == WriteUp.group_id)
        .where(WriteUp.school_id == principal.school_id, WriteUp.published_at.is_not(None))
    )
    if cursor is not None:
        at, last_id = decode_cursor("write-ups", cursor, 2)
        statement = statement.where(
            tuple_(WriteUp.published_at, WriteUp.group_id)
            < tuple_(cursor_datetime(at), cursor_uuid(last_id))
        )
    rows = (
        await session.execute(
            statement.order_by(WriteUp.published_at.desc(), WriteUp.group_id.desc()).limit(
                limit + 1
            )
        )
    ).all()
    found = [
        PublishedWriteUp(
            group_id=group_id,
            research_focus=group.research_focus,
            focus_class=group.focus_class,
            academic_year=group.academic_year,
            published_at=published_at,
        )
        for group_id, published_at, group in rows[:limit]
        if published_at is not None
    ]
    next_cursor = None
    if len(rows) > limit:
        last = found[-1]
        next_cursor = encode_cursor(
            "write-ups", [last.published_at.isoformat(), str(last.group_id)]
        )
    return found, next_cursor


async def document(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID
) -> WriteUpDocument:
    """The write-up as an export shows it (a draft for the group until published)."""
    viewer = await _readable(session, principal, group_id)
    group = viewer.group
    stored = await session.get(WriteUp, group_id)
    school = await session.get(School, group.school_id)
    closed = await session.scalar(
        select(func.count())
        .select_from(ResearchCycle)
        .where(ResearchCycle.group_id == group_id, ResearchCycle.stage == Stage.CLOSED)
    )
    members = (await members_of(session, [group_id])).get(group_id, [])
    other = group.ko_name
    if group.ko_staff_id is not None:
        other = await session.scalar(select(Staff.name).where(Staff.id == group.ko_staff_id))
    return WriteUpDocument(
        school=school.name if school else "",
        research_focus=(stored.focus if stored and stored.focus else group.research_focus),
        focus_class=group.focus_class,
        academic_year=group.academic_year,
        members=[m.name for m in members],
        knowledgeable_other=other,
        cycles_closed=int(closed or 0),
        planned_cycles=group.planned_cycles,
        learned=stored.learned if stored else None,
        evidence=stored.evidence if stored else None,
        recommendations=stored.recommendations if stored else None,
        published_at=stored.published_at if stored else None,
    )
