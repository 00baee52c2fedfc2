"""The demo school: loads with a timetable, and loading it again changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.demo import load_demo
from lessonstudy.demo_timetable import academic_year_start
from tests.kit import Client


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with sessions() as session:
        versions = await session.scalar(text("SELECT count(*) FROM timetable_version"))
        lessons = await session.scalar(text("SELECT count(*) FROM lesson"))
        days = await session.scalar(text("SELECT count(*) FROM school_day"))
    return int(versions or 0), int(lessons or 0), int(days or 0)


async def test_demo_has_a_timetable_and_reloads_idempotently(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        tokens = await load_demo(session)
    first = await _counts(sessions)
    assert first[0] == 1
    assert first[1] > 200
    assert first[2] > 150
    async with sessions.begin() as session:
        again = await load_demo(session)
    assert await _counts(sessions) == first
    old = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens.admin}"})
    assert old.status_code == 401  # the earlier demo tokens were revoked

    headers = {"Authorization": f"Bearer {again.teacher}"}
    me = (await client.get("/v1/me", headers=headers)).json()
    start = academic_year_start(date.today()) + timedelta(days=14)
    free = await client.get(
        f"/v1/staff/{me['staff']['id']}/free-periods",
        params={"from": start.isoformat(), "to": (start + timedelta(days=13)).isoformat()},
        headers=headers,
    )
    assert free.status_code == 200
    assert 0 < len(free.json()["items"]) < 50


async def test_demo_has_a_study_group_mid_way_through_its_cycles(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await load_demo(session)
    async with sessions.begin() as session:
        tokens = await load_demo(session)
    async with sessions() as session:
        groups = await session.scalar(text("SELECT count(*) FROM study_group"))
    assert groups == 1  # loading again adds nothing

    teacher = {"Authorization": f"Bearer {tokens.teacher}"}
    [group] = (await client.get("/v1/study-groups", headers=teacher)).json()["items"]
    assert [c["stage"] for c in group["cycles"]] == ["closed", "plan"]
    assert group["write_up_published_at"] is not None
    closed, planned = [
        (await client.get(f"/v1/cycles/{c['id']}", headers=teacher)).json() for c in group["cycles"]
    ]
    assert closed["debrief"]["still_needed"] == []
    assert all(sheet["submitted_at"] for sheet in closed["observations"])
    assert planned["plan"]["missing_predictions"] == []
    assert planned["plan"]["carried_changes"][0]["response"]
    assert planned["booking"]["gaps"] == []  # booked: ready to teach

    # The admin oversees it, and reads the published write-up like everyone else.
    admin = {"Authorization": f"Bearer {tokens.admin}"}
    fidelity = (await client.get("/v1/fidelity", headers=admin)).json()["items"]
    assert fidelity[0]["cycles_closed"] == 1
    write_up = await client.get(f"/v1/study-groups/{group['id']}/write-up.md", headers=admin)
    assert write_up.status_code == 200
    assert (await client.get(f"/v1/cycles/{closed['id']}", headers=admin)).status_code == 404
