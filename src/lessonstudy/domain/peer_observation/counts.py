"""Participation counts for CPD leads and admins: how many, never what was written.

Per term, per person: observations given (as observer) and received (as the
observed teacher) that were booked. Observations their teacher deleted after
they took place appear only as the term's anonymous ``deleted`` count. No
note, focus, date or pairing is ever part of this view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.calendar import Term
from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.peer_observation.access import school_today
from lessonstudy.domain.peer_observation.models import Observation, ObservationTally, Stage
from lessonstudy.domain.staff import Role, Staff
from lessonstudy.errors import RuleBroken
from lessonstudy.pagination import cursor_uuid, decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class PersonCount:
    staff_id: uuid.UUID
    name: str
    given: int
    received: int


@dataclass(frozen=True, slots=True)
class TermCounts:
    term: Term
    deleted: int
    people: list[PersonCount]
    next_cursor: str | None


async def term_of(session: AsyncSession, school_id: uuid.UUID, day: date) -> Term | None:
    """The term holding ``day``, or the last one before it (in a holiday)."""
    found: Term | None = await session.scalar(
        select(Term)
        .where(Term.school_id == school_id, Term.starts_on <= day)
        .order_by(Term.starts_on.desc())
        .limit(1)
    )
    return found


async def observation_counts(
    session: AsyncSession,
    school_id: uuid.UUID,
    day: date | None,
    *,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> TermCounts:
    """The counts for the term holding ``day`` (default: the school's today)."""
    if day is None:
        day = await school_today(session, school_id, now)
    term = await term_of(session, school_id, day)
    if term is None:
        raise RuleBroken(
            f"the school has no term on or before {day}: import the calendar first, "
            "or ask about a later date",
            errors=[{"field": "date", "message": "no term then", "source": "query"}],
        )
    in_term = and_(
        Observation.school_id == school_id,
        Observation.stage == Stage.AGREED,
        Observation.day.between(term.starts_on, term.ends_on),
        exists().where(Commitment.school_id == school_id, Commitment.purpose_id == Observation.id),
    )
    given = (
        select(func.count())
        .where(in_term, Observation.observer_staff_id == Staff.id)
        .scalar_subquery()
    )
    received = (
        select(func.count())
        .where(in_term, Observation.observed_staff_id == Staff.id)
        .scalar_subquery()
    )
    # Every active teacher is listed (a zero says something too), and anyone else with counts.
    query = select(Staff.id, Staff.name, given, received).where(
        Staff.school_id == school_id,
        or_(
            and_(Staff.active, Staff.roles.contains([Role.TEACHER.value])),
            given > 0,
            received > 0,
        ),
    )
    if cursor is not None:
        name, last_id = decode_cursor("observation-counts", cursor, 2)
        query = query.where(tuple_(Staff.name, Staff.id) > tuple_(name, cursor_uuid(last_id)))
    rows = (await session.execute(query.order_by(Staff.name, Staff.id).limit(limit + 1))).all()
    people = [PersonCount(staff_id, name, g, r) for staff_id, name, g, r in rows]
    next_cursor = None
    if len(people) > limit:
        people = people[:limit]
        next_cursor = encode_cursor(
            "observation-counts", [people[-1].name, str(people[-1].staff_id)]
        )
    deleted = await session.scalar(
        select(ObservationTally.deleted).where(
            ObservationTally.school_id == school_id,
            ObservationTally.term_starts_on == term.starts_on,
            ObservationTally.term_name == term.name,
        )
    )
    return TermCounts(term=term, deleted=deleted or 0, people=people, next_cursor=next_cursor)
