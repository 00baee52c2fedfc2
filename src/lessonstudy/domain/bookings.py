"""Booking people into periods: the one way any feature takes someone's time.

A research lesson, a peer observation or an accepted scheduler proposal all
come down to seats: this person, on this date, in this period, teaching,
observing or discussing. Booking re-checks every seat against the school as
it is now (the timetable, absences, duties, protected time, other bookings and
cover caps), then writes the commitments, the cover person's commitment and a
cover request for every teacher released from a lesson, all in the caller's
transaction.

The checks give people a reason they can act on; the unique commitment per
person and period has the last word, so two bookings racing for the same
person can never both win. Cover caps are checked here, not in the database:
two concurrent bookings can each take a cover supervisor's last slot of the
day, which the integration sees and can decline.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import availability
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.cover_requests import (
    CoverRequest,
    CoverStatus,
    cancel_cover_requests,
    record_cover_change,
)
from lessonstudy.domain.scheduling.policy import get_rules
from lessonstudy.domain.webhooks import EventType, emit
from lessonstudy.errors import Conflict, RuleBroken


@dataclass(frozen=True, slots=True)
class Seat:
    """One person's place in one period, and what releases them if they teach then."""

    staff_id: uuid.UUID
    day: date
    period: str
    kind: CommitmentKind
    cover_by: uuid.UUID | None = None
    """They teach then: who covers their class, so they can be released."""
    class_code: str | None = None
    """For teaching: the class they must be teaching then."""
    use_protected: bool = False
    """Their PPA or ECT time may be used: only when they opted in, for their own development."""


