"""The plan is a versioned document: ETag and If-Match, 412 on a stale write, history kept."""

from __future__ import annotations

import asyncio
import uuid

from tests.api.lesson_study.flow import form_group, plan_body, start_cycle
from tests.kit import Client, SchoolKit


async def test_two_members_saving_at_once_one_wins_the_other_gets_412(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    cycle_id = (await start_cycle(client, school, group["id"]))["id"]
    read = await client.get(f"/v1/cycles/{cycle_id}/plan", headers=school.auth("T2"))
    etag = read.headers["etag"]
    assert etag == '"1"'

    async def save(who: str, goal: str) -> tuple[str, int]:
        body = {**plan_body(), "learning_goal": goal}
        response = await client.put(
            f"/v1/cycles/{cycle_id}/plan",
            json=body,
            headers={**school.auth(who), "If-Match": etag},
        )
        return who, response.status_code

    results = await asyncio.gather(save("T2", "Ben's goal"), save("T3", "Cat's goal"))
    statuses = sorted(status for _, status in results)
    assert statuses == [200, 412]
    winner = next(who for who, status in results if status == 200)

    now = await client.get(f"/v1/cycles/{cycle_id}/plan", headers=school.auth("T1"))
    assert now.headers["etag"] == '"2"'
    assert now.json()["learning_goal"] == f"{'Ben' if winner == 'T2' else 'Cat'}'s goal"
    assert now.json()["saved_by"] == str(school.staff_ids[winner])


async def test_a_stale_save_is_412_and_the_history_keeps_every_version(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    cycle_id = (await start_cycle(client, school, group["id"]))["id"]
    path = f"/v1/cycles/{cycle_id}/plan"
    first = await client.put(
        path, json=plan_body(stages=1), headers={**school.auth("T1"), "If-Match": '"1"'}
    )
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    stale = await client.put(
        path, json=plan_body(), headers={**school.auth("T2"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:lessonstudy:problem:precondition-failed"
    assert "version 2" in stale.json()["detail"]
    missing = await client.put(path, json=plan_body(), headers=school.auth("T2"))
    assert missing.status_code == 400
    second = await client.put(
        path, json=plan_body(stages=3), headers={**school.auth("T2"), "If-Match": '"2"'}
    )
    assert second.status_code == 200

    history = (await client.get(f"{path}/versions", headers=school.auth("T3"))).json()
    assert [v["version"] for v in history["items"]] == [3, 2, 1]
    assert history["items"][0]["saved_by"] == str(school.staff_ids["T2"])
    old = (await client.get(f"{path}/versions/2", headers=school.auth("T3"))).json()
    assert len(old["stages"]) == 1
    assert (await client.get(f"{path}/versions/9", headers=school.auth("T3"))).status_code == 404
    page = (await client.get(f"{path}/versions?limit=2", headers=school.auth("T3"))).json()
    rest = await client.get(
        f"{path}/versions", params={"cursor": page["next_cursor"]}, headers=school.auth("T3")
    )
    assert [v["version"] for v in rest.json()["items"]] == [1]


async def test_predictions_are_for_the_groups_pupils_only(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    cycle_id = (await start_cycle(client, school, group["id"]))["id"]
    body = plan_body()
    body["stages"][0]["predictions"].append({"pupil": "Q", "prediction": "Unknown pupil"})
    body["stages"][1]["predictions"].append({"pupil": "A", "prediction": "Twice"})
    response = await client.put(
        f"/v1/cycles/{cycle_id}/plan", json=body, headers={**school.auth("T1"), "If-Match": '"1"'}
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"stages[0].predictions[3].pupil", "stages[1].predictions[3].pupil"}


async def test_the_plan_lists_missing_predictions(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    cycle_id = (await start_cycle(client, school, group["id"]))["id"]
    saved = await client.put(
        f"/v1/cycles/{cycle_id}/plan",
        json=plan_body(complete=False),
        headers={**school.auth("T1"), "If-Match": '"1"'},
    )
    assert saved.json()["missing_predictions"] == ["a prediction for pupil C in stage 1"]
