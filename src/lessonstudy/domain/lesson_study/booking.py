"""Booking the research lesson: its teacher with the focus class, every observer in the room.

A cycle's booking is the set of commitments made for it (purpose
``research_lesson``, purpose id = the cycle's id), whoever made them: a
member by hand here, or the scheduler when a member accepts its proposal. So
the cycle keeps no booking column of its own to trust: before the lesson can
be taught, the commitments are read and checked against the timetable as it
is now (does the teacher teach the class then? is every observer booked?).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import bookings
from lessonstudy.domain.bookings import Seat
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.cover_requests import CoverRequest, CoverStatus
from lessonstudy.domain.lesson_study import audit
from lessonstudy.domain.lesson_study.access import Viewer, cycle_viewer
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import ResearchCycle
from lessonstudy.domain.school_time import school_instant
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, RuleBroken

PURPOSE = "research_lesson"

_LESSON_SQL = """
    SELECT p.starts_at, p.ends_at, l.class_code
    FROM school_day d
    JOIN bell_period p ON p.version_id = d.version_id AND p.weekday = d.weekday
         AND p.code = :period
    LEFT JOIN teaching t ON t.version_id = d.version_id AND t.staff_id = :staff_id
         AND t.week = d.week AND t.weekday = d.weekday AND t.period_code = p.code
    LEFT JOIN lesson l ON l.id = t.lesson_id
    WHERE d.school_id = :school_id AND d.day = :day
