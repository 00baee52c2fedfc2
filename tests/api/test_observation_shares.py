"""Sharing notes: with a person or a group, for a purpose, until a date; revoking; the read log."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.kit import Client, SchoolKit
from tests.observation_kit import SetClock, booked_observation, moving_clock, write_notes
from tests.timetable_kit import load_timetable


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    return moving_clock(monkeypatch)


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


@pytest.fixture
async def observation(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> str:
    observation_id = await booked_observation(client, school, set_clock)
    await write_notes(client, school, observation_id)
    reflected = await client.put(
        f"/v1/observations/{observation_id}/reflection",
        json={"reflection": "Slow the starter down", "follow_up_action": "Hinge question"},
        headers=school.auth("T1"),
    )
    assert reflected.status_code == 200
    return observation_id


async def _share(
    client: Client, kit: SchoolKit, observation_id: str, status: int = 201, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/observations/{observation_id}/shares", json=body, headers=kit.auth("T1")
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


async def _read(client: Client, kit: SchoolKit, observation_id: str, who: str, part: str) -> int:
    response = await client.get(f"/v1/observations/{observation_id}/{part}", headers=kit.auth(who))
    return response.status_code


async def _reads(client: Client, kit: SchoolKit, observation_id: str) -> list[tuple[str, str]]:
    response = await client.get(f"/v1/observations/{observation_id}/reads", headers=kit.auth("T1"))
    assert response.status_code == 200
    return [(r["reader"]["name"], r["part"]) for r in response.json()["items"]]


async def test_a_share_lets_named_people_read_and_every_read_is_logged(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], observation: str
) -> None:
    assert await _read(client, school, observation, "T3", "notes") == 404
    share = await _share(
        client,
        school,
        observation,
        people=[str(people["T3"]), str(people["T4"])],
        group_name="Science department",
        purpose="Department CPD on questioning",
    )
    assert share["active"] is True
    assert [p["name"] for p in share["people"]] == ["Cat Cole", "Dev Dale"]
    assert share["group_name"] == "Science department"
    notes = await client.get(f"/v1/observations/{observation}/notes", headers=school.auth("T3"))
    assert notes.status_code == 200
    assert notes.json()["lesson"]["observed"]["name"] == "Ann Archer"
    assert await _read(client, school, observation, "T4", "notes") == 200
    assert await _read(client, school, observation, "T3", "notes") == 200
    # The reflection was not part of this share.
    assert await _read(client, school, observation, "T3", "reflection") == 404
    # The two people's own reads are not logged; others' are, newest first.
    assert await _read(client, school, observation, "T2", "notes") == 200
    assert await _reads(client, school, observation) == [
        ("Cat Cole", "notes"),
        ("Dev Dale", "notes"),
        ("Cat Cole", "notes"),
    ]
    page = await client.get(
        f"/v1/observations/{observation}/reads", params={"limit": 2}, headers=school.auth("T1")
    )
    rest = await client.get(
        f"/v1/observations/{observation}/reads",
        params={"cursor": page.json()["next_cursor"]},
        headers=school.auth("T1"),
    )
    assert len(page.json()["items"]) == 2
    assert [r["reader"]["name"] for r in rest.json()["items"]] == ["Cat Cole"]
    assert rest.json()["next_cursor"] is None


async def test_sharing_the_reflection_too(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], observation: str
) -> None:
    await _share(
        client,
        school,
        observation,
        people=[str(people["T3"])],
        purpose="Mentoring",
        include_reflection=True,
    )
    reflection = await client.get(
        f"/v1/observations/{observation}/reflection", headers=school.auth("T3")
    )
    assert reflection.json()["follow_up_action"] == "Hinge question"
    assert await _reads(client, school, observation) == [("Cat Cole", "reflection")]


async def test_revoking_stops_reads_at_once(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], observation: str
) -> None:
    share = await _share(client, school, observation, people=[str(people["T3"])], purpose="CPD")
    assert await _read(client, school, observation, "T3", "notes") == 200
    revoked = await client.delete(
        f"/v1/observations/{observation}/shares/{share['id']}", headers=school.auth("T1")
    )
    assert revoked.status_code == 204
    assert await _read(client, school, observation, "T3", "notes") == 404
    again = await client.delete(
        f"/v1/observations/{observation}/shares/{share['id']}", headers=school.auth("T1")
    )
    assert again.status_code == 204
    listed = await client.get(f"/v1/observations/{observation}/shares", headers=school.auth("T1"))
    [kept] = listed.json()["items"]
    assert (kept["active"], kept["revoked_at"] is not None) == (False, True)
    # The read before the revocation stays in the log.
    assert await _reads(client, school, observation) == [("Cat Cole", "notes")]
    unknown = await client.delete(
        f"/v1/observations/{observation}/shares/{uuid.uuid4()}", headers=school.auth("T1")
    )
    assert unknown.status_code == 404


async def test_a_share_ends_after_its_last_day(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    observation: str,
    set_clock: SetClock,
) -> None:
    share = await _share(
        client,
        school,
        observation,
        people=[str(people["T3"])],
        purpose="Moderation of our coaching notes",
        until="2026-09-30",
    )
    set_clock("2026-09-30T17:00:00+01:00")
    assert await _read(client, school, observation, "T3", "notes") == 200
    mine = await client.get("/v1/observations/shared-with-me", headers=school.auth("T3"))
    assert [s["share_id"] for s in mine.json()["items"]] == [share["id"]]
    set_clock("2026-10-01T08:00:00+01:00")
    assert await _read(client, school, observation, "T3", "notes") == 404
    mine = await client.get("/v1/observations/shared-with-me", headers=school.auth("T3"))
    assert mine.json()["items"] == []
    listed = await client.get(f"/v1/observations/{observation}/shares", headers=school.auth("T1"))
    assert listed.json()["items"][0]["active"] is False


@pytest.mark.parametrize(
    "purpose",
    [
        "Appraisal",
        "for my appraisal meeting",
        "performance management",
        "Performance-management review",
        "PERFORMANCE MANAGEMENT evidence",
        "annual performance review",
        "capability procedure",
    ],
)
async def test_appraisal_and_performance_management_are_refused(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    observation: str,
    purpose: str,
) -> None:
    refused = await _share(
        client, school, observation, status=422, people=[str(people["T3"])], purpose=purpose
    )
    assert refused["errors"][0]["field"] == "purpose"


async def test_sharing_is_refused_for_the_two_people_others_and_past_dates(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    people: dict[str, uuid.UUID],
    observation: str,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE staff SET active = false WHERE id = :id"), {"id": people["T4"]}
        )
    cases = [
        (people["T2"], "already sees the notes"),
        (other_school.staff_ids["teacher"], "no such active colleague"),
        (people["T4"], "no such active colleague"),
    ]
    for person, message in cases:
        refused = await _share(
            client, school, observation, status=422, people=[str(person)], purpose="CPD"
        )
        assert refused["errors"] == [{"field": "people[0]", "message": message, "source": None}]
    past = await _share(
        client,
        school,
        observation,
        status=422,
        people=[str(people["T3"])],
        purpose="CPD",
        until="2026-09-06",
    )
    assert past["errors"][0]["field"] == "until"


async def test_only_agreed_observations_are_shared(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    offered = await client.post(
        "/v1/observations/offers",
        json={"observed_id": str(people["T1"]), "date": "2026-09-14", "period": "P1"},
        headers=school.auth("T2"),
    )
    refused = await _share(
        client,
        school,
        offered.json()["id"],
        status=409,
        people=[str(people["T3"])],
        purpose="CPD",
    )
    assert "awaiting_consent" in refused["detail"]
