"""What staff are told when the timetable integration decides a cover request.

Each message has a dedupe key built from the request's version, so a retried
decision never notifies twice, and a later decision notifies afresh.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.notifications import notify

if TYPE_CHECKING:
    from lessonstudy.domain.cover_requests import CoverRequest


def slot(request: CoverRequest) -> str:
    where = f" in {request.room}" if request.room else ""
    when = f"{request.day:%A} {request.day.day} {request.day:%B %Y}"
    return f"{request.class_code}{where} on {when}, period {request.period_code}"


def short(request: CoverRequest) -> str:
    day = request.day
    return f"{request.class_code}, {day:%a} {day.day} {day:%b} {request.period_code}"


async def tell_booked_people(session: AsyncSession, request: CoverRequest) -> None:
    """A decline: the released teacher and everyone else booked for the purpose."""
    booked = set(
        (
            await session.scalars(
                select(Commitment.staff_id).where(
                    Commitment.school_id == request.school_id,
                    Commitment.purpose_id == request.purpose_id,
                )
            )
        ).all()
    )
    booked.add(request.released_staff_id)
    for staff_id in sorted(booked):
        await notify(
            session,
            school_id=request.school_id,
            staff_id=staff_id,
            kind="cover_declined",
            subject=f"Cover declined for {short(request)}: the booking is at risk",
            body=(
                f"The timetable system could not arrange cover for {slot(request)}. "
                f"Reason given: {request.decline_reason}. Until it is re-planned or cancelled, "
                "the booking it released a teacher for is at risk."
            ),
            about=request.purpose,
            about_id=request.purpose_id,
            dedupe_key=f"cover_declined:{request.id}:{request.version}",
        )


async def tell_cover_people(
    session: AsyncSession,
    request: CoverRequest,
    *,
    dropped: uuid.UUID | None,
    added: uuid.UUID | None,
) -> None:
    if dropped is not None and dropped != added:
        await notify(
            session,
            school_id=request.school_id,
            staff_id=dropped,
            kind="cover_removed",
            subject=f"You are no longer covering {short(request)}",
            body=f"The cover duty for {slot(request)} has been taken off your timetable.",
            about="cover_request",
            about_id=request.id,
            dedupe_key=f"cover_removed:{request.id}:{request.version}:{dropped}",
        )
    if added is not None and added != dropped:
        await notify(
            session,
            school_id=request.school_id,
            staff_id=added,
            kind="cover_assigned",
            subject=f"You are covering {short(request)}",
            body=f"The timetable system has asked you to cover {slot(request)}.",
            about="cover_request",
            about_id=request.id,
            dedupe_key=f"cover_assigned:{request.id}:{request.version}:{added}",
        )
