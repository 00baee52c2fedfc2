"""Quick suggestions for one request on the kit school (see tests/scheduling_kit.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import scheduling_kit as kit
from tests.kit import Client, SchoolKit

SUGGEST = "/v1/scheduling/suggestions"


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await kit.load(client, school, sessions)


async def _suggest(
    client: Client, school: SchoolKit, request: dict[str, Any], who: str = "cpd_lead"
) -> Any:
    response = await client.post(SUGGEST, json={"request": request}, headers=school.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_research_lesson_is_suggested_with_its_discussion_after_school(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    found = await _suggest(client, school, kit.research_lesson(people))
    (best,) = found["items"]
    assert (best["date"], best["period"], best["class_code"]) == (kit.MONDAY, "P1", "9B/Ma")
    assert set(best["observer_ids"]) == {str(people["T2"]), str(people["T3"])}
    assert best["discussion"] == {"date": kit.MONDAY, "period": "AS"}
    assert best["covers"] == []
    assert found["explanation"] is None


async def test_an_observer_who_teaches_then_is_released_with_a_supervisors_cover(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    (best,) = (await _suggest(client, school, kit.observation(people)))["items"]
    assert best["covers"] == [
        {
            "class_code": "11E/Hi",
            "released_staff_id": str(people["T4"]),
            "cover_staff_id": str(people["CS1"]),
            "teacher_cover": False,
        }
    ]
    assert (best["supervisor_cover"], best["teacher_cover"], best["cover_cost"]) == (1, 0, 1)
    assert best["teacher_cover_needed"] is False


async def test_a_free_observer_ranks_before_one_who_needs_cover(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    request = kit.observation(people, observer_ids=[str(people["T4"]), str(people["T2"])])
    items = (await _suggest(client, school, request))["items"]
    assert [(i["observer_ids"], i["cover_cost"]) for i in items] == [
        ([str(people["T2"])], 0),
        ([str(people["T4"])], 1),
    ]


async def test_teacher_cover_is_flagged_and_costs_more(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # No cover supervisor this time, and the school lets teachers cover.
    people = await kit.load(
        client,
        school,
        sessions,
        cover_slots=[],
        cover_policy={"teacher_cover_allowed": True, "teacher_max_per_term": 2},
    )
    (best,) = (await _suggest(client, school, kit.observation(people)))["items"]
    (cover,) = best["covers"]
    assert cover["teacher_cover"] is True
    assert cover["cover_staff_id"] in {str(people["T2"]), str(people["T3"])}
    assert best["teacher_cover_needed"] is True
    assert best["cover_cost"] > 1


async def test_no_slot_is_explained_naming_who_is_busy(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # Without an after-school period the triad never meets after Ann's P1 lesson.
    people = await kit.load(client, school, sessions, after_school=False)
    found = await _suggest(client, school, kit.research_lesson(people))
    assert found["items"] == []
    explanation = found["explanation"]
    assert explanation["kind"] == "no_feasible_slot"
    assert explanation["candidate_slots"] == 1
    busy = {b["staff_id"]: b["details"] for b in explanation["blockers"]}
    assert busy == {
        str(people["T1"]): ["PPA time"],
        str(people["T2"]): ["ECT time; teaching 8C/En"],
        str(people["T3"]): ["teaching 7D/Sc"],
    }
    assert {b["obstacle"] for b in explanation["blockers"]} == {"no_discussion_slot"}
    assert "Ben Brook not free to discuss after the lesson" in explanation["reason"]


async def test_an_observer_with_no_cover_is_named_with_the_count(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    people = await kit.load(client, school, sessions, cover_slots=[])
    request = kit.observation(people, last=kit.NEXT_MONDAY)
    found = await _suggest(client, school, request)
    assert found["items"] == []
    (blocker,) = found["explanation"]["blockers"]
    assert blocker == {
        "obstacle": "no_cover",
        "staff_id": str(people["T4"]),
        "slots": 2,
        "details": ["1 to cover, 0 cover available"],
    }
    assert found["explanation"]["reason"].endswith(
        "2 candidate slots; 2 by Dev Dale teaching with no cover available."
    )


async def test_suggestions_respect_what_is_already_booked(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO commitment (id, school_id, staff_id, day, period_code, kind, purpose)"
                " VALUES (gen_random_uuid(), :school, :staff, :day, 'P1', 'observing', 'test')"
            ),
            {"school": school.school_id, "staff": people["T3"], "day": kit.MONDAY_DATE},
        )
    found = await _suggest(client, school, kit.research_lesson(people))
    assert found["items"] == []
    assert found["explanation"]["blockers"][0]["details"] == ["booked for observing"]


async def test_a_teacher_may_ask_only_for_requests_they_take_part_in(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    mine = await client.post(
        SUGGEST, json={"request": kit.research_lesson(people)}, headers=school.auth("T2")
    )
    assert mine.status_code == 200, mine.text
    others = await client.post(
        SUGGEST, json={"request": kit.research_lesson(people)}, headers=school.auth("teacher")
    )
    assert others.status_code == 403
    integration = await client.post(
        SUGGEST, json={"request": kit.research_lesson(people)}, headers=school.auth("mis")
    )
    assert integration.status_code == 403


async def test_another_schools_staff_are_unknown_here(
    client: Client, school: SchoolKit, other_school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    response = await client.post(
        SUGGEST, json={"request": kit.research_lesson(people)}, headers=other_school.auth("admin")
    )
    assert response.status_code == 422
    assert "not an active member of staff" in response.json()["detail"]


async def test_a_window_that_ends_before_it_starts_is_refused(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    request = kit.research_lesson(people, first=kit.NEXT_MONDAY, last=kit.MONDAY)
    response = await client.post(SUGGEST, json={"request": request}, headers=school.auth("admin"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "request.window.to"
