"""Scheduling runs through the API and a real solver worker on Redis (see tests/scheduling_kit.py).

The solver worker runs in this process, in burst mode: it takes every job on
its queue, then stops, as the token-usage worker test does.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import create_pool
from arq.connections import ArqRedis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.scheduling.requests import ObservationRequest
from lessonstudy.domain.scheduling.runs import MAX_ATTEMPTS, claim_run, create_run
from lessonstudy.settings import Settings
from lessonstudy.worker import create_solver_worker, redis_settings, sweep_scheduling_runs
from tests import scheduling_kit as kit
from tests.kit import Client, SchoolKit

RUNS = "/v1/scheduling/runs"


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await kit.load(client, school, sessions)


@pytest.fixture
async def jobs(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(redis_settings(settings))
    try:
        yield pool
    finally:
        await pool.aclose()


async def solve_queued(settings: Settings) -> list[Any]:
    """Run the solver worker until its queue is empty; the results of its jobs."""
    worker = create_solver_worker(settings, handle_signals=False)
    worker.burst = True
    worker.poll_delay_s = 0.05
    await asyncio.wait_for(worker.async_run(), timeout=60)
    pool = worker.pool
    results = [r.result for r in await pool.all_job_results()]
    await worker.close()
    return results


def _requests(people: dict[str, uuid.UUID], **for_lesson: Any) -> list[dict[str, Any]]:
    """The triad's research lesson on Monday, and Dev watching Ann a week later."""
    return [
        kit.research_lesson(people, priority=2, **for_lesson),
        kit.observation(people, first=kit.NEXT_MONDAY, last=kit.NEXT_MONDAY),
    ]


async def _create(
    client: Client, school: SchoolKit, requests: list[dict[str, Any]], who: str = "cpd_lead"
) -> Any:
    response = await client.post(RUNS, json={"requests": requests}, headers=school.auth(who))
    assert response.status_code == 202, response.text
    return response.json()


