"""Steps of lesson study through the HTTP API, on the timetable kit's school.

The triad: Ann (T1) teaches the focus class 9B/Ma in P1 every Monday; Ben
(T2) and Cat (T3) are free then and observe (Ben is away all of Monday
14 September). Dev (T4) teaches 11E/Hi in P1 on Mondays of Week B, so he
can observe only when released with cover (Eve, CS1). The dates are in
autumn 2026, before the tests were written to run, so every lesson's time
has passed and any member may mark it taught.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.kit import Client, SchoolKit

LESSON_DAYS = [date(2026, 9, 7), date(2026, 9, 21), date(2026, 10, 5)]
FOCUS = "Improve how we teach equivalent fractions to Year 9"
PUPILS = ("A", "B", "C")


def ids(kit: SchoolKit, *who: str) -> list[str]:
    return [str(kit.staff_ids[w]) for w in who]


async def form_group(
    client: Client,
    kit: SchoolKit,
    *,
    members: tuple[str, ...] = ("T1", "T2", "T3"),
    by: str = "T1",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "research_focus": FOCUS,
        "focus_class": "9B/Ma",
        "academic_year": "2026-27",
        "member_ids": ids(kit, *members),
        **extra,
    }
    response = await client.post("/v1/study-groups", json=body, headers=kit.auth(by))
    assert response.status_code == 201, response.text
    group: dict[str, Any] = response.json()
    return group


def plan_body(
    pupils: tuple[str, ...] = PUPILS, stages: int = 2, *, complete: bool = True
) -> dict[str, Any]:
    return {
        "learning_goal": "Pupils explain why two fractions are equivalent, with a diagram.",
        "stages": [
            {
                "title": f"Stage {n}",
                "minutes": 15,
                "activity": "Fraction walls in pairs",
                "predictions": [
                    {"pupil": code, "prediction": f"{code} will try to add the tops in stage {n}"}
                    for code in (pupils if complete or n > 1 else pupils[:-1])
                ],
            }
            for n in range(1, stages + 1)
        ],
    }


async def start_cycle(
    client: Client, kit: SchoolKit, group_id: str, *, teacher: str = "T1", by: str = "T1"
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/study-groups/{group_id}/cycles",
        json={"teacher_id": str(kit.staff_ids[teacher])},
        headers=kit.auth(by),
    )
    assert response.status_code == 201, response.text
    cycle: dict[str, Any] = response.json()
    return cycle


async def save_plan(
    client: Client, kit: SchoolKit, cycle_id: str, body: dict[str, Any], *, by: str = "T1"
) -> httpx.Response:
    current = await client.get(f"/v1/cycles/{cycle_id}/plan", headers=kit.auth(by))
    assert current.status_code == 200, current.text
    return await client.put(
        f"/v1/cycles/{cycle_id}/plan",
        json=body,
        headers={**kit.auth(by), "If-Match": current.headers["etag"]},
    )


async def book(
    client: Client,
    kit: SchoolKit,
    cycle_id: str,
    day: date,
    *,
    period: str = "P1",
    by: str = "T1",
    **extra: Any,
) -> httpx.Response:
    return await client.put(
        f"/v1/cycles/{cycle_id}/booking",
        json={"date": day.isoformat(), "period": period, **extra},
        headers=kit.auth(by),
    )


async def move(
    client: Client,
    kit: SchoolKit,
    cycle_id: str,
    to: str,
    *,
    by: str = "T1",
    reason: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"to": to}
    if reason is not None:
        body["reason"] = reason
    return await client.post(f"/v1/cycles/{cycle_id}/transitions", json=body, headers=kit.auth(by))


async def observe(
    client: Client,
    kit: SchoolKit,
    cycle_id: str,
    observer: str,
    *,
    pupils: tuple[str, ...] = PUPILS,
    stages: int = 2,
    submit: bool = True,
) -> None:
    notes = [
        {
            "pupil": code,
            "stage": n,
            "did": f"{code} shaded the wall in stage {n}",
            "said": "'They are the same size'",
        }
        for code in pupils
        for n in range(1, stages + 1)
    ]
    saved = await client.put(
        f"/v1/cycles/{cycle_id}/observations/mine",
        json={"notes": notes},
        headers=kit.auth(observer),
    )
    assert saved.status_code == 200, saved.text
    if submit:
        submitted = await client.post(
            f"/v1/cycles/{cycle_id}/observations/mine/submit", headers=kit.auth(observer)
        )
        assert submitted.status_code == 200, submitted.text


async def say(
    client: Client,
    kit: SchoolKit,
    cycle_id: str,
    step: str,
    body: str,
    *,
    by: str,
    pupil: str | None = None,
) -> httpx.Response:
    entry: dict[str, Any] = {"step": step, "body": body}
    if pupil is not None:
        entry["pupil"] = pupil
    return await client.post(
        f"/v1/cycles/{cycle_id}/debrief/entries", json=entry, headers=kit.auth(by)
    )


async def discuss(
    client: Client,
    kit: SchoolKit,
    cycle_id: str,
    *,
    pupils: tuple[str, ...] = PUPILS,
    changes: tuple[str, ...] = ("Start with a fraction wall before symbols",),
    final_by: str | None = None,
) -> None:
    """The whole discussion in protocol order."""
    steps: list[tuple[str, str, str, str | None]] = [
        ("evidence", f"Pupil {p} matched the prediction in stage 1", "T2", p) for p in pupils
    ]
    steps += [
        ("reflection", "The pairs talk went better than I expected", "T1", None),
        ("learning", "Diagrams before symbols helped B most", "T3", None),
    ]
    steps += [("changes", change, "T2", None) for change in changes]
    if final_by is not None:
        steps.append(("final_comments", "Notice how A reasoned aloud", final_by, None))
    for step, body, by, pupil in steps:
        response = await say(client, kit, cycle_id, step, body, by=by, pupil=pupil)
        assert response.status_code == 201, response.text


async def run_cycle(
    client: Client,
    kit: SchoolKit,
    group_id: str,
    day: date,
    *,
    final_by: str | None = None,
) -> str:
    """One whole research lesson, from the plan to the closed discussion held that day."""
    cycle_id: str = (await start_cycle(client, kit, group_id))["id"]
    for response in (
        await save_plan(client, kit, cycle_id, plan_body()),
        await book(client, kit, cycle_id, day),
        await move(client, kit, cycle_id, "teach"),
        await move(client, kit, cycle_id, "observe"),
    ):
        assert response.status_code == 200, response.text
    for observer in ("T2", "T3"):
        await observe(client, kit, cycle_id, observer)
    for code in PUPILS:
        interview = await client.put(
            f"/v1/cycles/{cycle_id}/interviews/{code}",
            json={"consent": True, "notes": f"{code}: 'I liked the wall'", "minutes": 5},
            headers=kit.auth("T3"),
        )
        assert interview.status_code == 200, interview.text
    assert (await move(client, kit, cycle_id, "debrief")).status_code == 200
    held = await client.patch(
        f"/v1/cycles/{cycle_id}/debrief", json={"held_on": day.isoformat()}, headers=kit.auth("T1")
    )
    assert held.status_code == 200, held.text
    await discuss(client, kit, cycle_id, final_by=final_by)
    closed = await move(client, kit, cycle_id, "closed")
    assert closed.status_code == 200, closed.text
    return cycle_id
