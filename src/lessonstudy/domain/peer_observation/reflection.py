"""The observed teacher's reflection, a follow-up action and a date to come back to it.

The follow-up date defaults to a week after the later of the lesson and the
day the reflection is written. On that date a reminder notification goes to
the teacher; the job that sends it is safe to run any number of times (each
reflection is reminded once per follow-up date, and moving the date arms it
again).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from msgspec import UNSET, UnsetType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import school_time
from lessonstudy.domain.notifications import notify
from lessonstudy.domain.peer_observation.access import (
    SharedPart,
    as_observed,
    reader,
    school_today,
)
from lessonstudy.domain.peer_observation.lifecycle import ABOUT
from lessonstudy.domain.peer_observation.models import (
    Observation,
    ObservationReflection,
    Stage,
)
from lessonstudy.domain.peer_observation.notes import ensure_took_place, log_read
from lessonstudy.domain.schools import School
from lessonstudy.errors import NotFound, RuleBroken

FOLLOW_UP_AFTER = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ReflectionView:
    observation: Observation
    reflection: ObservationReflection


async def write_reflection(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    reflection: str,
    follow_up_action: str | UnsetType | None = UNSET,
    follow_up_on: date | UnsetType = UNSET,
    now: datetime,
) -> ReflectionView:
    observation = await as_observed(
        session, school_id, observation_id, staff_id, "write the reflection"
    )
    await ensure_took_place(session, observation, now)
    today = await school_today(session, school_id, now)
    if not isinstance(follow_up_on, UnsetType) and follow_up_on < today:
        raise RuleBroken(
            "the follow-up date has passed: choose today or a later date",
            errors=[{"field": "follow_up_on", "message": "must not be in the past"}],
        )
    row = await session.get(ObservationReflection, observation.id)
    if row is None:
        row = ObservationReflection(
            observation_id=observation.id,
            follow_up_on=max(observation.day, today) + FOLLOW_UP_AFTER,
        )
        session.add(row)
    row.reflection = reflection
    if not isinstance(follow_up_action, UnsetType):
        row.follow_up_action = follow_up_action
    if not isinstance(follow_up_on, UnsetType) and follow_up_on != row.follow_up_on:
        row.follow_up_on = follow_up_on
        row.reminded_at = None  # a new date earns a new reminder
    await session.flush()
    await session.refresh(row)
    return ReflectionView(observation, row)


async def read_reflection(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    now: datetime,
) -> ReflectionView:
    observation, share_id = await reader(
        session, school_id, observation_id, staff_id, SharedPart.REFLECTION, now
    )
    row = await session.get(ObservationReflection, observation.id)
    if row is None:
        raise NotFound("the observed teacher has not written a reflection yet")
    if share_id is not None:
        await log_read(session, observation, share_id, staff_id, SharedPart.REFLECTION)
    return ReflectionView(observation, row)


async def send_follow_up_reminders(session: AsyncSession, now: datetime) -> int:
    """Remind each teacher whose follow-up date has come (school-local); returns how many."""
    due = await session.execute(
        select(ObservationReflection, Observation, School.time_zone)
        .join(Observation, Observation.id == ObservationReflection.observation_id)
        .join(School, School.id == Observation.school_id)
        .where(
            ObservationReflection.reminded_at.is_(None),
            # Every time zone's today is within a day of UTC's: narrow in SQL, decide below.
            ObservationReflection.follow_up_on <= now.date() + timedelta(days=1),
            Observation.stage == Stage.AGREED,
        )
        .order_by(ObservationReflection.follow_up_on, ObservationReflection.observation_id)
        .with_for_update(of=ObservationReflection, skip_locked=True)
    )
    sent = 0
    for row, observation, time_zone in due:
        if row.follow_up_on > school_time.school_today(time_zone, now):
            continue
        action = row.follow_up_action or "look back at your reflection"
        if await notify(
            session,
            school_id=observation.school_id,
            staff_id=observation.observed_staff_id,
            kind="observation_follow_up",
            subject=f"Follow-up from the observation of {observation.class_code}: {action}",
            body=(
                f"On {observation.day:%d %b %Y} you planned to follow up by "
                f"{row.follow_up_on:%d %b %Y}: {action}"
            ),
            about=ABOUT,
            about_id=observation.id,
            dedupe_key=f"observation-follow-up:{observation.id}:{row.follow_up_on.isoformat()}",
        ):
            sent += 1
        row.reminded_at = now
    await session.flush()
    return sent
