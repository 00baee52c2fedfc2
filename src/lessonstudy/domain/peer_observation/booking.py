"""Booking an agreed observation into the timetable, by the same rules as research lessons.

The observed teacher is booked as teaching their class; the observer as
observing, either in a free period or released from their own lesson with
someone covering it (a cover request goes to the MIS). The observer's PPA or
ECT time is used only when the observer themselves opts in. A clash is 409
with every reason. The booking is whatever commitments exist for the
observation, so one made by the scheduler reads the same.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import availability, bookings
from lessonstudy.domain.bookings import Seat
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.notifications import notify
from lessonstudy.domain.peer_observation.access import (
    ObservationSide,
    is_booked,
    lesson_begun,
    participant,
)
from lessonstudy.domain.peer_observation.lifecycle import ABOUT
from lessonstudy.domain.peer_observation.models import Observation, Stage
from lessonstudy.domain.staff import Staff, get_staff
from lessonstudy.errors import Conflict, Forbidden, RuleBroken

PURPOSE = "observation"


@dataclass(frozen=True, slots=True)
class Booking:
    commitments: list[Commitment]
    cover_requests: list[CoverRequest]


async def booking_of(
    session: AsyncSession, school_id: uuid.UUID, observation_id: uuid.UUID, staff_id: uuid.UUID
) -> Booking:
    observation, _ = await participant(session, school_id, observation_id, staff_id)
    return await _booking(session, observation)


async def _booking(session: AsyncSession, observation: Observation) -> Booking:
    commitments = await bookings.booked_for(session, observation.school_id, observation.id)
    requests = await session.scalars(
        select(CoverRequest)
        .where(
            CoverRequest.school_id == observation.school_id,
            CoverRequest.purpose_id == observation.id,
        )
        .order_by(CoverRequest.day, CoverRequest.period_code, CoverRequest.created_at)
    )
    return Booking(commitments=commitments, cover_requests=list(requests.all()))


async def book_observation(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    cover_by: uuid.UUID | None,
    use_protected: bool,
    now: datetime,
) -> Booking:
    observation, part = await participant(session, school_id, observation_id, staff_id)
    if use_protected and part is not ObservationSide.OBSERVER:
        raise Forbidden(
            "only the observer can choose to observe in their own protected (PPA or ECT) time"
        )
    if observation.stage == Stage.AWAITING_CONSENT:
        raise Conflict("the observed teacher has not accepted this offer yet")
    if observation.stage != Stage.AGREED:
        raise Conflict(f"this observation is {observation.stage}")
    if await is_booked(session, observation):
        raise Conflict("this observation is booked already")
    if await lesson_begun(session, observation, now):
        raise Conflict("the lesson has already begun")
    if cover_by is None:
        cover_by = await _first_cover(session, observation)
    seats = [
        Seat(
            staff_id=observation.observed_staff_id,
            day=observation.day,
            period=observation.period_code,
            kind=CommitmentKind.TEACHING,
            class_code=observation.class_code,
        ),
        Seat(
            staff_id=observation.observer_staff_id,
            day=observation.day,
            period=observation.period_code,
            kind=CommitmentKind.OBSERVING,
            cover_by=cover_by,
            use_protected=use_protected,
        ),
    ]
    try:
        await bookings.book(
            session, school_id, purpose=PURPOSE, purpose_id=observation.id, seats=seats
        )
    except Conflict as clash:
        raise await _explained(session, school_id, clash) from None
    other = (
        observation.observer_staff_id
        if part is ObservationSide.OBSERVED
        else observation.observed_staff_id
    )
    me = await get_staff(session, school_id, staff_id)
    await notify(
        session,
        school_id=school_id,
        staff_id=other,
        kind="observation_booked",
        subject=(
            f"{me.name} booked the observation of {observation.class_code} on "
            f"{observation.day:%a %d %b %Y}, {observation.period_code}"
        ),
        about=ABOUT,
        about_id=observation.id,
        dedupe_key=f"observation-booked:{observation.id}",
    )
    return await _booking(session, observation)


async def _first_cover(session: AsyncSession, observation: Observation) -> uuid.UUID | None:
    """When the observer teaches then: the first person who could cover (cover staff first)."""
    try:
        slot = await availability.slot_availability(
            session, observation.school_id, observation.day, observation.period_code
        )
    except RuleBroken:
        return None  # booking will say why the slot does not exist
    lesson = next((r for r in slot.releasable if r.staff_id == observation.observer_staff_id), None)
    if lesson is None or not lesson.cover:
        return None
    return lesson.cover[0].staff_id


async def _explained(session: AsyncSession, school_id: uuid.UUID, clash: Conflict) -> Conflict:
    """The same conflict, with each clash also in words, by name, as ``unmet``."""
    clashes = list(clash.extensions.get("clashes", []))
    ids = {uuid.UUID(c["staff_id"]) for c in clashes}
    names = dict(
        (await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))).all()
    )
    unmet = [
        f"{names.get(uuid.UUID(c['staff_id']), 'someone')}: {c['reason']} "
        f"({c['date']} {c['period']})"
        for c in clashes
    ]
    return Conflict(
        "the observation cannot be booked: " + "; ".join(unmet),
        unmet=unmet,
        clashes=clashes,
    )
