"""The day-before reminder: once per person per booking, from noon school time the day before.

Dev (T4) is released from 11E/Hi on Monday 7 September 2026, period 1, to
watch Ann (T1) teach 9B/Ma; Eve (CS1) covers. London is on BST (UTC+1).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.notifications import Notification
from lessonstudy.domain.reminders import day_before_reminders
from tests.cover_kit import release_to_observe
from tests.kit import Client, SchoolKit
from tests.timetable_kit import load_timetable


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


async def _remind(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessions.begin() as session:
        return await day_before_reminders(session, now)


async def _reminders(sessions: async_sessionmaker[AsyncSession]) -> list[Notification]:
    async with sessions() as session:
        found = await session.scalars(select(Notification).where(Notification.kind == "reminder"))
        return list(found.all())


async def test_everyone_booked_tomorrow_is_reminded_once(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    purpose_id, _ = await release_to_observe(sessions, school, people)
    sunday_afternoon = datetime(2026, 9, 6, 13, 30, tzinfo=UTC)  # 14:30 in London
    assert await _remind(sessions, sunday_afternoon) == 3
    assert await _remind(sessions, sunday_afternoon.replace(hour=20)) == 0  # already told
    sent = {n.staff_id: n for n in await _reminders(sessions)}
    assert set(sent) == {people["T1"], people["T4"], people["CS1"]}
    assert sent[people["T4"]].subject == "Tomorrow: Observing the research lesson"
    assert "Period P1 (08:55-09:55)" in sent[people["T4"]].body
    assert sent[people["CS1"]].subject == "Tomorrow: Cover: 11E/Hi (History)"
    assert {n.about_id for n in sent.values()} == {purpose_id}


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 9, 6, 10, 0, tzinfo=UTC),  # 11:00 in London: before noon
        datetime(2026, 9, 5, 13, 0, tzinfo=UTC),  # two days before
        datetime(2026, 9, 7, 13, 0, tzinfo=UTC),  # the day itself
    ],
)
async def test_no_reminder_at_other_times(
    sessions: async_sessionmaker[AsyncSession],
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    now: datetime,
) -> None:
    await release_to_observe(sessions, school, people)
    assert await _remind(sessions, now) == 0


async def test_one_reminder_for_several_periods_of_one_booking(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    purpose_id, _ = await release_to_observe(sessions, school, people)
    async with sessions.begin() as session:
        from lessonstudy.domain import bookings
        from lessonstudy.domain.bookings import Seat
        from lessonstudy.domain.commitments import CommitmentKind

        await bookings.book(
            session,
            school.school_id,
            purpose="research_lesson",
            purpose_id=purpose_id,
            seats=[
                Seat(people["T4"], datetime(2026, 9, 7).date(), "P2", CommitmentKind.DISCUSSING)
            ],
        )
    assert await _remind(sessions, datetime(2026, 9, 6, 12, 0, tzinfo=UTC)) == 3
    [dev] = [n for n in await _reminders(sessions) if n.staff_id == people["T4"]]
    assert dev.body.count("Period") == 2