async def _get(client: Client, school: SchoolKit, run_id: str, who: str = "cpd_lead") -> Any:
    response = await client.get(f"{RUNS}/{run_id}", headers=school.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


async def _solved_run(
    client: Client, school: SchoolKit, settings: Settings, requests: list[dict[str, Any]]
) -> Any:
    run = await _create(client, school, requests)
    await solve_queued(settings)
    return await _get(client, school, run["id"])


async def _count_commitments(sessions: async_sessionmaker[AsyncSession], school: SchoolKit) -> int:
    async with sessions() as session:
        found = await session.scalar(
            text("SELECT count(*) FROM commitment WHERE school_id = :school"),
            {"school": school.school_id},
        )
    return int(found or 0)


async def test_a_run_is_queued_then_solved_by_the_worker(
    client: Client, school: SchoolKit, settings: Settings, people: dict[str, uuid.UUID]
) -> None:
    # Ann can hold only one of the two requests for her Monday P1 lesson.
    requests = [
        *_requests(people),
        kit.observation(people, observer="T2"),
    ]
    run = await _create(client, school, requests)
    assert run["status"] == "queued"
    assert [i["status"] for i in run["items"]] == ["pending"] * 3
    assert (await _get(client, school, run["id"]))["status"] == "queued"

    assert await solve_queued(settings) == ["solved"]

    solved = await _get(client, school, run["id"])
    assert solved["status"] == "solved"
    assert solved["solver_status"] == "optimal"
    assert solved["gap"] == 0.0
    assert solved["attempt"] == 1
    assert solved["build_seconds"] is not None
    assert solved["solve_seconds"] is not None
    assert solved["time_limit_seconds"] == settings.solver_time_limit_seconds
    assert [level["level"] for level in solved["levels"]] == [
        "scheduled_priority",
        "cover_cost",
        "max_load",
        "lateness",
    ]
    assert all(level["proven"] for level in solved["levels"])
    assert solved["totals"]["scheduled_priority"] == 3
    lesson, watch, crowded = solved["items"]
    assert lesson["status"] == "proposed"
    assert lesson["proposal"]["discussion"] == {"date": kit.MONDAY, "period": "AS"}
    assert watch["status"] == "proposed"
    assert watch["proposal"]["covers"][0]["cover_staff_id"] == str(people["CS1"])
    assert crowded["status"] == "unscheduled"
    assert crowded["proposal"] is None
    assert crowded["explanation"]["kind"] == "crowded_out"
    assert crowded["explanation"]["blockers"][0]["obstacle"] == "booked_in_plan"


async def test_a_run_the_school_no_longer_fits_fails_with_the_reason(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    run = await _create(client, school, _requests(people))
    # Cat left before the worker got to the run.
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE staff SET active = false WHERE id = :id"), {"id": people["T3"]}
        )
    assert await solve_queued(settings) == ["failed"]
    failed = await _get(client, school, run["id"])
    assert failed["status"] == "failed"
    assert "not an active member of staff" in failed["error"]
    assert failed["finished_at"] is not None


async def test_a_job_delivered_twice_solves_once(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    jobs: ArqRedis,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    run = await _create(client, school, _requests(people))
    # The same run delivered again, as after a lost acknowledgement.
    again = await jobs.enqueue_job(
        "solve_scheduling_run", run["id"], _job_id="again", _queue_name=settings.solver_queue
    )
    assert again is not None
    assert sorted(await solve_queued(settings)) == ["skipped", "solved"]
    async with sessions() as session:
        proposals = await session.scalar(
            text("SELECT count(*) FROM scheduling_proposal WHERE run_id = :run"),
            {"run": uuid.UUID(run["id"])},
        )
    assert proposals == 2
    assert (await _get(client, school, run["id"]))["attempt"] == 1


async def _stall(
    sessions: async_sessionmaker[AsyncSession], run_id: str, attempts: int, settings: Settings
) -> None:
    """A worker claimed the run and died mid-solve, long ago."""
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE scheduling_run SET attempt = :attempts WHERE id = :run"),
            {"attempts": attempts - 1, "run": uuid.UUID(run_id)},
        )
        assert await claim_run(session, uuid.UUID(run_id), settings.solver_time_limit_seconds)
        await session.execute(
            text("UPDATE scheduling_run SET claimed_at = now() - interval '1 hour' WHERE id = :r"),
            {"r": uuid.UUID(run_id)},
        )


def _context(settings: Settings, sessions: Any, jobs: ArqRedis) -> dict[str, Any]:
    return {"settings": settings, "sessions": sessions, "redis": jobs}


async def test_the_sweeper_takes_back_a_run_whose_worker_died(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    jobs: ArqRedis,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    run = await _create(client, school, _requests(people))
    await _stall(sessions, run["id"], 1, settings)
    assert (await _get(client, school, run["id"]))["status"] == "solving"

    swept = await sweep_scheduling_runs(_context(settings, sessions, jobs))
    assert swept["requeued"] == 1
    taken_back = await _get(client, school, run["id"])
    assert taken_back["status"] == "queued"
    assert "queued again" in taken_back["error"]

    assert "solved" in await solve_queued(settings)
    solved = await _get(client, school, run["id"])
    assert (solved["status"], solved["attempt"], solved["error"]) == ("solved", 2, None)


async def test_a_run_that_keeps_losing_its_worker_fails(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    jobs: ArqRedis,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    run = await _create(client, school, _requests(people))
    await _stall(sessions, run["id"], MAX_ATTEMPTS, settings)
    swept = await sweep_scheduling_runs(_context(settings, sessions, jobs))
    assert swept["failed"] == 1
    failed = await _get(client, school, run["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == f"the worker stopped while solving, {MAX_ATTEMPTS} times"


async def test_the_sweeper_enqueues_a_run_that_never_reached_the_queue(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    jobs: ArqRedis,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Committed, but the process stopped before enqueueing its job.
    request = ObservationRequest(
        id=uuid.uuid4(),
        observed_id=people["T1"],
        observer_ids=(people["T4"],),
        first_day=kit.MONDAY_DATE,
        last_day=kit.MONDAY_DATE,
    )
    async with sessions.begin() as session:
        run = await create_run(session, school.school_id, [request], created_by=None)
        await session.execute(
            text("UPDATE scheduling_run SET created_at = now() - interval '1 minute'")
        )
    assert await solve_queued(settings) == []
    swept = await sweep_scheduling_runs(_context(settings, sessions, jobs))
    assert swept["enqueued"] == 1
    assert await solve_queued(settings) == ["solved"]
    assert (await _get(client, school, str(run.id)))["status"] == "solved"


async def test_accepting_a_run_books_commitments_and_cover_requests(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle = str(uuid.uuid4())
    run = await _solved_run(
        client,
        school,
        settings,
        _requests(people, **{"for": {"kind": "research_lesson", "id": cycle}}),
    )
    response = await client.post(f"{RUNS}/{run['id']}/accept", headers=school.auth("cpd_lead"))
    assert response.status_code == 200, response.text
    accepted = response.json()
    lesson, watch = run["items"]
    assert accepted["accepted_request_ids"] == [lesson["request_id"], watch["request_id"]]
    booked = {(c["staff_id"], c["date"], c["period"], c["kind"]) for c in accepted["commitments"]}
    ann, ben, cat, dev, eve = (str(people[k]) for k in ("T1", "T2", "T3", "T4", "CS1"))
    monday, next_monday = kit.MONDAY, kit.NEXT_MONDAY
    assert booked == {
        (ann, monday, "P1", "teaching"),
        (ben, monday, "P1", "observing"),
        (cat, monday, "P1", "observing"),
        (ann, monday, "AS", "discussing"),
        (ben, monday, "AS", "discussing"),
        (cat, monday, "AS", "discussing"),
        (ann, next_monday, "P1", "teaching"),
        (dev, next_monday, "P1", "observing"),
        (eve, next_monday, "P1", "covering"),
    }
    purposes = {(c["purpose"], c["purpose_id"]) for c in accepted["commitments"]}
    assert purposes == {("research_lesson", cycle), ("scheduling_request", watch["request_id"])}
    (cover,) = accepted["cover_requests"]
    assert (cover["class_code"], cover["released_staff_id"]) == ("11E/Hi", dev)
    assert (cover["proposed_cover_staff_id"], cover["teacher_cover"]) == (eve, False)
    assert cover["status"] == "requested"
    after = await _get(client, school, run["id"])
    assert [i["status"] for i in after["items"]] == ["accepted", "accepted"]
    assert after["items"][0]["accepted_by"] == str(school.staff_ids["cpd_lead"])
    assert await _count_commitments(sessions, school) == 9

    again = await client.post(f"{RUNS}/{run['id']}/accept", headers=school.auth("cpd_lead"))
    assert again.status_code == 409
    assert await _count_commitments(sessions, school) == 9


async def test_one_proposal_is_accepted_once(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    run = await _solved_run(client, school, settings, _requests(people))
    watch = run["items"][1]["request_id"]
    url = f"{RUNS}/{run['id']}/proposals/{watch}/accept"
    response = await client.post(url, headers=school.auth("cpd_lead"))
    assert response.status_code == 200, response.text
    assert response.json()["accepted_request_ids"] == [watch]
    assert await _count_commitments(sessions, school) == 3
    again = await client.post(url, headers=school.auth("cpd_lead"))
    assert again.status_code == 409
    assert again.json()["unmet"] == ["not yet accepted"]
    unknown = await client.post(
        f"{RUNS}/{run['id']}/proposals/{uuid.uuid4()}/accept", headers=school.auth("cpd_lead")
    )
    assert unknown.status_code == 404


async def test_a_stale_proposal_is_refused_with_what_changed(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    run = await _solved_run(client, school, settings, _requests(people))
    # Since the solve, Cat was booked elsewhere in the research lesson's period.
    async with sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO commitment (id, school_id, staff_id, day, period_code, kind, purpose)"
                " VALUES (gen_random_uuid(), :school, :staff, :day, 'P1', 'observing', 'other')"
            ),
            {"school": school.school_id, "staff": people["T3"], "day": kit.MONDAY_DATE},
        )
    response = await client.post(f"{RUNS}/{run['id']}/accept", headers=school.auth("cpd_lead"))
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["clashes"] == [
        {
            "staff_id": str(people["T3"]),
            "date": kit.MONDAY,
            "period": "P1",
            "reason": "is already booked then",
            "request_id": run["items"][0]["request_id"],
        }
    ]
    assert "changed since the run was solved" in problem["detail"]
    # Nothing was booked, not even the proposal that still fitted.
    assert await _count_commitments(sessions, school) == 1
    after = await _get(client, school, run["id"])
    assert [i["status"] for i in after["items"]] == ["proposed", "proposed"]


async def test_concurrent_accepts_of_clashing_proposals_leave_one_winner(
    client: Client,
    school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Two runs solved apart both put Ben in Ann's Monday P1 lesson.
    first = await _create(client, school, [kit.observation(people, observer="T2")])
    second = await _create(client, school, [kit.observation(people, observer="T2")])
    await solve_queued(settings)
    responses = await asyncio.gather(
        *(
            client.post(f"{RUNS}/{run['id']}/accept", headers=school.auth("cpd_lead"))
            for run in (first, second)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    (loser,) = (r.json() for r in responses if r.status_code == 409)
    assert str(people["T2"]) in {clash["staff_id"] for clash in loser["clashes"]}
    async with sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT staff_id, count(*) FROM commitment WHERE day = :day"
                    " AND period_code = 'P1' GROUP BY staff_id"
                ),
                {"day": kit.MONDAY_DATE},
            )
        ).all()
    assert dict(rows) == {people["T1"]: 1, people["T2"]: 1}


async def test_a_run_not_yet_solved_cannot_be_accepted(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    run = await _create(client, school, _requests(people))
    response = await client.post(f"{RUNS}/{run['id']}/accept", headers=school.auth("cpd_lead"))
    assert response.status_code == 409
    assert response.json()["unmet"] == ["the run is solved"]


async def test_teachers_see_and_accept_only_what_they_take_part_in(
    client: Client, school: SchoolKit, settings: Settings, people: dict[str, uuid.UUID]
) -> None:
    run = await _solved_run(client, school, settings, _requests(people))
    lesson = run["items"][0]["request_id"]
    # Ben is in the research lesson only; Ann's class teacher colleague Tess in neither.
    assert (await client.get(f"{RUNS}/{run['id']}", headers=school.auth("T2"))).status_code == 200
    hidden = await client.get(f"{RUNS}/{run['id']}", headers=school.auth("teacher"))
    assert hidden.status_code == 404
    listed = await client.get(RUNS, headers=school.auth("teacher"))
    assert listed.json()["items"] == []
    whole = await client.post(f"{RUNS}/{run['id']}/accept", headers=school.auth("T2"))
    assert whole.status_code == 403
    own = await client.post(
        f"{RUNS}/{run['id']}/proposals/{lesson}/accept", headers=school.auth("T2")
    )
    assert own.status_code == 200, own.text


async def test_a_teacher_creates_runs_only_for_requests_they_take_part_in(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    mine = await client.post(
        RUNS, json={"requests": [kit.research_lesson(people)]}, headers=school.auth("T3")
    )
    assert mine.status_code == 202, mine.text
    others = await client.post(
        RUNS, json={"requests": _requests(people)}, headers=school.auth("T3")
    )
    assert others.status_code == 403
    integration = await client.post(
        RUNS, json={"requests": _requests(people)}, headers=school.auth("mis")
    )
    assert integration.status_code == 403


async def test_another_schools_runs_do_not_exist(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    settings: Settings,
    people: dict[str, uuid.UUID],
) -> None:
    run = await _solved_run(client, school, settings, _requests(people))
    for method, url in (
        ("GET", f"{RUNS}/{run['id']}"),
        ("POST", f"{RUNS}/{run['id']}/accept"),
        ("POST", f"{RUNS}/{run['id']}/proposals/{run['items'][0]['request_id']}/accept"),
    ):
        response = await client.request(method, url, headers=other_school.auth("admin"))
        assert response.status_code == 404, (method, url)
    listed = await client.get(RUNS, headers=other_school.auth("admin"))
    assert listed.json()["items"] == []


async def test_runs_are_listed_newest_first_a_page_at_a_time(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    created = [(await _create(client, school, _requests(people)))["id"] for _ in range(3)]
    first = (await client.get(RUNS, params={"limit": 2}, headers=school.auth("admin"))).json()
    assert [r["id"] for r in first["items"]] == created[:0:-1]
    second = await client.get(
        RUNS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=school.auth("admin")
    )
    assert [r["id"] for r in second.json()["items"]] == [created[0]]
    assert second.json()["next_cursor"] is None
