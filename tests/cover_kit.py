"""Cover requests for tests: through the real booking code, or written directly when a test
needs many and no timetable.

On the kit school's Monday of Week B (7 September 2026), period 1, Ann (T1)
teaches 9B/Ma and Dev (T4) teaches 11E/Hi; Eve (CS1) and, with
``two_cover_supervisors``, Gus (CS2) may cover.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import bookings
from lessonstudy.domain.bookings import Booked, Seat
from lessonstudy.domain.commitments import CommitmentKind
from lessonstudy.domain.cover_requests import CoverRequest, record_cover_change
from tests.kit import SchoolKit
from tests.timetable_kit import TEACHING, school_payload

MONDAY_B = date(2026, 9, 7)
NEXT_MONDAY_B = date(2026, 9, 21)


def upcoming(payload: dict[str, Any], today: date | None = None) -> tuple[dict[str, Any], date]:
    """The kit timetable moved on by whole fortnights so its first Monday of Week B is still
    to come, and that Monday. For what only shows from today on (calendar feeds)."""
    today = today or date.today()
    fortnights = max(0, (today - MONDAY_B).days // 14 + 1)
    shift = timedelta(days=14 * fortnights)

    def moved(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: date.fromisoformat(item) + shift if key in _DATES else moved(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [moved(item) for item in value]
        return value

    shifted = msgspec.json.decode(msgspec.json.encode(moved(payload)))
    return shifted, MONDAY_B + shift


_DATES = {"effective_from", "starts_on", "ends_on"}


def two_cover_supervisors() -> dict[str, Any]:
    """The kit timetable with a second cover supervisor, free to cover all Monday of Week B."""
    payload = school_payload()
    payload["staff"].append(
        {"external_id": "CS2", "name": "Gus Grant", "roles": ["cover_supervisor"]}
    )
    payload["cover_slots"] += [
        {"staff": "CS2", "weekday": "monday", "period": code, "week": 2} for code in TEACHING
    ]
    return payload


async def release_to_observe(
    sessions: async_sessionmaker[AsyncSession],
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    *,
    purpose_id: uuid.UUID | None = None,
    day: date = MONDAY_B,
) -> tuple[uuid.UUID, Booked]:
    """Dev (T4) is released from 11E/Hi to watch Ann (T1) teach 9B/Ma in period 1 of a Monday
    of Week B; Eve (CS1) covers."""
    purpose_id = purpose_id or uuid.uuid4()
    async with sessions.begin() as session:
        booked = await bookings.book(
            session,
            school.school_id,
            purpose="research_lesson",
            purpose_id=purpose_id,
            seats=[
                Seat(
                    people["T1"],
                    day,
                    "P1",
                    CommitmentKind.TEACHING,
                    class_code="9B/Ma",
                ),
                Seat(
                    people["T4"],
                    day,
                    "P1",
                    CommitmentKind.OBSERVING,
                    cover_by=people["CS1"],
                ),
            ],
        )
    return purpose_id, booked


async def add_request(
    session: AsyncSession,
    school_id: uuid.UUID,
    released_staff_id: uuid.UUID,
    *,
    day: date = MONDAY_B,
    period: str = "P1",
    class_code: str = "7X/Ma",
) -> CoverRequest:
    """A cover request written directly and recorded as the booking code records it."""
    request = CoverRequest(
        school_id=school_id,
        day=day,
        period_code=period,
        class_code=class_code,
        released_staff_id=released_staff_id,
        purpose="test",
        purpose_id=uuid.uuid4(),
    )
    session.add(request)
    await record_cover_change(session, request)
    return request
