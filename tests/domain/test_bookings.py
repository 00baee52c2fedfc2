"""Booking seats on the kit school's Monday of Week B (7 September 2026).

That Monday: Ann (T1) teaches 9B/Ma in P1 and has PPA in P5; Ben (T2)
teaches 8C/En in P2 and has ECT time in P4; Dev (T4) teaches 11E/Hi in P1, is
on duty in P4 and away at an event in P5; Eve (CS1) may cover every teaching
period, at most 3 a day.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import bookings
from lessonstudy.domain.bookings import Seat
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.cover_requests import CoverRequest, CoverStatus
from lessonstudy.domain.scheduling.policy import SchedulingRules, set_rules
from lessonstudy.domain.webhooks import EventType, WebhookEvent
from lessonstudy.domain.webhooks.subscriptions import create_subscription
from lessonstudy.errors import Conflict
from tests.kit import Client, SchoolKit
from tests.timetable_kit import load_timetable

MONDAY_B = date(2026, 9, 7)
OBSERVING = CommitmentKind.OBSERVING


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


async def _book(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, *seats: Seat
) -> bookings.Booked:
    async with sessions.begin() as session:
        return await bookings.book(
            session, school.school_id, purpose="test", purpose_id=uuid.uuid4(), seats=seats
        )


async def _clashes(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, *seats: Seat
) -> list[dict[str, str]]:
    with pytest.raises(Conflict) as refused:
        await _book(sessions, school, *seats)
    clashes: list[dict[str, str]] = refused.value.extensions["clashes"]
    return clashes


async def _count(sessions: async_sessionmaker[AsyncSession], table: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_free_person_is_booked_to_observe(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    booked = await _book(sessions, school, Seat(people["T2"], MONDAY_B, "P1", OBSERVING))
    assert [(c.staff_id, c.kind) for c in booked.commitments] == [(people["T2"], "observing")]
    assert booked.cover_requests == []


async def test_a_teacher_is_released_with_cover_and_a_cover_request(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    booked = await _book(
        sessions,
        school,
        Seat(people["T1"], MONDAY_B, "P1", CommitmentKind.TEACHING, class_code="9B/Ma"),
        Seat(people["T4"], MONDAY_B, "P1", OBSERVING, cover_by=people["CS1"]),
    )
    kinds = {(c.staff_id, c.kind) for c in booked.commitments}
    assert kinds == {
        (people["T1"], "teaching"),
        (people["T4"], "observing"),
        (people["CS1"], "covering"),
    }
    [request] = booked.cover_requests
    assert (request.class_code, request.room, request.released_staff_id) == (
        "11E/Hi",
        "H1",
        people["T4"],
    )
    assert request.proposed_cover_staff_id == people["CS1"]
    assert request.status == CoverStatus.REQUESTED
    assert request.teacher_cover is False


async def test_a_teacher_cannot_leave_a_class_without_cover(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    [clash] = await _clashes(sessions, school, Seat(people["T4"], MONDAY_B, "P1", OBSERVING))
    assert "teaches 11E/Hi then" in clash["reason"]


async def test_a_class_the_school_never_leaves_to_cover_keeps_its_teacher(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    async with sessions.begin() as session:
        await set_rules(
            session, school.school_id, SchedulingRules(classes_never_covered=("11E/Hi",))
        )
    [clash] = await _clashes(
        sessions, school, Seat(people["T4"], MONDAY_B, "P1", OBSERVING, cover_by=people["CS1"])
    )
    assert clash["reason"] == "teaches 11E/Hi then, a class the school never leaves to cover"


async def test_a_teacher_may_not_cover_when_the_school_forbids_it(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    [clash] = await _clashes(
        sessions, school, Seat(people["T4"], MONDAY_B, "P1", OBSERVING, cover_by=people["T2"])
    )
    assert "cover for 11E/Hi is not available" in clash["reason"]


async def test_protected_time_needs_the_owner_to_opt_in(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    [clash] = await _clashes(sessions, school, Seat(people["T1"], MONDAY_B, "P5", OBSERVING))
    assert "protected PPA time" in clash["reason"]
    booked = await _book(
        sessions, school, Seat(people["T1"], MONDAY_B, "P5", OBSERVING, use_protected=True)
    )
    assert len(booked.commitments) == 1


async def test_teaching_must_be_the_named_class(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    [clash] = await _clashes(
        sessions,
        school,
        Seat(people["T1"], MONDAY_B, "P1", CommitmentKind.TEACHING, class_code="10A/Ma"),
    )
    assert clash["reason"] == "teaches 9B/Ma then, not 10A/Ma"


@pytest.mark.parametrize(
    ("who", "period", "reason"),
    [("T4", "P4", "is on duty then"), ("T4", "P5", "is absent then")],
)
async def test_a_busy_person_is_refused_with_the_reason(
    sessions: async_sessionmaker[AsyncSession],
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    who: str,
    period: str,
    reason: str,
) -> None:
    [clash] = await _clashes(sessions, school, Seat(people[who], MONDAY_B, period, OBSERVING))
    assert clash["reason"] == reason


async def test_someone_already_booked_is_refused(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    await _book(sessions, school, Seat(people["T2"], MONDAY_B, "P3", OBSERVING))
    [clash] = await _clashes(sessions, school, Seat(people["T2"], MONDAY_B, "P3", OBSERVING))
    assert clash["reason"] == "is already booked then"


async def test_one_clash_books_nothing(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    clashes = await _clashes(
        sessions,
        school,
        Seat(people["T2"], MONDAY_B, "P1", OBSERVING),
        Seat(people["T4"], MONDAY_B, "P4", OBSERVING),
    )
    assert [c["staff_id"] for c in clashes] == [str(people["T4"])]
    assert await _count(sessions, Commitment) == 0


async def test_a_day_that_is_not_a_school_day_is_refused(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    [clash] = await _clashes(
        sessions, school, Seat(people["T2"], date(2026, 9, 25), "P1", OBSERVING)
    )
    assert "not a school day" in clash["reason"]


async def test_concurrent_bookings_of_one_person_leave_one_winner(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    seat = Seat(people["T2"], MONDAY_B, "P3", OBSERVING)
    results = await asyncio.gather(
        *(_book(sessions, school, seat) for _ in range(4)), return_exceptions=True
    )
    won = [r for r in results if isinstance(r, bookings.Booked)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(won), len(lost)) == (1, 3)
    assert await _count(sessions, Commitment) == 1


async def test_cancel_releases_everyone_and_cancels_cover(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    purpose_id = uuid.uuid4()
    async with sessions.begin() as session:
        await bookings.book(
            session,
            school.school_id,
            purpose="test",
            purpose_id=purpose_id,
            seats=[Seat(people["T4"], MONDAY_B, "P1", OBSERVING, cover_by=people["CS1"])],
        )
    async with sessions.begin() as session:
        cancelled = await bookings.cancel(session, school.school_id, purpose_id=purpose_id)
    assert [c.status for c in cancelled] == ["cancelled"]
    assert await _count(sessions, Commitment) == 0
    async with sessions() as session:
        statuses = (await session.scalars(select(CoverRequest.status))).all()
    assert statuses == ["cancelled"]


async def test_booking_and_cancelling_announce_themselves_to_webhooks(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    async with sessions.begin() as session:
        await create_subscription(
            session,
            school.school_id,
            url="https://mis.example/hooks",
            events=[EventType.BOOKING_CREATED, EventType.BOOKING_CANCELLED],
            description=None,
            active=True,
        )
    purpose_id = uuid.uuid4()
    async with sessions.begin() as session:
        await bookings.book(
            session,
            school.school_id,
            purpose="test",
            purpose_id=purpose_id,
            seats=[Seat(people["T4"], MONDAY_B, "P1", OBSERVING, cover_by=people["CS1"])],
        )
    async with sessions.begin() as session:
        await bookings.cancel(session, school.school_id, purpose_id=purpose_id)
    async with sessions() as session:
        events = (
            await session.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at))
        ).all()
    assert [e.type for e in events] == ["booking.created", "booking.cancelled"]
    for event in events:
        assert event.payload["purpose_id"] == str(purpose_id)
        assert {c["kind"] for c in event.payload["commitments"]} == {"observing", "covering"}
        assert len(event.payload["cover_request_ids"]) == 1
