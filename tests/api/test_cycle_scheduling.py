"""Research-lesson cycles and peer observations asking the scheduler, through HTTP.

On the re-dated kit school (tests/scheduling_kit.py): the triad Ann (T1,
teaching 9B/Ma in P1 every Monday), Ben (T2) and Cat (T3) asks for slots,
queues a run, the solver worker solves it, Ann accepts the proposal and the
cycle moves plan -> teach on the booking the scheduler made.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.settings import Settings
from tests import scheduling_kit as kit
from tests.api.lesson_study.flow import form_group, move, plan_body, save_plan, start_cycle
from tests.api.test_scheduling_runs import solve_queued
from tests.kit import Client, SchoolKit


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await kit.load(client, school, sessions)


async def _planned_cycle(client: Client, school: SchoolKit) -> str:
    group = await form_group(client, school)
    cycle_id: str = (await start_cycle(client, school, group["id"]))["id"]
    saved = await save_plan(client, school, cycle_id, plan_body())
    assert saved.status_code == 200, saved.text
    return cycle_id


async def _post(
    client: Client, school: SchoolKit, path: str, who: str, body: dict[str, Any]
) -> Any:
    return await client.post(path, json=body, headers=school.auth(who))


async def test_a_cycle_is_scheduled_by_a_run_and_then_taught(
    client: Client, school: SchoolKit, settings: Settings, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned_cycle(client, school)

    # Suggestions over the default window: three weeks from tomorrow.
    found = await _post(client, school, f"/v1/cycles/{cycle_id}/suggestions", "T2", {})
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert items
    tomorrow = date.today() + timedelta(days=1)
    for item in items:
        assert tomorrow <= date.fromisoformat(item["date"]) <= tomorrow + timedelta(days=20)
        assert (item["teacher_id"], item["class_code"]) == (str(people["T1"]), "9B/Ma")
        assert set(item["observer_ids"]) == {str(people["T2"]), str(people["T3"])}
        assert item["date"] != kit.NEXT_MONDAY  # Ben is away all that day
        assert item["discussion"] is not None

    # A run for the kit's Monday, from the cycle alone.
    window = {"from": kit.MONDAY, "to": kit.MONDAY}
    queued = await _post(
        client, school, f"/v1/cycles/{cycle_id}/scheduling-runs", "T1", {"window": window}
    )
    assert queued.status_code == 202, queued.text
    run = queued.json()
    [item] = run["items"]
    assert item["request"]["for"] == {"kind": "research_lesson", "id": cycle_id}
    assert item["request"]["member_ids"] == [str(people["T2"]), str(people["T3"])]

    # Not yet booked: the cycle cannot be taught.
    refused = await move(client, school, cycle_id, "teach")
    assert refused.status_code == 409, refused.text

    assert await solve_queued(settings) == ["solved"]
    solved = await client.get(f"/v1/scheduling/runs/{run['id']}", headers=school.auth("T3"))
    proposal = solved.json()["items"][0]
    assert proposal["status"] == "proposed", proposal
    assert (proposal["proposal"]["date"], proposal["proposal"]["period"]) == (kit.MONDAY, "P1")

    accepted = await client.post(
        f"/v1/scheduling/runs/{run['id']}/proposals/{item['request_id']}/accept",
        headers=school.auth("T1"),
    )
    assert accepted.status_code == 200, accepted.text
    assert {c["purpose_id"] for c in accepted.json()["commitments"]} == {cycle_id}

    booking = await client.get(f"/v1/cycles/{cycle_id}/booking", headers=school.auth("T1"))
    assert booking.json()["gaps"] == []
    taught = await move(client, school, cycle_id, "teach")
    assert taught.status_code == 200, taught.text
    assert (taught.json()["lesson_date"], taught.json()["lesson_period"]) == (kit.MONDAY, "P1")

    # Booked and under way: asking again is refused, saying why.
    again = await _post(client, school, f"/v1/cycles/{cycle_id}/suggestions", "T1", {})
    assert again.status_code == 409
    assert again.json()["unmet"] == ["postpone the lesson to schedule it again"]


async def test_a_cycle_booked_by_hand_meanwhile_is_not_booked_twice(
    client: Client, school: SchoolKit, settings: Settings, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned_cycle(client, school)
    window = {"from": kit.MONDAY, "to": kit.MONDAY}
    queued = await _post(
        client, school, f"/v1/cycles/{cycle_id}/scheduling-runs", "T1", {"window": window}
    )
    assert queued.status_code == 202, queued.text
    run = queued.json()
    assert await solve_queued(settings) == ["solved"]
    # Ben books the lesson by hand for another Monday before Ann accepts.
    later = (kit.MONDAY_DATE + timedelta(days=14)).isoformat()
    booked = await client.put(
        f"/v1/cycles/{cycle_id}/booking",
        json={"date": later, "period": "P1"},
        headers=school.auth("T2"),
    )
    assert booked.status_code == 200, booked.text

    accepted = await client.post(
        f"/v1/scheduling/runs/{run['id']}/accept", headers=school.auth("T1")
    )
    assert accepted.status_code == 409, accepted.text
    [clash] = accepted.json()["clashes"]
    assert "booked since the run was created" in clash["reason"]
    booking = await client.get(f"/v1/cycles/{cycle_id}/booking", headers=school.auth("T1"))
    assert booking.json()["gaps"] == []
    assert {p["date"] for p in booking.json()["people"]} == {later}


async def test_only_the_groups_members_schedule_its_cycle(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned_cycle(client, school)
    for path in ("suggestions", "scheduling-runs"):
        for outsider in ("T4", "cpd_lead"):
            response = await _post(client, school, f"/v1/cycles/{cycle_id}/{path}", outsider, {})
            assert response.status_code == 404, (path, outsider, response.text)
    unknown = await _post(client, school, f"/v1/cycles/{uuid.uuid4()}/suggestions", "T1", {})
    assert unknown.status_code == 404


async def test_a_booked_cycle_asks_to_cancel_before_scheduling_again(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned_cycle(client, school)
    booked = await client.put(
        f"/v1/cycles/{cycle_id}/booking",
        json={"date": kit.MONDAY, "period": "P1"},
        headers=school.auth("T1"),
    )
    assert booked.status_code == 200, booked.text
    response = await _post(client, school, f"/v1/cycles/{cycle_id}/scheduling-runs", "T1", {})
    assert response.status_code == 409
    assert response.json()["unmet"] == ["cancel the booking"]


async def test_an_agreed_observation_is_priced_for_either_person(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    asked = await _post(
        client,
        school,
        "/v1/observations",
        "T1",
        {
            "date": kit.MONDAY,
            "period": "P1",
            "class_code": "9B/Ma",
            "focus": "How pairs talk about fractions",
            "observer_id": str(people["T4"]),
            "beyond_policy": True,
        },
    )
    assert asked.status_code == 201, asked.text
    path = f"/v1/observations/{asked.json()['id']}/suggestions"
    for who in ("T1", "T4"):
        found = await _post(client, school, path, who, {})
        assert found.status_code == 200, found.text
        [slot] = found.json()["items"]
        assert (slot["date"], slot["period"], slot["class_code"]) == (kit.MONDAY, "P1", "9B/Ma")
        # Dev teaches 11E/Hi then, so he is released and Eve covers.
        [cover] = slot["covers"]
        assert (cover["released_staff_id"], cover["cover_staff_id"]) == (
            str(people["T4"]),
            str(people["CS1"]),
        )
    assert (await _post(client, school, path, "T2", {})).status_code == 404
