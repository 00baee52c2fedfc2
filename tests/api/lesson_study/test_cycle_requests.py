"""The scheduling request a cycle makes of itself: people from the cycle, a spaced window.

On the kit's fixed autumn-2026 dates, with the clock passed in: cycle 1's
research lesson was on Monday 7 September 2026, and the school's default
policy keeps cycles of one group 7 days apart.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.scheduling.records import CycleAsk, cycle_request
from lessonstudy.domain.scheduling.requests import Purpose, RequestFor
from lessonstudy.domain.staff import Role
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Forbidden, RuleBroken
from tests.api.lesson_study.flow import (
    LESSON_DAYS,
    form_group,
    plan_body,
    run_cycle,
    save_plan,
    start_cycle,
)
from tests.kit import Client, SchoolKit

TUESDAY = datetime(2026, 9, 8, 9, 0, tzinfo=UTC)


def _caller(school: SchoolKit, who: str) -> Principal:
    return Principal(
        token_id=uuid.uuid4(),
        school_id=school.school_id,
        staff_id=school.staff_ids[who],
        integration_client_id=None,
        roles=frozenset({Role.TEACHER}),
        scopes=frozenset(),
    )


async def _second_cycle(client: Client, school: SchoolKit) -> uuid.UUID:
    found = await form_group(client, school, planned_cycles=2)
    await run_cycle(client, school, found["id"], LESSON_DAYS[0])
    cycle = await start_cycle(client, school, found["id"], teacher="T2")
    assert (await save_plan(client, school, cycle["id"], plan_body())).status_code == 200
    return uuid.UUID(cycle["id"])


async def _cycle_with_staff_knowledgeable_other(client: Client, school: SchoolKit) -> uuid.UUID:
    found = await form_group(
        client, school, knowledgeable_other={"staff_id": str(school.staff_ids["ect"])}
    )
    return uuid.UUID((await start_cycle(client, school, found["id"]))["id"])


async def test_a_first_cycle_asks_from_tomorrow_for_three_weeks(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle_id = await _cycle_with_staff_knowledgeable_other(client, school)
    async with sessions() as session:
        asked = await cycle_request(
            session, _caller(school, "T3"), cycle_id, CycleAsk(needs_discussion=False), TUESDAY
        )
    assert (asked.first_day, asked.last_day) == (date(2026, 9, 9), date(2026, 9, 29))
    assert (asked.teacher_id, asked.class_code) == (people["T1"], "9B/Ma")
    assert asked.member_ids == (people["T2"], people["T3"])
    # The knowledgeable other on the staff attends by default, so watches too.
    assert asked.knowledgeable_other_id == school.staff_ids["ect"]
    assert not asked.needs_discussion
    assert asked.cycle == 1
    assert asked.purpose == Purpose(RequestFor.RESEARCH_LESSON, cycle_id)


async def test_the_next_cycle_is_asked_for_a_week_after_the_last_lesson(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle_id = await _second_cycle(client, school)
    async with sessions() as session:
        asked = await cycle_request(session, _caller(school, "T3"), cycle_id, CycleAsk(), TUESDAY)
    assert (asked.first_day, asked.last_day) == (date(2026, 9, 14), date(2026, 10, 4))
    assert asked.teacher_id == people["T2"]
    assert asked.member_ids == (people["T1"], people["T3"])
    assert asked.knowledgeable_other_id is None
    assert asked.needs_discussion
    assert asked.cycle == 2


async def test_a_window_before_the_spacing_is_refused_and_one_across_it_is_cut(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle_id = await _second_cycle(client, school)
    async with sessions() as session:
        with pytest.raises(RuleBroken) as refused:
            await cycle_request(
                session,
                _caller(school, "T1"),
                cycle_id,
                CycleAsk(first_day=date(2026, 9, 9), last_day=date(2026, 9, 11)),
                TUESDAY,
            )
        assert "2026-09-07" in refused.value.detail
        assert refused.value.extensions["errors"][0]["field"] == "window.to"
        cut = await cycle_request(
            session,
            _caller(school, "T1"),
            cycle_id,
            CycleAsk(first_day=date(2026, 9, 9), last_day=date(2026, 9, 30)),
            TUESDAY,
        )
    assert (cut.first_day, cut.last_day) == (date(2026, 9, 14), date(2026, 9, 30))


async def test_the_knowledgeable_other_reads_the_cycle_but_does_not_schedule_it(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle_id = await _cycle_with_staff_knowledgeable_other(client, school)
    async with sessions() as session:
        with pytest.raises(Forbidden):
            await cycle_request(session, _caller(school, "ect"), cycle_id, CycleAsk(), TUESDAY)
