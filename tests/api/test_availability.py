"""Free periods, slot availability and a person's timetable, on the kit school.

Monday 7 September 2026 is in Week 2 (B); Monday 14 September in Week 1 (A).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.kit import Client, SchoolKit
from tests.timetable_kit import load_timetable, school_payload

MONDAY_B = "2026-09-07"


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


async def _free(client: Client, kit: SchoolKit, staff_id: uuid.UUID, start: str, end: str) -> Any:
    response = await client.get(
        f"/v1/staff/{staff_id}/free-periods",
        params={"from": start, "to": end},
        headers=kit.auth("teacher"),
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _commit(
    sessions: async_sessionmaker[AsyncSession],
    school: SchoolKit,
    staff_id: uuid.UUID,
    day: str,
    period: str,
    kind: str,
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO commitment (id, school_id, staff_id, day, period_code, kind, purpose)"
                " VALUES (gen_random_uuid(), :school, :staff, :day, :period, :kind,"
                " 'test')"
            ),
            {
                "school": school.school_id,
                "staff": staff_id,
                "day": date.fromisoformat(day),
                "period": period,
                "kind": kind,
            },
        )


async def test_free_periods_skip_lessons_and_mark_ppa(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    items = await _free(client, school, people["T1"], MONDAY_B, MONDAY_B)
    assert [(i["period"], i["protected"]) for i in items] == [
        ("P2", None),
        ("P3", None),
        ("P4", None),
        ("P5", "ppa"),
    ]
    assert items[0]["starts_at"] == "09:55:00"


async def test_duties_absences_and_ect_time(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    dev = await _free(client, school, people["T4"], MONDAY_B, MONDAY_B)
    assert [i["period"] for i in dev] == ["P2"]  # P1, P3 lessons; P4 duty; P5 an event
    ben = await _free(client, school, people["T2"], MONDAY_B, MONDAY_B)
    assert [(i["period"], i["protected"]) for i in ben] == [
        ("P1", None),
        ("P3", None),
        ("P4", "ect"),
        ("P5", None),
    ]
    assert await _free(client, school, people["T2"], "2026-09-14", "2026-09-14") == []


async def test_non_working_days_closures_and_holidays_have_no_free_periods(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cat = await _free(client, school, people["T3"], "2026-09-07", "2026-09-11")
    assert {i["date"] for i in cat} == {"2026-09-07", "2026-09-08", "2026-09-09"}
    ann = await _free(client, school, people["T1"], "2026-09-21", "2026-09-27")
    assert "2026-09-25" not in {i["date"] for i in ann}  # INSET
    half_term = await _free(client, school, people["T1"], "2026-10-19", "2026-10-30")
    assert half_term == []


async def test_commitments_take_periods(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _commit(sessions, school, people["T1"], MONDAY_B, "P3", "observing")
    items = await _free(client, school, people["T1"], MONDAY_B, MONDAY_B)
    assert "P3" not in [i["period"] for i in items]


async def test_range_rules(client: Client, school: SchoolKit, people: dict[str, uuid.UUID]) -> None:
    headers = school.auth("teacher")
    path = f"/v1/staff/{people['T1']}/free-periods"
    backwards = await client.get(
        path, params={"from": "2026-09-10", "to": "2026-09-01"}, headers=headers
    )
    assert backwards.status_code == 422
    too_long = await client.get(
        path, params={"from": "2026-01-01", "to": "2027-06-01"}, headers=headers
    )
    assert too_long.status_code == 422
    missing = await client.get(path, headers=headers)
    assert missing.status_code == 400


async def test_other_schools_staff_are_404(
    client: Client, school: SchoolKit, other_school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    response = await client.get(
        f"/v1/staff/{people['T1']}/free-periods",
        params={"from": MONDAY_B, "to": MONDAY_B},
        headers=other_school.auth("teacher"),
    )
    assert response.status_code == 404


async def test_slot_shows_free_people_and_who_could_be_released(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    response = await client.get(
        "/v1/availability", params={"date": MONDAY_B, "period": "P1"}, headers=school.auth("mis")
    )
    assert response.status_code == 200, response.text
    slot = response.json()
    assert slot["week"] == 2
    free = {p["staff_id"] for p in slot["free"]}
    assert {str(people["T2"]), str(people["T3"]), str(people["CS1"])} <= free
    assert str(people["T1"]) not in free
    released = {r["staff_id"]: r for r in slot["releasable"]}
    assert set(released) == {str(people["T1"]), str(people["T4"])}
    assert released[str(people["T1"])]["class_code"] == "9B/Ma"
    # Teacher cover is not allowed here: only the cover supervisor with a cover slot.
    assert [o["staff_id"] for o in released[str(people["T1"])]["cover"]] == [str(people["CS1"])]


async def test_teacher_cover_only_when_allowed_and_flagged(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    payload = school_payload()
    payload["cover_policy"] = {"teacher_cover_allowed": True}
    await client.post("/v1/timetable/imports", json=payload, headers=school.auth("mis"))
    slot = (
        await client.get(
            "/v1/availability",
            params={"date": MONDAY_B, "period": "P4"},
            headers=school.auth("mis"),
        )
    ).json()
    options = slot["releasable"]
    assert options == []  # nobody teaches in P4 of Monday B
    slot = (
        await client.get(
            "/v1/availability",
            params={"date": MONDAY_B, "period": "P1"},
            headers=school.auth("mis"),
        )
    ).json()
    cover = slot["releasable"][0]["cover"]
    assert cover[0]["staff_id"] == str(people["CS1"])
    assert cover[0]["teacher_cover"] is False
    by_id = {o["staff_id"]: o for o in cover}
    assert by_id[str(people["T2"])]["teacher_cover"] is True


async def test_protected_time_is_never_offered_for_cover(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    payload = school_payload()
    payload["cover_policy"] = {"teacher_cover_allowed": True}
    # Give Ann a lesson in P4 of Monday B, when Ben has ECT time.
    payload["lessons"].append(
        {
            "external_id": "L8",
            "class_code": "9B/Ma",
            "teachers": ["T1"],
            "weekday": "monday",
            "periods": ["P4"],
            "week": 2,
        }
    )
    await client.post("/v1/timetable/imports", json=payload, headers=school.auth("mis"))
    slot = (
        await client.get(
            "/v1/availability",
            params={"date": MONDAY_B, "period": "P4"},
            headers=school.auth("mis"),
        )
    ).json()
    cover = {o["staff_id"] for o in slot["releasable"][0]["cover"]}
    assert str(people["T2"]) not in cover
    assert str(people["T3"]) in cover


async def test_cover_caps_are_respected(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for period in ("P2", "P3", "P4"):
        await _commit(sessions, school, people["CS1"], MONDAY_B, period, "covering")
    slot = (
        await client.get(
            "/v1/availability",
            params={"date": MONDAY_B, "period": "P1"},
            headers=school.auth("mis"),
        )
    ).json()
    assert slot["releasable"][0]["cover"] == []  # Eve's own cap is 3 a day


async def test_slot_errors(client: Client, school: SchoolKit, people: dict[str, uuid.UUID]) -> None:
    headers = school.auth("mis")
    saturday = await client.get(
        "/v1/availability", params={"date": "2026-09-12", "period": "P1"}, headers=headers
    )
    assert saturday.status_code == 422
    nonsense = await client.get(
        "/v1/availability", params={"date": MONDAY_B, "period": "P9"}, headers=headers
    )
    assert nonsense.status_code == 422


async def test_staff_timetable(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    response = await client.get(
        f"/v1/staff/{people['T4']}/timetable",
        params={"from": MONDAY_B, "to": MONDAY_B},
        headers=school.auth("teacher"),
    )
    assert response.status_code == 200
    day = [
        (e["period"], e["activity"], e["class_code"] or e["detail"])
        for e in response.json()["items"]
    ]
    assert day == [
        ("REG", "break", None),
        ("P1", "lesson", "11E/Hi"),
        ("P2", "free", None),
        ("P3", "lesson", "7D/Sc"),
        ("LUNCH", "break", None),
        ("P4", "duty", "Yard duty"),
        ("P5", "absent", None),
    ]


async def test_integration_needs_timetable_read(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    response = await client.get(
        "/v1/availability",
        params={"date": MONDAY_B, "period": "P1"},
        headers=school.auth("mis_no_staff"),
    )
    assert response.status_code == 403
