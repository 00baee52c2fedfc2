"""Deleting an observation: the observed teacher's right, and it leaves no trace of them.

The notes, reflection, shares and read log go with the observation (the
database cascades), and so do the notifications and webhook events that
named it; the calendar feeds publish its events as cancelled, and nothing more. A booking
still to come is cancelled, with its cover requests; for a lesson that has
taken place, the observed teacher's and the observer's commitments are
removed too, while the cover person's commitment and the cover request stay,
because that cover happened and counts against their caps. What remains is
one more in the term's anonymous count of deleted observations.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import bookings
from lessonstudy.domain.calendar_feeds import CalendarEntry
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.notifications import Notification, notify
from lessonstudy.domain.peer_observation.access import as_observed, is_booked, lesson_begun
from lessonstudy.domain.peer_observation.counts import term_of
from lessonstudy.domain.peer_observation.lifecycle import ABOUT
from lessonstudy.domain.peer_observation.models import Observation, ObservationTally, Stage
from lessonstudy.domain.webhooks.models import EventType, WebhookEvent


async def delete_observation(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    now: datetime,
) -> None:
    observation = await as_observed(
        session, school_id, observation_id, staff_id, "delete the observation"
    )
    booked = observation.stage == Stage.AGREED and await is_booked(session, observation)
    begun = await lesson_begun(session, observation, now)
    if booked and begun:
        await _count_deleted(session, observation)
        await session.execute(
            delete(Commitment).where(
                Commitment.school_id == school_id,
                Commitment.purpose_id == observation.id,
                Commitment.kind != CommitmentKind.COVERING,
            )
        )
    elif booked:
        await bookings.cancel(session, school_id, purpose_id=observation.id)
        # The observer's time is free again; they are told without naming anyone.
        await notify(
            session,
            school_id=school_id,
            staff_id=observation.observer_staff_id,
            kind="observation_called_off",
            subject=(
                f"An observation you were booked for on {observation.day:%a %d %b %Y}, "
                f"{observation.period_code} has been called off"
            ),
            dedupe_key=f"observation-called-off:{observation.id}",
        )
    await session.execute(
        delete(Notification).where(
            Notification.school_id == school_id,
            Notification.about == ABOUT,
            Notification.about_id == observation.id,
        )
    )
    # The webhook events that name the observation or its people (requested,
    # accepted, booked, and the cancellation just emitted) go too, with their
    # deliveries: a pending one would still tell the school's systems who was
    # observed when, and a delivered one could be redelivered. Cover request
    # events stay, like the cover requests themselves: the MIS acts on them,
    # and they name only the released observer's class.
    await session.execute(
        delete(WebhookEvent).where(
            WebhookEvent.school_id == school_id,
            WebhookEvent.type.not_in(_COVER_EVENTS),
            or_(
                WebhookEvent.payload["observation_id"].astext == str(observation.id),
                WebhookEvent.payload["purpose_id"].astext == str(observation.id),
            ),
        )
    )
    # The calendar feeds' copies of the teaching and observing events are
    # published as cancelled (the calendar apps hold them and must drop them),
    # with nothing left saying what, which class or where.
    await session.execute(
        update(CalendarEntry)
        .where(
            CalendarEntry.school_id == school_id,
            CalendarEntry.uid.startswith(f"{observation.id}-"),
            CalendarEntry.uid.not_like(f"{observation.id}-covering-%"),
        )
        .values(
            summary="Cancelled",
            description="",
            location=None,
            status="CANCELLED",
            sequence=CalendarEntry.sequence + 1,
            modified_at=func.now(),
            content_hash="cancelled",
        )
    )
    await session.delete(observation)
    await session.flush()


_COVER_EVENTS = [EventType.COVER_REQUEST_CREATED.value, EventType.COVER_REQUEST_CHANGED.value]


async def _count_deleted(session: AsyncSession, observation: Observation) -> None:
    term = await term_of(session, observation.school_id, observation.day)
    if term is None:
        return
    statement = (
        insert(ObservationTally)
        .values(
            school_id=observation.school_id,
            term_starts_on=term.starts_on,
            term_name=term.name,
            deleted=1,
        )
        .on_conflict_do_update(
            index_elements=["school_id", "term_starts_on", "term_name"],
            set_={"deleted": ObservationTally.deleted + 1},
        )
    )
    await session.execute(statement)
