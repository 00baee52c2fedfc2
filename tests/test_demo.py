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


async def test_demo_has_cover_requests_in_every_state_and_a_calendar_feed(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await load_demo(session)
    async with sessions.begin() as session:
        tokens = await load_demo(session)  # loading again books nothing twice
    headers = {"Authorization": f"Bearer {tokens.integration}"}
    teacher = {"Authorization": f"Bearer {tokens.teacher}"}
    hannah = (await client.get("/v1/me", headers=teacher)).json()["staff"]["id"]
    # Hannah's own releases show every state; the other demo features release others too.
    listed = await client.get(
        "/v1/cover-requests", params={"released_staff_id": hannah}, headers=headers
    )
    assert listed.status_code == 200
    assert sorted(r["status"] for r in listed.json()["items"]) == [
        "cancelled",
        "confirmed",
        "declined",
        "requested",
    ]
    feed = await client.get("/v1/cover-requests/changes", headers=headers)
    assert feed.status_code == 200
    calendar = await client.get(f"/v1/calendar/{tokens.calendar_feed}.ics")
    assert calendar.status_code == 200
    assert calendar.text.startswith("BEGIN:VCALENDAR\r\n")
    dates = [date.fromisoformat(r["date"]) for r in listed.json()["items"]]
    if min(dates) > date.today():  # out of term (late July) they fall before the feed's window
        assert calendar.text.count("SUMMARY:Observing the research lesson") == 3
        assert calendar.text.count("STATUS:CANCELLED") == 0  # cancelled before it was ever read
    told = await client.get("/v1/me/notifications", headers=teacher)
    assert "cover_declined" in {n["kind"] for n in told.json()["items"]}


async def test_demo_has_a_solved_scheduling_run_for_the_maths_triad(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        await load_demo(session)
    async with sessions.begin() as session:
        tokens = await load_demo(session)  # a second load keeps the one run
    # Hannah teaches the research lesson, so she sees the run the CPD lead asked for.
    headers = {"Authorization": f"Bearer {tokens.teacher}"}
    listed = await client.get("/v1/scheduling/runs", headers=headers)
    assert listed.status_code == 200, listed.text
    (summary,) = listed.json()["items"]
    assert summary["status"] == "solved"
    run = (await client.get(f"/v1/scheduling/runs/{summary['id']}", headers=headers)).json()
    assert [item["request"]["kind"] for item in run["items"]] == ["research_lesson", "observation"]
    for item in run["items"]:
        # Depending on the day the demo is loaded: a proposal, or why there is none.
        assert (item["status"], item["proposal"] is None) in {
            ("proposed", False),
            ("unscheduled", True),
        }
        assert item["status"] == "proposed" or item["explanation"]["reason"]


async def test_demo_has_peer_observations_for_the_demo_teacher(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        tokens = await load_demo(session)
    async with sessions.begin() as session:
        tokens = await load_demo(session)  # loading again adds no second set
    headers = {"Authorization": f"Bearer {tokens.teacher}"}
    mine = (await client.get("/v1/observations", headers=headers)).json()["items"]
    async with sessions() as session:
        # From late July the demo's year has no lessons left to ask for.
        ahead = await session.scalar(
            text("SELECT count(*) FROM school_day WHERE day > :soon"),
            {"soon": date.today() + timedelta(days=10)},
        )
    assert sorted(o["status"] for o in mine) == (["agreed", "booked"] if ahead else ["booked"])
    booked = next(o for o in mine if o["status"] == "booked")
    assert (booked["has_notes"], booked["has_reflection"]) == (True, True)
    assert booked["observed"]["name"] == "Hannah Lewis"
    notes = await client.get(f"/v1/observations/{booked['id']}/notes", headers=headers)
    assert notes.status_code == 200
    assert notes.json()["evidence"]
    shares = (await client.get(f"/v1/observations/{booked['id']}/shares", headers=headers)).json()[
        "items"
    ]
    assert [(s["people"][0]["name"], s["active"]) for s in shares] == [("Lucy Bennett", True)]
    for requested in (o for o in mine if o["status"] == "agreed"):
        assert requested["observer"]["name"] == "Lucy Bennett"
        assert requested["date"] > date.today().isoformat()
    tags = (await client.get("/v1/focus-tags", headers=headers)).json()["items"]
    assert "questioning" in {t["name"] for t in tags}
    # The admin sees counts, not the observations.
    admin = {"Authorization": f"Bearer {tokens.admin}"}
    assert (await client.get(f"/v1/observations/{booked['id']}", headers=admin)).status_code == 404
    counts = await client.get(
        "/v1/observation-counts", params={"date": booked["date"]}, headers=admin
    )
    by_name = {p["name"]: (p["given"], p["received"]) for p in counts.json()["items"]}
    assert by_name["Hannah Lewis"] == (0, 1)
    assert by_name["Daniel Price"] == (1, 0)


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
