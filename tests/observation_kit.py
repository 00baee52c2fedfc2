"""Shared set-up for the peer-observation tests, on the timetable kit's school.

Monday 7 September 2026 is Week B: Ann (T1) teaches 9B/Ma in P1 and has PPA
in P5; Ben (T2) teaches 8C/En in P2, has ECT time in P4 and is free in P1 and
P3; Cat (T3) and Dev (T4) co-teach 7D/Sc in P3; Dev teaches 11E/Hi in P1, is
on duty in P4 and away in P5; Eve (CS1) may cover every period. The clock is
moved rather than read: tests say what time it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from lessonstudy.domain.peer_observation import clock
from tests.kit import Client, SchoolKit

MONDAY_B = "2026-09-07"
BEFORE = "2026-09-01T12:00:00+01:00"  # a week ahead of the lesson
DURING = "2026-09-07T09:30:00+01:00"  # Monday P1 (08:55-09:55) is under way
AFTER = "2026-09-07T16:00:00+01:00"

SetClock = Callable[[str], None]


def moving_clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    """A way to move the observation clock; it starts a week before Monday 7 September.

    Each test module wraps this in its own ``set_clock`` fixture.
    """

    def move(moment: str) -> None:
        fixed = datetime.fromisoformat(moment)
        monkeypatch.setattr(clock, "now", lambda: fixed)

    move(BEFORE)
    return move


async def ask(
    client: Client, kit: SchoolKit, who: str = "T1", status: int = 201, **body: Any
) -> dict[str, Any]:
    """The observed teacher ``who`` asks for an observation (Ann's Monday P1, by Ben)."""
    payload: dict[str, Any] = {
        "date": MONDAY_B,
        "period": "P1",
        "focus": "How I use questioning to check understanding",
    }
    if "find_observer" not in body:
        payload["observer_id"] = str(kit.staff_ids["T2"])
    payload.update(body)
    response = await client.post("/v1/observations", json=payload, headers=kit.auth(who))
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


async def book(
    client: Client, kit: SchoolKit, observation_id: str, who: str = "T1", **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/observations/{observation_id}/booking", json=body, headers=kit.auth(who)
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def booked_observation(client: Client, kit: SchoolKit, set_clock: SetClock) -> str:
    """Ann's Monday P1 observed by Ben, booked, with the lesson under way."""
    created = await ask(client, kit)
    await book(client, kit, created["id"])
    set_clock(DURING)
    return str(created["id"])


async def write_notes(
    client: Client, kit: SchoolKit, observation_id: str, status: int = 200, **body: Any
) -> dict[str, Any]:
    payload = {
        "evidence": ["Pupil B explained why 3/4 is bigger than 2/3 using a bar model"],
        "questions": ["How did you decide when to move on from the starter?"],
        "takeaways": ["I will try mini whiteboards for my Year 8 starter"],
        **body,
    }
    response = await client.put(
        f"/v1/observations/{observation_id}/notes", json=payload, headers=kit.auth("T2")
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result
