"""The retention job erases a group's pupil data after its retention date, and nothing else."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from arq import create_pool
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.lesson_study import retention
from lessonstudy.settings import Settings
from lessonstudy.worker import create_worker, redis_settings
from tests.api.lesson_study.flow import LESSON_DAYS, form_group, plan_body, run_cycle
from tests.kit import Client, SchoolKit
from tests.timetable_kit import load_timetable


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


# Every lesson-study table, with how to find one group's rows in it.
TABLES = {
    "study_group": "id = :g",
    "study_group_member": "group_id = :g",
    "case_pupil": "group_id = :g",
    "research_cycle": "group_id = :g",
    "plan_version": "cycle_id IN (SELECT id FROM research_cycle WHERE group_id = :g)",
    "observation_sheet": "cycle_id IN (SELECT id FROM research_cycle WHERE group_id = :g)",
    "observation_note": "cycle_id IN (SELECT id FROM research_cycle WHERE group_id = :g)",
    "pupil_interview": "cycle_id IN (SELECT id FROM research_cycle WHERE group_id = :g)",
    "debrief_entry": "cycle_id IN (SELECT id FROM research_cycle WHERE group_id = :g)",
    "study_write_up": "group_id = :g",
    "lesson_study_audit": "group_id = :g",
}
Snapshot = dict[str, list[dict[str, Any]]]


async def _snapshot(sessions: async_sessionmaker[AsyncSession], group_id: str) -> Snapshot:
    found: Snapshot = {}
    async with sessions() as session:
        for table, where in TABLES.items():
            rows = await session.execute(
                text(f"SELECT * FROM {table} WHERE {where}"),
                {"g": uuid.UUID(group_id)},
            )
            found[table] = sorted(
                (dict(r) for r in rows.mappings()), key=lambda r: sorted(map(str, r.values()))
            )
    return found


async def _group_with_a_closed_cycle(
    client: Client, school: SchoolKit, day_index: int, retention_date: str
) -> str:
    group = await form_group(
        client,
        school,
        retention_date=retention_date,
        knowledgeable_other={"name": "Dr Rae Moss", "email": "rae@uni.example"},
        case_pupils=[
            {"code": "A", "profile": "Quiet, strong on number"},
            {"code": "B", "profile": "Mixes up numerator and denominator"},
            {"code": "C", "profile": "Joined in Year 8"},
        ],
    )
    await run_cycle(client, school, group["id"], LESSON_DAYS[day_index], final_by="T2")
    write_up = await client.put(
        f"/v1/study-groups/{group['id']}/write-up",
        json={"learned": "Walls first", "evidence": "All three", "recommendations": "Do it"},
        headers={**school.auth("T1"), "If-Match": '"0"'},
    )
    assert write_up.status_code == 200
    group_id: str = group["id"]
    return group_id


async def test_the_retention_job_erases_pupil_data_and_nothing_else(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    due = await _group_with_a_closed_cycle(client, school, 0, "2027-08-31")
    kept = await _group_with_a_closed_cycle(client, school, 1, "2028-08-31")
    fidelity_before = (
        await client.get(f"/v1/study-groups/{due}/fidelity", headers=school.auth("T1"))
    ).json()
    due_before = await _snapshot(sessions, due)
    kept_before = await _snapshot(sessions, kept)
    assert len(due_before["observation_note"]) == 12
    assert len(due_before["pupil_interview"]) == 3

    # The day after the due group's date, in the school's time zone.
    now = datetime(2027, 8, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 September in London
    assert await retention.erase_due(sessions, now) == 1
    assert await retention.erase_due(sessions, now) == 0  # safe to run twice

    assert await _snapshot(sessions, kept) == kept_before
    after = await _snapshot(sessions, due)
    # Erased: profiles, predictions, observation and interview notes, evidence about pupils.
    assert [p["profile"] for p in after["case_pupil"]] == [None, None, None]
    assert sorted(p["code"] for p in after["case_pupil"]) == ["A", "B", "C"]
    assert after["observation_note"] == []
    assert after["pupil_interview"] == []
    assert [e for e in after["debrief_entry"] if e["step"] == 1] == []
    for version in after["plan_version"]:
        assert all(stage["predictions"] == [] for stage in version["content"]["stages"])
    # Kept: everything else, exactly as it was.
    assert after["debrief_entry"] == [e for e in due_before["debrief_entry"] if e["step"] != 1]
    expected_plans = []
    for version in due_before["plan_version"]:
        stages = [{**s, "predictions": []} for s in version["content"]["stages"]]
        expected_plans.append({**version, "content": {**version["content"], "stages": stages}})
    assert sorted(after["plan_version"], key=lambda v: v["version"]) == sorted(
        expected_plans, key=lambda v: v["version"]
    )
    for table in ("study_group_member", "research_cycle", "observation_sheet", "study_write_up"):
        assert after[table] == due_before[table], table
    [group_after] = after["study_group"]
    [group_before] = due_before["study_group"]
    assert group_after["pupil_data_erased_at"] == now
    stamps = {"pupil_data_erased_at", "updated_at"}
    assert {k: v for k, v in group_after.items() if k not in stamps} == {
        k: v for k, v in group_before.items() if k not in stamps
    }
    [erased] = [e for e in after["lesson_study_audit"] if e not in due_before["lesson_study_audit"]]
    assert (erased["action"], erased["actor_id"]) == ("pupil_data_erased", None)

    # The fidelity figures were frozen as each stage ended: they survive the erasure.
    fidelity_after = (
        await client.get(f"/v1/study-groups/{due}/fidelity", headers=school.auth("T1"))
    ).json()
    assert fidelity_after == fidelity_before
    assert fidelity_after["cycles"][0]["interviews_done"] == 3

    # And no new pupil data can be recorded.
    added = await client.post(
        f"/v1/study-groups/{due}/pupils", json={"code": "D"}, headers=school.auth("T1")
    )
    assert added.status_code == 409
    cycle = await client.post(f"/v1/study-groups/{due}/cycles", json={}, headers=school.auth("T1"))
    assert cycle.status_code == 201
    predictions = await client.put(
        f"/v1/cycles/{cycle.json()['id']}/plan",
        json=plan_body(),
        headers={**school.auth("T1"), "If-Match": '"1"'},
    )
    assert predictions.status_code == 422


async def test_the_worker_erases_groups_whose_date_has_passed(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    group_id = await _group_with_a_closed_cycle(client, school, 0, "2027-08-31")
    async with sessions.begin() as session:
        # The API refuses a date in the past; here the date has simply come and gone.
        await session.execute(
            text("UPDATE study_group SET retention_date = '2026-01-01' WHERE id = :g"),
            {"g": uuid.UUID(group_id)},
        )
    pool = await create_pool(redis_settings(settings))
    try:
        job = await pool.enqueue_job("erase_expired_pupil_data", _queue_name=settings.worker_queue)
        assert job is not None
        worker = create_worker(settings, handle_signals=False)
        worker.burst = True
        worker.poll_delay_s = 0.05
        await asyncio.wait_for(worker.async_run(), timeout=30)
        await worker.close()
        assert await job.result(timeout=5) == 1
    finally:
        await pool.aclose()
    pupils = await client.get(f"/v1/study-groups/{group_id}/pupils", headers=school.auth("T2"))
    assert [p["profile"] for p in pupils.json()["items"]] == [None, None, None]
