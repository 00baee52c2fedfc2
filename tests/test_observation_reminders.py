"""The follow-up reminder: on the school-local follow-up date, once, from the worker job."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.notifications import Notification
from lessonstudy.domain.peer_observation.reflection import send_follow_up_reminders
from lessonstudy.worker import observation_follow_ups
from tests.kit import Client, SchoolKit
from tests.observation_kit import AFTER, SetClock, booked_observation, moving_clock
from tests.timetable_kit import load_timetable


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    return moving_clock(monkeypatch)


async def _remind(sessions: async_sessionmaker[AsyncSession], at: str) -> int:
    async with sessions.begin() as session:
        return await send_follow_up_reminders(session, datetime.fromisoformat(at))


async def _reminders(sessions: async_sessionmaker[AsyncSession]) -> list[Notification]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification)
            .where(Notification.kind == "observation_follow_up")
            .order_by(Notification.created_at)
        )
        return list(rows.all())


@pytest.fixture
async def reflected(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    set_clock: SetClock,
) -> str:
    await load_timetable(client, school, sessions)
    observation_id = await booked_observation(client, school, set_clock)
    set_clock(AFTER)
    response = await client.put(
        f"/v1/observations/{observation_id}/reflection",
        json={"reflection": "More wait time", "follow_up_action": "Try a hinge question"},
        headers=school.auth("T1"),
    )
    assert response.json()["follow_up_on"] == "2026-09-14"
    return observation_id


async def test_the_reminder_comes_on_the_school_local_date_once(
    school: SchoolKit, sessions: async_sessionmaker[AsyncSession], reflected: str
) -> None:
    assert await _remind(sessions, "2026-09-13T22:30:00+00:00") == 0  # 23:30 in London
    assert await _remind(sessions, "2026-09-13T23:30:00+00:00") == 1  # 00:30 on the 14th
    assert await _remind(sessions, "2026-09-14T09:00:00+00:00") == 0
    [sent] = await _reminders(sessions)
    assert sent.staff_id == school.staff_ids["T1"]
    assert (sent.about, sent.about_id) == ("observation", uuid.UUID(reflected))
    assert "Try a hinge question" in sent.subject


async def test_a_new_follow_up_date_earns_a_new_reminder(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    reflected: str,
    set_clock: SetClock,
) -> None:
    await _remind(sessions, "2026-09-14T09:00:00+01:00")
    set_clock("2026-09-14T10:00:00+01:00")
    moved = await client.put(
        f"/v1/observations/{reflected}/reflection",
        json={"reflection": "More wait time", "follow_up_on": "2026-09-21"},
        headers=school.auth("T1"),
    )
    assert moved.json()["reminded_at"] is None
    assert moved.json()["follow_up_action"] == "Try a hinge question"  # kept when not sent
    past = await client.put(
        f"/v1/observations/{reflected}/reflection",
        json={"reflection": "x", "follow_up_on": "2026-09-13"},
        headers=school.auth("T1"),
    )
    assert past.status_code == 422
    assert await _remind(sessions, "2026-09-21T09:00:00+01:00") == 1
    assert len(await _reminders(sessions)) == 2


async def test_the_worker_job_sends_them(
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    reflected: str,
    set_clock: SetClock,
) -> None:
    set_clock("2026-09-14T07:00:00+01:00")
    ctx: dict[str, Any] = {"sessions": sessions}
    assert await observation_follow_ups(ctx) == 1
    assert await observation_follow_ups(ctx) == 0
    assert len(await _reminders(sessions)) == 1


async def test_no_reminder_for_a_deleted_observation(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    reflected: str,
) -> None:
    deleted = await client.delete(f"/v1/observations/{reflected}", headers=school.auth("T1"))
    assert deleted.status_code == 204
    assert await _remind(sessions, "2026-09-14T09:00:00+01:00") == 0