"""
# The same, for a driver connection: $1 school, $2 staff, $3 day, $4 period.
LESSON_SQL_POSITIONAL = (
    _LESSON_SQL.replace(":school_id", "$1")
    .replace(":staff_id", "$2")
    .replace(":day", "$3")
    .replace(":period", "$4")
)


@dataclass(frozen=True, slots=True)
class Slot:
    day: date
    period: str


@dataclass(frozen=True, slots=True)
class BookedPerson:
    staff_id: uuid.UUID
    kind: str
    day: date
    period: str


@dataclass(frozen=True, slots=True)
class BookingView:
    """The cycle's commitments, and what they lack to hold the lesson."""

    lesson: Slot | None
    discussion: Slot | None
    people: list[BookedPerson]
    cover_requests: list[CoverRequest]
    gaps: list[str]
    """Empty when the booking holds the lesson: the teacher with the class, every observer."""
    lesson_ends_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class DiscussionRequest:
    day: date
    period: str
    cover: Mapping[uuid.UUID, uuid.UUID] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class BookingRequest:
    day: date
    period: str
    cover: Mapping[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    """Observer -> who covers their class, for observers who teach then."""
    use_protected: Sequence[uuid.UUID] = ()
    """Observers giving up their own PPA or ECT time: only the caller may give up theirs."""
    discussion: DiscussionRequest | None = None


async def _lesson_at(
    session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID, slot: Slot
) -> tuple[list[str], time | None, time | None]:
    """The classes a teacher teaches in a period of a date, and the period's times."""
    rows = (
        await session.execute(
            text(_LESSON_SQL),
            {"school_id": school_id, "staff_id": staff_id, "day": slot.day, "period": slot.period},
        )
    ).all()
    return lesson_at_rows(rows)


def lesson_at_rows(rows: Sequence[Any]) -> tuple[list[str], time | None, time | None]:
    """The classes and the period's times from the rows of the lesson statement."""
    if not rows:
        return [], None, None
    return [r[2] for r in rows if r[2]], rows[0][0], rows[0][1]


async def assess(session: AsyncSession, viewer: Viewer, cycle: ResearchCycle) -> BookingView:
    """Read the cycle's commitments and check them against the timetable as it is now."""
    school_id = viewer.group.school_id
    commitments = [
        c for c in await bookings.booked_for(session, school_id, cycle.id) if c.purpose == PURPOSE
    ]
    covers = list(
        (
            await session.scalars(
                select(CoverRequest)
                .where(CoverRequest.school_id == school_id, CoverRequest.purpose_id == cycle.id)
                .order_by(CoverRequest.day, CoverRequest.period_code, CoverRequest.class_code)
            )
        ).all()
    )
    lesson = lesson_slot(commitments)
    timetable = None
    if cycle.teacher_id is not None and lesson is not None:
        timetable = await _lesson_at(session, school_id, cycle.teacher_id, lesson)
    return judge(viewer, cycle, commitments, covers, timetable)


def lesson_slot(commitments: Sequence[Commitment]) -> Slot | None:
    """The one period the lesson's people are booked into, if they agree on one."""
    found = _slots(commitments, (CommitmentKind.TEACHING, CommitmentKind.OBSERVING))
    return found[0] if len(found) == 1 else None


def judge(
    viewer: Viewer,
    cycle: ResearchCycle,
    commitments: Sequence[Commitment],
    covers: list[CoverRequest],
    timetable: tuple[list[str], time | None, time | None] | None,
) -> BookingView:
    """The booking and its gaps, from what was read: ``timetable`` is the teacher's classes
    and the period's times at the lesson (read only when there is one lesson slot)."""
    people = [BookedPerson(c.staff_id, c.kind, c.day, c.period_code) for c in commitments]
    lesson_slots = _slots(commitments, (CommitmentKind.TEACHING, CommitmentKind.OBSERVING))
    discussion_slots = _slots(commitments, (CommitmentKind.DISCUSSING,))
    lesson = lesson_slots[0] if len(lesson_slots) == 1 else None
    gaps: list[str] = []
    ends_at = None
    if cycle.teacher_id is not None:
        teacher = viewer.name_of(cycle.teacher_id)
        if not commitments:
            gaps.append(
                f"book the lesson: a date and period when {teacher} teaches {cycle.class_code}"
            )
        elif len(lesson_slots) != 1:
            gaps.append("the lesson's people are booked at different times; book it again")
        if lesson is not None and timetable is not None:
            classes, _, ends = timetable
            ends_at = school_instant(viewer.time_zone, lesson.day, ends) if ends else None
            gaps += _people_gaps(viewer, cycle, commitments, lesson)
            if cycle.class_code not in classes:
                then = f" (they teach {', '.join(classes)} then)" if classes else ""
                gaps.append(
                    f"{teacher} does not teach {cycle.class_code} on {lesson.day} "
                    f"{lesson.period}{then}"
                )
        gaps += [
            f"cover for {viewer.name_of(c.released_staff_id)}'s class {c.class_code} was "
            f"declined{': ' + c.decline_reason if c.decline_reason else ''}"
            for c in covers
            if c.status == CoverStatus.DECLINED
        ]
    return BookingView(
        lesson=lesson,
        discussion=discussion_slots[0] if len(discussion_slots) == 1 else None,
        people=people,
        cover_requests=covers,
        gaps=gaps,
        lesson_ends_at=ends_at,
    )


def _slots(commitments: Sequence[Commitment], kinds: Sequence[CommitmentKind]) -> list[Slot]:
    return sorted(
        {Slot(c.day, c.period_code) for c in commitments if c.kind in kinds},
        key=lambda s: (s.day, s.period),
    )


def _people_gaps(
    viewer: Viewer, cycle: ResearchCycle, commitments: Sequence[Commitment], lesson: Slot
) -> list[str]:
    at_lesson = {
        (c.staff_id, c.kind)
        for c in commitments
        if c.day == lesson.day and c.period_code == lesson.period
    }
    gaps = []
    if (cycle.teacher_id, CommitmentKind.TEACHING) not in at_lesson:
        gaps.append(f"{viewer.name_of(cycle.teacher_id)} is not booked to teach the lesson")
    gaps += [
        f"{viewer.name_of(observer)} is not booked to observe the lesson"
        for observer in viewer.observers(cycle)
        if (observer, CommitmentKind.OBSERVING) not in at_lesson
    ]
    return gaps


async def get_booking(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> BookingView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    return await assess(session, viewer, cycle)


def _seats(viewer: Viewer, cycle: ResearchCycle, request: BookingRequest) -> list[Seat]:
    assert cycle.teacher_id is not None
    observers = viewer.observers(cycle)
    attendees = viewer.attendees(cycle)
    problems = [
        {"field": f"cover[{n}].staff_id", "message": "not one of the lesson's observers"}
        for n, staff_id in enumerate(request.cover)
        if staff_id not in observers
    ]
    problems += [
        {"field": "use_protected", "message": "only the owner can give up their protected time"}
        for staff_id in request.use_protected
        if staff_id != viewer.staff_id or staff_id not in observers
    ]
    discussion = request.discussion
    if discussion is not None:
        problems += [
            {"field": f"discussion.cover[{n}].staff_id", "message": "not one of the group"}
            for n, staff_id in enumerate(discussion.cover)
            if staff_id not in attendees
        ]
        if (discussion.day, discussion.period) == (request.day, request.period):
            problems.append({"field": "discussion", "message": "the discussion follows the lesson"})
        elif discussion.day < request.day:
            problems.append({"field": "discussion.date", "message": "before the lesson"})
    if problems:
        raise RuleBroken(
            "the booking is not valid: " + "; ".join(p["message"] for p in problems),
            errors=problems,
        )
    seats = [
        Seat(
            cycle.teacher_id,
            request.day,
            request.period,
            CommitmentKind.TEACHING,
            class_code=cycle.class_code,
        )
    ]
    seats += [
        Seat(
            observer,
            request.day,
            request.period,
            CommitmentKind.OBSERVING,
            cover_by=request.cover.get(observer),
            use_protected=observer in request.use_protected,
        )
        for observer in observers
    ]
    if discussion is not None:
        seats += [
            Seat(
                person,
                discussion.day,
                discussion.period,
                CommitmentKind.DISCUSSING,
                cover_by=discussion.cover.get(person),
                use_protected=person == viewer.staff_id and person in request.use_protected,
            )
            for person in attendees
        ]
    return seats


async def book(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, request: BookingRequest
) -> BookingView:
    """Book (or rebook) the lesson by hand: all of it or, on any clash, none of it (409)."""
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    viewer.require_member("book the lesson")
    if cycle.stage != Stage.PLAN:
        raise Conflict(
            f"the lesson is booked while the cycle is being planned (it is in {cycle.stage})",
            unmet=["postpone the lesson to book it again"] if cycle.stage == Stage.TEACH else [],
        )
    if cycle.teacher_id is None:
        raise Conflict(
            "choose the teaching member before booking", unmet=["choose the teaching member"]
        )
    seats = _seats(viewer, cycle, request)
    # A new booking replaces the old; if it clashes, the request fails and the old stands.
    await bookings.cancel(session, viewer.group.school_id, purpose_id=cycle.id)
    await bookings.book(
        session, viewer.group.school_id, purpose=PURPOSE, purpose_id=cycle.id, seats=seats
    )
    audit.record(
        session,
        school_id=viewer.group.school_id,
        group_id=viewer.group.id,
        cycle_id=cycle.id,
        actor_id=viewer.staff_id,
        action=audit.Action.BOOKED,
        reason=f"{request.day} {request.period}",
    )
    return await assess(session, viewer, cycle)


async def cancel(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> None:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    viewer.require_member("cancel the booking")
    if cycle.stage != Stage.PLAN:
        raise Conflict(
            f"the booking is fixed once the cycle has moved on (it is in {cycle.stage})",
            unmet=["postpone the lesson to release the booking"]
            if cycle.stage == Stage.TEACH
            else [],
        )
    await release(session, viewer, cycle)


async def release(session: AsyncSession, viewer: Viewer, cycle: ResearchCycle) -> None:
    """Free everyone booked for the cycle and cancel its cover requests."""
    await bookings.cancel(session, viewer.group.school_id, purpose_id=cycle.id)
    audit.record(
        session,
        school_id=viewer.group.school_id,
        group_id=viewer.group.id,
        cycle_id=cycle.id,
        actor_id=viewer.staff_id,
        action=audit.Action.BOOKING_CANCELLED,
    )
