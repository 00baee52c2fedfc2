"""Who may see and do what with an observation: the one place privacy is decided.

An observation belongs to its two people. Anyone else, whatever their role
(a CPD lead, an admin, a head), gets 404 as if it did not exist, unless the
observed teacher has shared the notes with them; then they may read the notes
(and the reflection, if shared too) and every such read is logged. Between the
two people, some acts belong to one of them: 403 says which.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import school_time
from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.peer_observation.models import (
    Observation,
    ObservationShare,
    ObservationShareMember,
)
from lessonstudy.domain.schools import get_school
from lessonstudy.errors import Forbidden, NotFound

NOT_FOUND = "no observation with that id that you can see"


class ObservationSide(enum.StrEnum):
    OBSERVED = "observed"
    OBSERVER = "observer"


class SharedPart(enum.StrEnum):
    NOTES = "notes"
    REFLECTION = "reflection"


def other_person(observation: Observation, side: ObservationSide) -> uuid.UUID:
    """The other one of the two people."""
    if side is ObservationSide.OBSERVED:
        return observation.observer_staff_id
    return observation.observed_staff_id


async def participant(
    session: AsyncSession, school_id: uuid.UUID, observation_id: uuid.UUID, staff_id: uuid.UUID
) -> tuple[Observation, ObservationSide]:
    """The observation and the caller's part in it; 404 for anyone else."""
    found = await session.get(Observation, observation_id)
    if found is None or found.school_id != school_id:
        raise NotFound(NOT_FOUND)
    if found.observed_staff_id == staff_id:
        return found, ObservationSide.OBSERVED
    if found.observer_staff_id == staff_id:
        return found, ObservationSide.OBSERVER
    raise NotFound(NOT_FOUND)


async def as_observed(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    doing: str,
) -> Observation:
    found, part = await participant(session, school_id, observation_id, staff_id)
    if part is not ObservationSide.OBSERVED:
        raise Forbidden(f"only the observed teacher can {doing}")
    return found


async def as_observer(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    doing: str,
) -> Observation:
    found, part = await participant(session, school_id, observation_id, staff_id)
    if part is not ObservationSide.OBSERVER:
        raise Forbidden(f"only the observer can {doing}")
    return found


async def reader(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    shared: SharedPart,
    now: datetime,
) -> tuple[Observation, uuid.UUID | None]:
    """The observation, and the share that lets the caller read it (None for the two people)."""
    found = await session.get(Observation, observation_id)
    if found is None or found.school_id != school_id:
        raise NotFound(NOT_FOUND)
    if staff_id in (found.observed_staff_id, found.observer_staff_id):
        return found, None
    today = await school_today(session, school_id, now)
    query = (
        select(ObservationShare.id)
        .join(ObservationShareMember, ObservationShareMember.share_id == ObservationShare.id)
        .where(
            ObservationShare.observation_id == observation_id,
            ObservationShareMember.staff_id == staff_id,
            ObservationShare.revoked_at.is_(None),
            (ObservationShare.until.is_(None)) | (ObservationShare.until >= today),
        )
        .order_by(ObservationShare.created_at)
        .limit(1)
    )
    if shared is SharedPart.REFLECTION:
        query = query.where(ObservationShare.include_reflection.is_(True))
    share_id = await session.scalar(query)
    if share_id is None:
        raise NotFound(NOT_FOUND)
    return found, share_id


async def school_today(session: AsyncSession, school_id: uuid.UUID, now: datetime) -> date:
    school = await get_school(session, school_id)
    return school_time.school_today(school.time_zone, now)


async def has_begun(
    session: AsyncSession, school_id: uuid.UUID, day: date, starts_at: time, now: datetime
) -> bool:
    """Whether a lesson has started, in the school's time zone."""
    school = await get_school(session, school_id)
    return now >= school_time.school_instant(school.time_zone, day, starts_at)


async def lesson_begun(session: AsyncSession, observation: Observation, now: datetime) -> bool:
    return await has_begun(
        session, observation.school_id, observation.day, observation.starts_at, now
    )


async def is_booked(session: AsyncSession, observation: Observation) -> bool:
    found = await session.scalar(
        select(Commitment.id)
        .where(
            Commitment.school_id == observation.school_id,
            Commitment.purpose_id == observation.id,
        )
        .limit(1)
    )
    return found is not None
