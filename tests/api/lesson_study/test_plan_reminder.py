"""The knowledgeable other's copy of the plan, a week before the research lesson.

The lesson is booked for Monday 7 September 2026, period 1; London is on BST
(UTC+1), so the school's Monday 31 August begins at 23:00 UTC on the 30th.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.lesson_study.plan_reminder import KIND, send_plan_to_knowledgeable_others
from lessonstudy.domain.notifications import Notification
from tests.api.lesson_study.flow import (
    LESSON_DAYS,
    book,
    form_group,
    plan_body,
    save_plan,
    start_cycle,
)
from tests.kit import Client, SchoolKit

A_WEEK_BEFORE = datetime(2026, 8, 30, 23, 30, tzinfo=UTC)  # 00:30 on Monday 31 August
EIGHT_DAYS_BEFORE = datetime(2026, 8, 30, 22, 30, tzinfo=UTC)  # 23:30 on Sunday 30 August
GOAL = plan_body()["learning_goal"]


async def _booked_cycle(client: Client, school: SchoolKit, **group: Any) -> str:
    found = await form_group(client, school, **group)
    cycle_id: str = (await start_cycle(client, school, found["id"]))["id"]
    assert (await save_plan(client, school, cycle_id, plan_body())).status_code == 200
    booked = await book(client, school, cycle_id, LESSON_DAYS[0])
    assert booked.status_code == 200, booked.text
    return cycle_id


async def _remind(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessions.begin() as session:
        return await send_plan_to_knowledgeable_others(session, now)


async def _sent(sessions: async_sessionmaker[AsyncSession]) -> list[Notification]:
    async with sessions() as session:
        found = await session.scalars(select(Notification).where(Notification.kind == KIND))
        return list(found.all())


async def test_a_staff_knowledgeable_other_gets_the_plan_once_a_week_before(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle_id = await _booked_cycle(
        client, school, knowledgeable_other={"staff_id": str(school.staff_ids["ect"])}
    )
    assert await _remind(sessions, EIGHT_DAYS_BEFORE) == 0
    assert await _remind(sessions, A_WEEK_BEFORE) == 1
    assert await _remind(sessions, A_WEEK_BEFORE.replace(hour=23, minute=59)) == 0
    assert await _remind(sessions, datetime(2026, 9, 3, 12, 0, tzinfo=UTC)) == 0
    [sent] = await _sent(sessions)
    assert sent.staff_id == school.staff_ids["ect"]
    assert (sent.about, sent.about_id) == ("cycle", uuid.UUID(cycle_id))
    assert sent.subject == "The plan for the research lesson on Monday 7 September"
    assert GOAL in sent.body
    assert "Ann Archer teaches 9B/Ma" in sent.body


async def test_an_outside_knowledgeable_others_plan_goes_through_the_members(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _booked_cycle(
        client,
        school,
        knowledgeable_other={"name": "Dr Rae Moss", "email": "rae.moss@uni.example"},
    )
    assert await _remind(sessions, A_WEEK_BEFORE) == 3
    assert await _remind(sessions, A_WEEK_BEFORE) == 0
    sent = await _sent(sessions)
    assert {n.staff_id for n in sent} == {people["T1"], people["T2"], people["T3"]}
    for notification in sent:
        assert "send the plan to Dr Rae Moss <rae.moss@uni.example>" in notification.body
        assert GOAL in notification.body


async def test_no_copy_without_a_booking_or_a_knowledgeable_other(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _booked_cycle(client, school)
    found = await form_group(
        client, school, knowledgeable_other={"staff_id": str(school.staff_ids["ect"])}
    )
    await start_cycle(client, school, found["id"])
    assert await _remind(sessions, A_WEEK_BEFORE) == 0
    assert await _sent(sessions) == []