@dataclass(frozen=True, slots=True)
class Clash:
    staff_id: uuid.UUID
    day: date
    period: str
    reason: str

    def as_problem(self) -> dict[str, Any]:
        return {
            "staff_id": str(self.staff_id),
            "date": self.day.isoformat(),
            "period": self.period,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Booked:
    commitments: list[Commitment] = field(default_factory=list)
    cover_requests: list[CoverRequest] = field(default_factory=list)


_BOOKABLE = (CommitmentKind.TEACHING, CommitmentKind.OBSERVING, CommitmentKind.DISCUSSING)

# Why someone who is neither free nor teaching cannot take a seat, by timetable activity.
_BUSY_REASONS = {
    "not_working": "does not work that day",
    "absent": "is absent then",
    "committed": "is already booked then",
    "duty": "is on duty then",
    "meeting": "is in a meeting then",
}


async def book(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    purpose: str,
    purpose_id: uuid.UUID,
    seats: Sequence[Seat],
) -> Booked:
    """Book every seat or none: a Conflict (409) lists every clash found."""
    for seat in seats:
        if seat.kind not in _BOOKABLE:
            raise ValueError(f"a seat is for teaching, observing or discussing, not {seat.kind}")
    booked, clashes = await _plan(session, school_id, purpose, purpose_id, seats)
    if clashes:
        raise _conflict(clashes)
    try:
        async with session.begin_nested():
            session.add_all(booked.commitments)
            await session.flush()
            session.add_all(booked.cover_requests)
            await session.flush()
    except IntegrityError:
        # Someone was booked into one of these periods at the same moment; their
        # transaction has committed by now, so a second look names them.
        _, clashes = await _plan(session, school_id, purpose, purpose_id, seats)
        raise _conflict(
            clashes
            or [
                Clash(s.staff_id, s.day, s.period, "was booked by someone else just now")
                for s in seats
            ]
        ) from None
    # The integration's change feed and webhooks hear of each new request in this transaction.
    for request in booked.cover_requests:
        await record_cover_change(session, request)
    await emit(
        session,
        school_id,
        EventType.BOOKING_CREATED,
        {
            "purpose": purpose,
            "purpose_id": purpose_id,
            "commitments": [_described(c) for c in booked.commitments],
            "cover_request_ids": [r.id for r in booked.cover_requests],
        },
    )
    return booked


def _described(commitment: Commitment) -> dict[str, Any]:
    return {
        "staff_id": commitment.staff_id,
        "date": commitment.day,
        "period": commitment.period_code,
        "kind": commitment.kind,
    }


def _conflict(clashes: Sequence[Clash]) -> Conflict:
    return Conflict(
        "the booking clashes with the timetable as it is now: "
        + "; ".join(f"{c.day} {c.period}: {c.reason}" for c in clashes[:5]),
        clashes=[c.as_problem() for c in clashes],
    )


async def _plan(
    session: AsyncSession,
    school_id: uuid.UUID,
    purpose: str,
    purpose_id: uuid.UUID,
    seats: Sequence[Seat],
) -> tuple[Booked, list[Clash]]:
    """The rows a booking would write, and every reason it cannot."""
    by_slot: dict[tuple[date, str], list[Seat]] = defaultdict(list)
    for seat in seats:
        by_slot[(seat.day, seat.period)].append(seat)
    booked = Booked()
    clashes: list[Clash] = []
    # Classes whose teacher is never released (exam groups): the scheduler's rule, here too.
    never_covered = set((await get_rules(session, school_id)).classes_never_covered)
    for (day, period), slot_seats in by_slot.items():
        try:
            slot = await availability.slot_availability(session, school_id, day, period)
        except RuleBroken as refused:
            clashes += [Clash(s.staff_id, day, period, refused.detail) for s in slot_seats]
            continue
        free = {p.staff_id: p for p in slot.free}
        teaching = {r.staff_id: r for r in slot.releasable}
        seated = [s.staff_id for s in slot_seats]
        taken: set[uuid.UUID] = set()  # people given a place in this period so far
        for seat in slot_seats:
            reason: str | None = None
            if seated.count(seat.staff_id) > 1:
                reason = "has more than one place in this period"
            elif seat.kind is CommitmentKind.TEACHING:
                lesson = teaching.get(seat.staff_id)
                if lesson is None:
                    reason = await _why_unavailable(
                        session, school_id, seat, "is not teaching then"
                    )
                elif seat.class_code is not None and lesson.class_code != seat.class_code:
                    reason = f"teaches {lesson.class_code} then, not {seat.class_code}"
            elif seat.staff_id in free:
                protected = free[seat.staff_id].protected
                if protected is not None and not seat.use_protected:
                    reason = (
                        f"that is their protected {protected.upper()} time, "
                        "usable only if they opt in"
                    )
            elif seat.staff_id in teaching:
                lesson = teaching[seat.staff_id]
                option = next((o for o in lesson.cover if o.staff_id == seat.cover_by), None)
                if lesson.class_code in never_covered:
                    reason = (
                        f"teaches {lesson.class_code} then, a class the school never leaves "
                        "to cover"
                    )
                elif seat.cover_by is None:
                    reason = f"teaches {lesson.class_code} then; name who covers to release them"
                elif option is None or seat.cover_by in seated or seat.cover_by in taken:
                    reason = (
                        f"the cover for {lesson.class_code} is not available then "
                        "(busy, at a cover cap, or not allowed to cover)"
                    )
                else:
                    taken.add(option.staff_id)
                    booked.commitments.append(
                        _commitment(school_id, option.staff_id, seat, purpose, purpose_id, True)
                    )
                    booked.cover_requests.append(
                        CoverRequest(
                            school_id=school_id,
                            day=day,
                            period_code=period,
                            class_code=lesson.class_code,
                            subject=lesson.subject,
                            room=lesson.room,
                            released_staff_id=seat.staff_id,
                            proposed_cover_staff_id=option.staff_id,
                            teacher_cover=option.teacher_cover,
                            status=CoverStatus.REQUESTED,
                            purpose=purpose,
                            purpose_id=purpose_id,
                        )
                    )
            else:
                reason = await _why_unavailable(session, school_id, seat, "is not free then")
            if seat.staff_id in taken and reason is None:
                reason = "is covering a released colleague's class then"
            if reason is not None:
                clashes.append(Clash(seat.staff_id, day, period, reason))
                continue
            taken.add(seat.staff_id)
            booked.commitments.append(
                _commitment(school_id, seat.staff_id, seat, purpose, purpose_id, False)
            )
    return booked, clashes


def _commitment(
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    seat: Seat,
    purpose: str,
    purpose_id: uuid.UUID,
    covering: bool,
) -> Commitment:
    return Commitment(
        school_id=school_id,
        staff_id=staff_id,
        day=seat.day,
        period_code=seat.period,
        kind=CommitmentKind.COVERING if covering else seat.kind,
        purpose=purpose,
        purpose_id=purpose_id,
    )


async def _why_unavailable(
    session: AsyncSession, school_id: uuid.UUID, seat: Seat, otherwise: str
) -> str:
    """The person's activity in that period, in words (their absence reason stays private)."""
    entries = await availability.staff_timetable(
        session, school_id, seat.staff_id, seat.day, seat.day
    )
    activity = next((e.activity for e in entries if e.period == seat.period), None)
    if activity is None:
        return otherwise
    return _BUSY_REASONS.get(activity, otherwise)


async def cancel(
    session: AsyncSession, school_id: uuid.UUID, *, purpose_id: uuid.UUID
) -> list[CoverRequest]:
    """Release everyone booked for a purpose and cancel its open cover requests."""
    released = await session.scalars(
        delete(Commitment)
        .where(Commitment.school_id == school_id, Commitment.purpose_id == purpose_id)
        .returning(Commitment)
    )
    commitments = list(released.all())
    # Recorded for the change feed and the webhooks, like every cover request change.
    cancelled = await cancel_cover_requests(session, school_id, purpose_id)
    if commitments:
        await emit(
            session,
            school_id,
            EventType.BOOKING_CANCELLED,
            {
                "purpose": commitments[0].purpose,
                "purpose_id": purpose_id,
                "commitments": [_described(c) for c in commitments],
                "cover_request_ids": [r.id for r in cancelled],
            },
        )
    return cancelled


async def booked_for(
    session: AsyncSession, school_id: uuid.UUID, purpose_id: uuid.UUID
) -> list[Commitment]:
    """Every commitment made for a purpose, by date, period and kind."""
    result = await session.scalars(
        select(Commitment)
        .where(Commitment.school_id == school_id, Commitment.purpose_id == purpose_id)
        .order_by(Commitment.day, Commitment.period_code, Commitment.kind, Commitment.staff_id)
    )
    return list(result.all())
