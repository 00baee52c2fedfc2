"""Cover requests: what the timetable integration sees when a teacher is released.

A booking that releases a teacher from their own lesson (to observe, say)
asks for cover for that class, date and period. The MIS confirms it (with the
cover person it assigned), or declines it with a reason; cancelling the
booking cancels the request. The request names what it is for, so a decline
can put that booking at risk and the scheduler can plan it again.

Status: requested -> confirmed or declined; confirmed -> confirmed with
another person (the cover moves) or declined (the cover fell through); any
of these -> cancelled when the booking is cancelled. Declined and cancelled
requests are never confirmed again: the scheduler re-plans a declined one.

Every change goes through ``record_cover_change`` in the transaction that
makes it: the request's ``version`` goes up by one, the change feed
(``cover_changes``) gets the request as it now is, and the webhook outbox
gets ``cover_request.created`` or ``cover_request.changed``. The booking
code calls it for each request it creates and ``cancel_cover_requests``
when a booking is cancelled; the transitions below call it themselves.

A booking is at risk while one of its cover requests is declined: that is
derived (``purposes_at_risk``), not stored, so it can never disagree with
the requests.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Collection
from datetime import date
from typing import Any

import msgspec
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    delete,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id
from lessonstudy.domain import cover_changes, cover_notices
from lessonstudy.domain.availability import slot_availability
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.staff import Staff
from lessonstudy.domain.webhooks import EventType, emit
from lessonstudy.errors import Conflict, NotFound, RuleBroken
from lessonstudy.pagination import cursor_date, cursor_uuid, decode_cursor, encode_cursor

log = logging.getLogger(__name__)


class CoverStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


_STATUSES = ",".join(f"'{s.value}'" for s in CoverStatus)


class CoverRequest(TimestampedMixin, Base):
    __tablename__ = "cover_request"
    __table_args__ = (
        # One open request per released teacher per period: the commitment rules
        # already forbid a second release, this keeps the integration's view clean too.
        # Declined and cancelled ones stay as history and do not block booking that
        # period again (a re-planned request, a cancelled lesson booked again).
        Index(
            "uq_cover_request_open",
            "released_staff_id",
            "day",
            "period_code",
            unique=True,
            postgresql_where=text("status IN ('requested', 'confirmed')"),
        ),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        Index("ix_cover_request_school_day", "school_id", "day"),
        Index("ix_cover_request_purpose", "purpose_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    period_code: Mapped[str] = mapped_column(String(20), nullable=False)
    class_code: Mapped[str] = mapped_column(String(40), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(100))
    room: Mapped[str | None] = mapped_column(String(40))
    released_staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    # Whom the scheduler (or the person booking) proposed, and whom the MIS confirmed.
    proposed_cover_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    cover_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    # A teacher covering breaks the "rarely cover" expectation: counted and flagged.
    teacher_cover: Mapped[bool] = mapped_column(nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CoverStatus.REQUESTED)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    # Why the teacher is released: e.g. "research_lesson" and the cycle's id.
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    purpose_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    # Goes up by one with every recorded change; 0 only until the creation is recorded.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")


def cover_request_document(request: CoverRequest) -> dict[str, Any]:
    """The request as the API, the change feed and the webhooks show it."""
    return {
        "id": str(request.id),
        "date": request.day.isoformat(),
        "period": request.period_code,
        "class_code": request.class_code,
        "subject": request.subject,
        "room": request.room,
        "released_staff_id": str(request.released_staff_id),
        "proposed_cover_staff_id": _str(request.proposed_cover_staff_id),
        "cover_staff_id": _str(request.cover_staff_id),
        "teacher_cover": request.teacher_cover,
        "status": request.status,
        "decline_reason": request.decline_reason,
        "purpose": request.purpose,
        "purpose_id": str(request.purpose_id),
        "version": request.version,
        "created_at": request.created_at.isoformat(),
        "updated_at": request.updated_at.isoformat(),
    }


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


async def record_cover_change(session: AsyncSession, request: CoverRequest) -> None:
    """Record a new or changed cover request for the feed and the webhooks.

    Call it after creating a request (the booking code does) or changing one,
    in the same transaction. It flushes the request, so the row is written
    (and locked) before the change is appended.
    """
    request.version = (request.version or 0) + 1
    await session.flush()
    await session.refresh(request)
    document = cover_request_document(request)
    created = request.version == 1
    await cover_changes.record(
        session,
        school_id=request.school_id,
        cover_request_id=request.id,
        change="created" if created else "changed",
        version=request.version,
        document=msgspec.json.encode(document).decode(),
    )
    event = EventType.COVER_REQUEST_CREATED if created else EventType.COVER_REQUEST_CHANGED
    await emit(session, request.school_id, event, document)


async def get_cover_request(
    session: AsyncSession, school_id: uuid.UUID, request_id: uuid.UUID, *, lock: bool = False
) -> CoverRequest:
    query = select(CoverRequest).where(
        CoverRequest.id == request_id, CoverRequest.school_id == school_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = await session.scalar(query)
    if found is None:
        raise NotFound("no cover request with that id")
    return found


async def list_cover_requests(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    status: CoverStatus | None = None,
    start: date | None = None,
    end: date | None = None,
    released_staff_id: uuid.UUID | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[CoverRequest], str | None]:
    """By date, period and id, a page at a time."""
    query = select(CoverRequest).where(CoverRequest.school_id == school_id)
    if status is not None:
        query = query.where(CoverRequest.status == status.value)
    if start is not None:
        query = query.where(CoverRequest.day >= start)
    if end is not None:
        query = query.where(CoverRequest.day <= end)
    if released_staff_id is not None:
        query = query.where(CoverRequest.released_staff_id == released_staff_id)
    if cursor is not None:
        day, period, last_id = decode_cursor("cover-requests", cursor, 3)
        after_day = cursor_date(day)
        key = (CoverRequest.day, CoverRequest.period_code, CoverRequest.id)
        query = query.where(
            (key[0] > after_day)
            | ((key[0] == after_day) & (key[1] > period))
            | ((key[0] == after_day) & (key[1] == period) & (key[2] > cursor_uuid(last_id)))
        )
    query = query.order_by(CoverRequest.day, CoverRequest.period_code, CoverRequest.id)
    rows = list((await session.scalars(query.limit(limit + 1))).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(
            "cover-requests", [last.day.isoformat(), last.period_code, str(last.id)]
        )
    return rows, next_cursor


async def _may_cover(session: AsyncSession, request: CoverRequest, staff: Staff) -> bool:
    """Refuse a cover person who is not free then or may not cover; True for teacher cover."""
    slot = await slot_availability(session, request.school_id, request.day, request.period_code)
    for option in slot.cover:
        if option.staff_id == staff.id:
            return option.teacher_cover
    if staff.id == request.released_staff_id:
        reason = "is the teacher being released"
    elif all(person.staff_id != staff.id for person in slot.free):
        reason = "is not free then (teaching, on duty, absent, not working or already booked)"
    else:
        reason = (
            "may not cover then (not a cover supervisor with cover time then, over a cover "
            "cap, in protected time, or teacher cover is not allowed)"
        )
    raise Conflict(
        f"{staff.name} cannot cover {cover_notices.slot(request)}: {staff.name} {reason}",
        unmet=[f"{staff.name} {reason}"],
    )


async def _covering(session: AsyncSession, request: CoverRequest, staff_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Commitment.id).where(
            Commitment.staff_id == staff_id,
            Commitment.day == request.day,
            Commitment.period_code == request.period_code,
            Commitment.kind == CommitmentKind.COVERING.value,
            Commitment.purpose_id == request.purpose_id,
        )
    )
    return found is not None


async def _drop_cover(session: AsyncSession, request: CoverRequest, staff_id: uuid.UUID) -> None:
    await session.execute(
        delete(Commitment).where(
            Commitment.staff_id == staff_id,
            Commitment.day == request.day,
            Commitment.period_code == request.period_code,
            Commitment.kind == CommitmentKind.COVERING.value,
            Commitment.purpose_id == request.purpose_id,
        )
    )


async def _book_cover(session: AsyncSession, request: CoverRequest, staff: Staff) -> None:
    try:
        async with session.begin_nested():
            session.add(
                Commitment(
                    school_id=request.school_id,
                    staff_id=staff.id,
                    day=request.day,
                    period_code=request.period_code,
                    kind=CommitmentKind.COVERING.value,
                    purpose=request.purpose,
                    purpose_id=request.purpose_id,
                )
            )
    except IntegrityError:
        # Someone booked them into that period since we looked: the database has the last word.
        raise Conflict(
            f"{staff.name} was booked into period {request.period_code} on {request.day} "
            "a moment ago; choose someone else",
            unmet=[f"{staff.name} is not free then"],
        ) from None


async def _cover_staff(session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID) -> Staff:
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.school_id != school_id or not staff.active:
        raise RuleBroken(
            "no active member of staff with that id",
            errors=[{"field": "cover_staff_id", "message": "no such active member of staff"}],
        )
    return staff


async def confirm_cover(
    session: AsyncSession, school_id: uuid.UUID, request_id: uuid.UUID, cover_staff_id: uuid.UUID
) -> CoverRequest:
    """The MIS has arranged cover by ``cover_staff_id``.

    Another person than the one proposed (or than the one confirmed before)
    is checked to be free and allowed to cover, and the cover duty moves to
    them in this transaction. Confirming again with the same person changes
    nothing.
    """
    request = await get_cover_request(session, school_id, request_id, lock=True)
    if request.status in (CoverStatus.CANCELLED, CoverStatus.DECLINED):
        raise Conflict(
            f"this cover request is {request.status}; it can no longer be confirmed",
            unmet=[f"status is {request.status}, not requested or confirmed"],
        )
    staff = await _cover_staff(session, school_id, cover_staff_id)
    holder = request.cover_staff_id or request.proposed_cover_staff_id
    if request.status == CoverStatus.CONFIRMED and holder == staff.id:
        return request
    moved = holder != staff.id or not await _covering(session, request, staff.id)
    if moved:
        request.teacher_cover = await _may_cover(session, request, staff)
        if holder is not None:
            await _drop_cover(session, request, holder)
        await _book_cover(session, request, staff)
    request.status = CoverStatus.CONFIRMED
    request.cover_staff_id = staff.id
    await record_cover_change(session, request)
    if moved:
        await cover_notices.tell_cover_people(session, request, dropped=holder, added=staff.id)
    return request


async def decline_cover(
    session: AsyncSession, school_id: uuid.UUID, request_id: uuid.UUID, reason: str
) -> CoverRequest:
    """The MIS cannot arrange cover: the cover duty goes, the booking is at risk.

    The released teacher and everyone else booked for the same purpose are
    told. Declining a declined request again changes nothing.
    """
    request = await get_cover_request(session, school_id, request_id, lock=True)
    if request.status == CoverStatus.CANCELLED:
        raise Conflict(
            "this cover request is cancelled; there is nothing to decline",
            unmet=["status is cancelled"],
        )
    if request.status == CoverStatus.DECLINED:
        return request
    holder = request.cover_staff_id or request.proposed_cover_staff_id
    if holder is not None:
        await _drop_cover(session, request, holder)
    request.status = CoverStatus.DECLINED
    request.decline_reason = reason
    request.cover_staff_id = None
    await record_cover_change(session, request)
    await cover_notices.tell_booked_people(session, request)
    await cover_notices.tell_cover_people(session, request, dropped=holder, added=None)
    return request


async def cancel_cover_requests(
    session: AsyncSession, school_id: uuid.UUID, purpose_id: uuid.UUID
) -> list[CoverRequest]:
    """Cancel every cover request of a cancelled booking (the booking code calls this).

    The commitments themselves are the booking's to delete. Already
    cancelled requests are left alone, so cancelling twice is harmless.
    """
    query = (
        select(CoverRequest)
        .where(
            CoverRequest.school_id == school_id,
            CoverRequest.purpose_id == purpose_id,
            CoverRequest.status != CoverStatus.CANCELLED.value,
        )
        .order_by(CoverRequest.id)  # one lock order for every canceller: no deadlocks
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    cancelled = list((await session.scalars(query)).all())
    for request in cancelled:
        request.status = CoverStatus.CANCELLED
        await record_cover_change(session, request)
    return cancelled


async def purposes_at_risk(
    session: AsyncSession, school_id: uuid.UUID, purpose_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these bookings have a declined cover request: they need re-planning."""
    if not purpose_ids:
        return set()
    rows = await session.scalars(
        select(CoverRequest.purpose_id)
        .where(
            CoverRequest.school_id == school_id,
            CoverRequest.purpose_id.in_(list(purpose_ids)),
            CoverRequest.status == CoverStatus.DECLINED.value,
        )
        .distinct()
    )
    return set(rows.all())


async def record_unrecorded(session: AsyncSession) -> int:
    """Safety net: record creations a writer forgot to, a minute after they were made.

    Late is better than never for the feed; the warning tells us which
    feature to fix.
    """
    forgotten = (
        await session.scalars(
            select(CoverRequest)
            .where(
                CoverRequest.version == 0,
                CoverRequest.created_at < text("now() - interval '1 minute'"),
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    for request in forgotten:
        log.warning("cover request %s was created without being recorded", request.id)
        await record_cover_change(session, request)
    return len(forgotten)
