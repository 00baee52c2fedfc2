"""The privacy matrix: every observation route, for everyone who might call it.

Ann (T1) is observed by Ben (T2) in a booked lesson with notes, a reflection
and a share to Cat (T3). Another teacher (Dev), the CPD lead, the admin and
another school's people get 404 from every route, as if it did not exist; an
integration gets 403; between Ann and Ben, each may do only their own part.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.peer_observation.models import Observation, ObservationRead
from tests.kit import Client, SchoolKit, make_school
from tests.observation_kit import SetClock, booked_observation, moving_clock, write_notes
from tests.timetable_kit import load_timetable


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    return moving_clock(monkeypatch)


NOTES = {"evidence": ["Pupil A used the bar model"], "questions": [], "takeaways": []}
REFLECTION = {"reflection": "I will slow the starter down"}

# (method, path under the observation, body); "{share}" is the share to Cat.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("GET", "/booking", None),
    ("POST", "/booking", {}),
    ("POST", "/accept", {}),
    ("POST", "/decline", {}),
    ("POST", "/cancel", {}),
    ("PUT", "/notes", NOTES),
    ("GET", "/notes", None),
    ("PUT", "/reflection", REFLECTION),
    ("GET", "/reflection", None),
    ("POST", "/shares", {"people": ["{dev}"], "purpose": "Department CPD"}),
    ("GET", "/shares", None),
    ("GET", "/reads", None),
    ("DELETE", "/shares/{share}", None),
    ("DELETE", "", None),
]

# What each of the two people gets; the lesson is under way and booked.
OBSERVED = {
    ("GET", ""): 200,
    ("GET", "/booking"): 200,
    ("POST", "/booking"): 409,
    ("POST", "/accept"): 409,
    ("POST", "/decline"): 409,
    ("POST", "/cancel"): 409,
    ("PUT", "/notes"): 403,
    ("GET", "/notes"): 200,
    ("PUT", "/reflection"): 200,
    ("GET", "/reflection"): 200,
    ("POST", "/shares"): 201,
    ("GET", "/shares"): 200,
    ("GET", "/reads"): 200,
    ("DELETE", "/shares/{share}"): 204,
    ("DELETE", ""): 204,
}
OBSERVER = {
    **OBSERVED,
    ("POST", "/accept"): 403,
    ("POST", "/cancel"): 403,
    ("PUT", "/notes"): 200,
    ("PUT", "/reflection"): 403,
    ("POST", "/shares"): 403,
    ("GET", "/shares"): 403,
    ("GET", "/reads"): 403,
    ("DELETE", "/shares/{share}"): 403,
    ("DELETE", ""): 403,
}


@pytest.fixture
async def scene(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    set_clock: SetClock,
) -> dict[str, str]:
    people = await load_timetable(client, school, sessions)
    observation_id = await booked_observation(client, school, set_clock)
    await write_notes(client, school, observation_id)
    reflected = await client.put(
        f"/v1/observations/{observation_id}/reflection", json=REFLECTION, headers=school.auth("T1")
    )
    assert reflected.status_code == 200
    shared = await client.post(
        f"/v1/observations/{observation_id}/shares",
        json={"people": [str(people["T3"])], "purpose": "Coaching"},
        headers=school.auth("T1"),
    )
    assert shared.status_code == 201
    return {"id": observation_id, "share": shared.json()["id"], "dev": str(people["T4"])}


async def _call(
    client: Client,
    kit: SchoolKit,
    who: str,
    scene: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> int:
    url = f"/v1/observations/{scene['id']}" + path.replace("{share}", scene["share"])
    payload = None
    if body is not None:
        payload = {k: [scene["dev"]] if v == ["{dev}"] else v for k, v in body.items()}
    response = await client.request(method, url, json=payload, headers=kit.auth(who))
    return response.status_code


async def test_nobody_else_can_see_or_touch_an_observation(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    scene: dict[str, str],
) -> None:
    elsewhere = await make_school(sessions, "Elsewhere Academy")
    outsiders = [(school, "T4"), (school, "teacher"), (school, "cpd_lead"), (school, "admin")]
    outsiders += [(elsewhere, "teacher"), (elsewhere, "admin"), (elsewhere, "cpd_lead")]
    for kit, who in outsiders:
        for method, path, body in ROUTES:
            status = await _call(client, kit, who, scene, method, path, body)
            assert status == 404, (who, method, path, status)
    for method, path, body in ROUTES:
        status = await _call(client, school, "mis", scene, method, path, body)
        assert status == 403, ("integration", method, path, status)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ObservationRead)) == 0
        assert await session.get(Observation, uuid.UUID(scene["id"])) is not None


async def test_the_observer_and_the_observed_each_do_their_own_part(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    scene: dict[str, str],
) -> None:
    for who, expected in (("T2", OBSERVER), ("T1", OBSERVED)):
        for method, path, body in ROUTES:
            status = await _call(client, school, who, scene, method, path, body)
            assert status == expected[(method, path)], (who, method, path, status)
    async with sessions() as session:
        assert await session.get(Observation, uuid.UUID(scene["id"])) is None


async def test_lists_show_only_your_own(
    client: Client,
    school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    scene: dict[str, str],
) -> None:
    for who, count in (("T1", 1), ("T2", 1), ("T4", 0), ("cpd_lead", 0), ("admin", 0)):
        listed = await client.get("/v1/observations", headers=school.auth(who))
        assert len(listed.json()["items"]) == count, who
    shared = await client.get("/v1/observations/shared-with-me", headers=school.auth("T3"))
    assert [s["observation_id"] for s in shared.json()["items"]] == [scene["id"]]
    for who in ("T4", "cpd_lead", "admin"):
        nothing = await client.get("/v1/observations/shared-with-me", headers=school.auth(who))
        assert nothing.json()["items"] == [], who
    assert (await client.get("/v1/observations", headers=school.auth("mis"))).status_code == 403
