"""The cycle's rules through the API: preconditions, booking, overrides and the protocol."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import bookings
from lessonstudy.domain.bookings import Seat
from lessonstudy.domain.commitments import CommitmentKind
from lessonstudy.domain.lesson_study import transitions
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.staff import Role
from lessonstudy.domain.tokens import Principal
from lessonstudy.domain.webhooks import EventType, WebhookEvent
from lessonstudy.domain.webhooks.subscriptions import create_subscription
from lessonstudy.errors import Conflict
from tests.api.lesson_study.flow import (
    LESSON_DAYS,
    book,
    discuss,
    form_group,
    move,
    observe,
    plan_body,
    save_plan,
    say,
    start_cycle,
)
from tests.kit import Client, SchoolKit

MONDAY_B = LESSON_DAYS[0]


async def _planned(client: Client, school: SchoolKit, **group: object) -> str:
    found = await form_group(client, school, **group)  # type: ignore[arg-type]
    cycle_id: str = (await start_cycle(client, school, found["id"]))["id"]
    assert (await save_plan(client, school, cycle_id, plan_body())).status_code == 200
    return cycle_id


async def _observing(client: Client, school: SchoolKit, **group: object) -> str:
    cycle_id = await _planned(client, school, **group)
    assert (await book(client, school, cycle_id, MONDAY_B)).status_code == 200
    assert (await move(client, school, cycle_id, "teach")).status_code == 200
    assert (await move(client, school, cycle_id, "observe")).status_code == 200
    return cycle_id


async def _debriefing(client: Client, school: SchoolKit, **group: object) -> str:
    cycle_id = await _observing(client, school, **group)
    for observer in ("T2", "T3"):
        await observe(client, school, cycle_id, observer)
    assert (await move(client, school, cycle_id, "debrief")).status_code == 200
    return cycle_id


async def test_teaching_needs_the_plan_complete_and_the_lesson_booked(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    cycle_id = (
        await client.post(
            f"/v1/study-groups/{group['id']}/cycles", json={}, headers=school.auth("T2")
        )
    ).json()["id"]
    refused = await move(client, school, cycle_id, "teach")
    assert refused.status_code == 409
    assert refused.json()["unmet"] == [
        "choose the teaching member",
        "the plan's learning goal",
        "the lesson's stages",
    ]
    await client.patch(
        f"/v1/cycles/{cycle_id}",
        json={"teacher_id": str(school.staff_ids["T1"])},
        headers=school.auth("T3"),
    )
    await save_plan(client, school, cycle_id, plan_body(complete=False))
    refused = await move(client, school, cycle_id, "teach")
    assert refused.json()["unmet"] == [
        "a prediction for pupil C in stage 1",
        "book the lesson: a date and period when Ann Archer teaches 9B/Ma",
    ]
    # Jumping ahead is refused with what the cycle can do instead.
    jumped = await move(client, school, cycle_id, "debrief")
    assert jumped.status_code == 409
    assert jumped.json()["unmet"] == ["a cycle in plan can move only to teach, not debrief"]


async def test_a_booking_that_clashes_books_nothing(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned(client, school)
    refused = await book(client, school, cycle_id, MONDAY_B, period="P2")
    assert refused.status_code == 409
    # Ann does not teach in P2, and Ben teaches 8C/En then: every clash is named.
    assert refused.json()["detail"].endswith(
        "2026-09-07 P2: is not teaching then; "
        "2026-09-07 P2: teaches 8C/En then; name who covers to release them"
    )
    booking = (await client.get(f"/v1/cycles/{cycle_id}/booking", headers=school.auth("T1"))).json()
    assert booking["people"] == []
    not_a_school_day = await book(client, school, cycle_id, date(2026, 9, 25))
    assert not_a_school_day.status_code == 409
    assert "not a school day" in not_a_school_day.json()["detail"]


async def test_an_observer_who_teaches_then_is_released_with_cover(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned(client, school, members=("T1", "T2", "T4"))
    refused = await book(client, school, cycle_id, MONDAY_B)
    assert refused.status_code == 409
    assert "name who covers" in refused.json()["detail"]
    cover = [{"staff_id": str(school.staff_ids["T4"]), "cover_by": str(school.staff_ids["CS1"])}]
    booked = await book(client, school, cycle_id, MONDAY_B, cover=cover)
    assert booked.status_code == 200, booked.text
    found = booked.json()
    assert found["gaps"] == []
    assert {(p["kind"], p["staff_id"]) for p in found["people"]} == {
        ("teaching", str(school.staff_ids["T1"])),
        ("observing", str(school.staff_ids["T2"])),
        ("observing", str(school.staff_ids["T4"])),
        ("covering", str(school.staff_ids["CS1"])),
    }
    [request] = found["cover_requests"]
    assert (request["class_code"], request["status"]) == ("11E/Hi", "requested")
    # Rebooking replaces the booking; cancelling releases everyone and the cover.
    cancelled = await client.delete(f"/v1/cycles/{cycle_id}/booking", headers=school.auth("T4"))
    assert cancelled.status_code == 204
    after = (await client.get(f"/v1/cycles/{cycle_id}/booking", headers=school.auth("T4"))).json()
    assert after["people"] == []
    assert [r["status"] for r in after["cover_requests"]] == ["cancelled"]


async def test_only_you_can_give_up_your_protected_time_and_cover_is_for_observers(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned(client, school)
    refused = await book(
        client, school, cycle_id, MONDAY_B, use_protected=[str(school.staff_ids["T2"])]
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "use_protected"
    cover = [{"staff_id": str(school.staff_ids["T4"]), "cover_by": str(school.staff_ids["CS1"])}]
    not_an_observer = await book(client, school, cycle_id, MONDAY_B, cover=cover)
    assert not_an_observer.status_code == 422
    assert not_an_observer.json()["errors"][0]["field"] == "cover[0].staff_id"


async def test_a_discussion_period_is_booked_for_the_whole_group(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned(client, school)
    # Ben teaches 8C/En in P2: Eve covers his class so that he can join the discussion.
    cover = [{"staff_id": str(school.staff_ids["T2"]), "cover_by": str(school.staff_ids["CS1"])}]
    discussion = {"date": "2026-09-07", "period": "P2", "cover": cover}
    booked = await book(client, school, cycle_id, MONDAY_B, discussion=discussion)
    assert booked.status_code == 200, booked.text
    found = booked.json()
    assert found["discussion"] == {"date": "2026-09-07", "period": "P2"}
    discussing = {p["staff_id"] for p in found["people"] if p["kind"] == "discussing"}
    assert discussing == {str(school.staff_ids[w]) for w in ("T1", "T2", "T3")}
    [request] = found["cover_requests"]
    assert (request["class_code"], request["period"]) == ("8C/En", "P2")


async def test_postponing_releases_the_booking_and_reopens_the_plan(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _planned(client, school)
    await book(client, school, cycle_id, MONDAY_B)
    await move(client, school, cycle_id, "teach")
    locked = await save_plan(client, school, cycle_id, plan_body())
    assert locked.status_code == 409
    assert (await move(client, school, cycle_id, "plan")).json()["unmet"] == [
        "give a reason for postponing the lesson"
    ]
    postponed = await move(client, school, cycle_id, "plan", reason="Ann is on a course")
    assert postponed.status_code == 200
    cycle = postponed.json()
    assert (cycle["stage"], cycle["lesson_date"], cycle["booking"]["people"]) == ("plan", None, [])
    log = await client.get(
        f"/v1/study-groups/{cycle['group_id']}/audit", headers=school.auth("cpd_lead")
    )
    last_two = [(e["action"], e["to_stage"], e["reason"]) for e in log.json()["items"][-2:]]
    assert last_two == [
        ("booking_cancelled", None, None),
        ("transition", "plan", "Ann is on a course"),
    ]


async def test_teachers_may_mark_taught_early_others_wait_for_the_lesson_to_end(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle_id = await _planned(client, school)
    await book(client, school, cycle_id, MONDAY_B)
    taught = await move(client, school, cycle_id, "teach")
    assert taught.json()["lesson_ends_at"] == "2026-09-07T08:55:00Z"  # P1 ends 09:55 BST

    def caller(who: str) -> Principal:
        return Principal(
            token_id=uuid.uuid4(),
            school_id=school.school_id,
            staff_id=school.staff_ids[who],
            integration_client_id=None,
            roles=frozenset({Role.TEACHER}),
            scopes=frozenset(),
        )

    during = datetime(2026, 9, 7, 8, 30, tzinfo=UTC)
    async with sessions() as session:
        with pytest.raises(Conflict) as refused:
            await transitions.move(
                session, caller("T2"), uuid.UUID(cycle_id), Stage.OBSERVE, reason=None, now=during
            )
    assert "only the teaching member can mark it taught" in refused.value.extensions["unmet"][0]
    async with sessions.begin() as session:
        moved = await transitions.move(
            session, caller("T1"), uuid.UUID(cycle_id), Stage.OBSERVE, reason=None, now=during
        )
    assert moved.stage is Stage.OBSERVE
    assert moved.taught_at == during


async def test_the_discussion_waits_for_every_observer_unless_overridden(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _observing(client, school)
    await observe(client, school, cycle_id, "T2")
    await observe(client, school, cycle_id, "T3", submit=False)
    waiting = await move(client, school, cycle_id, "debrief")
    assert waiting.status_code == 409
    assert waiting.json()["unmet"] == [
        "Cat Cole has not submitted their observations",
        "or give a reason to hold the discussion without them",
    ]
    overridden = await move(
        client, school, cycle_id, "debrief", by="T2", reason="Cat is off sick this week"
    )
    assert overridden.status_code == 200
    assert overridden.json()["override_reason"] == "Cat is off sick this week"
    group_id = overridden.json()["group_id"]
    log = (
        await client.get(f"/v1/study-groups/{group_id}/audit", headers=school.auth("admin"))
    ).json()
    last = log["items"][-1]
    assert (last["action"], last["from_stage"], last["to_stage"]) == (
        "override",
        "observe",
        "debrief",
    )
    assert (last["actor_id"], last["reason"]) == (
        str(school.staff_ids["T2"]),
        "Cat is off sick this week",
    )
    figures = (
        await client.get(f"/v1/study-groups/{group_id}/fidelity", headers=school.auth("T1"))
    ).json()
    assert (
        figures["cycles"][0]["observers_submitted"],
        figures["cycles"][0]["observers_expected"],
    ) == (1, 2)


async def test_observations_are_the_observers_own_and_fixed_once_submitted(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _observing(client, school)
    note = {"notes": [{"pupil": "A", "stage": 1, "did": "Drew a wall"}]}
    path = f"/v1/cycles/{cycle_id}/observations/mine"
    assert (await client.put(path, json=note, headers=school.auth("T1"))).status_code == 403
    bad = {"notes": [{"pupil": "A", "stage": 3, "did": "x"}, {"pupil": "Q", "stage": 1}]}
    refused = await client.put(path, json=bad, headers=school.auth("T2"))
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {
        "notes[0].stage",
        "notes[1].pupil",
        "notes[1]",
    }
    await observe(client, school, cycle_id, "T2")
    again = await client.put(path, json=note, headers=school.auth("T2"))
    assert again.status_code == 409
    sheets = (
        await client.get(f"/v1/cycles/{cycle_id}/observations", headers=school.auth("T1"))
    ).json()
    by_name = {s["observer_name"]: s for s in sheets["items"]}
    assert len(by_name["Ben Brook"]["notes"]) == 6
    assert by_name["Cat Cole"]["notes"] == []


async def test_interview_notes_need_consent(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _observing(client, school)
    path = f"/v1/cycles/{cycle_id}/interviews/B"
    refused = await client.put(
        path, json={"consent": False, "notes": "x"}, headers=school.auth("T3")
    )
    assert refused.status_code == 422
    declined = await client.put(path, json={"consent": False}, headers=school.auth("T3"))
    assert declined.status_code == 200
    assert declined.json()["notes"] is None
    missing = await client.put(
        f"/v1/cycles/{cycle_id}/interviews/Q", json={"consent": True}, headers=school.auth("T3")
    )
    assert missing.status_code == 404


async def test_the_discussion_follows_the_protocol(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _debriefing(client, school)

    async def refused(step: str, by: str, pupil: str | None = None) -> list[str]:
        response = await say(client, school, cycle_id, step, "Said out of turn", by=by, pupil=pupil)
        assert response.status_code == 409, response.text
        unmet: list[str] = response.json()["unmet"]
        return unmet

    assert await refused("reflection", "T1") == [
        "the discussion starts with evidence about each case pupil against the predictions"
    ]
    teacher_evidence = await say(client, school, cycle_id, "evidence", "x", by="T1", pupil="A")
    assert teacher_evidence.status_code == 403
    assert (
        await say(client, school, cycle_id, "evidence", "A", by="T2", pupil="A")
    ).status_code == 201
    assert await refused("reflection", "T1") == ["evidence about pupil B", "evidence about pupil C"]
    for pupil in ("B", "C"):
        assert (
            await say(client, school, cycle_id, "evidence", "x", by="T3", pupil=pupil)
        ).status_code == 201
    assert await refused("learning", "T2") == [
        "the teacher's reflection comes next",
        "the teacher's reflection",
    ]
    assert (await say(client, school, cycle_id, "reflection", "x", by="T2")).status_code == 403
    assert (await say(client, school, cycle_id, "reflection", "x", by="T1")).status_code == 201
    assert await refused("evidence", "T2", pupil="A") == [
        "the discussion has moved on to the teacher's reflection; it does not go back"
    ]
    assert await refused("final_comments", "T2") == [
        "no knowledgeable other takes part in this discussion, so it has no final comments"
    ]
    closing = await move(client, school, cycle_id, "closed")
    assert closing.json()["unmet"] == [
        "what the group learned",
        "what changes for the next research lesson",
    ]


async def test_a_late_discussion_is_flagged_against_the_schools_policy(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    cycle_id = await _debriefing(client, school)
    await discuss(client, school, cycle_id)
    path = f"/v1/cycles/{cycle_id}/debrief"
    debrief = (await client.get(path, headers=school.auth("T1"))).json()
    # Recorded when the first entry was made: today, long after the lesson.
    assert debrief["held_on"] == datetime.now(UTC).date().isoformat() or debrief["late"]
    assert debrief["late"] is True
    next_day = await client.patch(path, json={"held_on": "2026-09-08"}, headers=school.auth("T2"))
    assert (next_day.json()["days_after_lesson"], next_day.json()["late"]) == (1, True)
    policy = await client.put(
        "/v1/lesson-study/policy",
        json={"discussion_allowance_days": 2},
        headers=school.auth("cpd_lead"),
    )
    assert policy.status_code == 200
    assert (await client.get(path, headers=school.auth("T1"))).json()["late"] is False
    before = await client.patch(path, json={"held_on": "2026-09-06"}, headers=school.auth("T2"))
    assert before.status_code == 422
    future = await client.patch(path, json={"held_on": "2099-01-01"}, headers=school.auth("T2"))
    assert future.status_code == 422


async def _scheduler_books(
    sessions: async_sessionmaker[AsyncSession],
    school: SchoolKit,
    cycle_id: str,
    day: date,
    period: str,
    *who: tuple[str, CommitmentKind],
) -> None:
    """Book as the scheduler's accepted proposal does: commitments for the cycle, by purpose."""
    async with sessions.begin() as session:
        await bookings.book(
            session,
            school.school_id,
            purpose="research_lesson",
            purpose_id=uuid.UUID(cycle_id),
            seats=[Seat(school.staff_ids[w], day, period, kind) for w, kind in who],
        )


async def test_a_booking_made_by_the_scheduler_counts_when_it_holds_the_lesson(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cycle_id = await _planned(client, school)
    teaching, observing = CommitmentKind.TEACHING, CommitmentKind.OBSERVING
    await _scheduler_books(
        sessions, school, cycle_id, MONDAY_B, "P1", ("T1", teaching), ("T2", observing)
    )
    missing = await move(client, school, cycle_id, "teach")
    assert missing.json()["unmet"] == ["Cat Cole is not booked to observe the lesson"]
    await client.delete(f"/v1/cycles/{cycle_id}/booking", headers=school.auth("T1"))
    # Tuesday 1 September (Week A), P2: Ann teaches 10A/Ma, not the focus class.
    await _scheduler_books(
        sessions,
        school,
        cycle_id,
        date(2026, 9, 1),
        "P2",
        ("T1", teaching),
        ("T2", observing),
        ("T3", observing),
    )
    wrong_class = await move(client, school, cycle_id, "teach")
    assert wrong_class.json()["unmet"] == [
        "Ann Archer does not teach 9B/Ma on 2026-09-01 P2 (they teach 10A/Ma then)"
    ]
    await client.delete(f"/v1/cycles/{cycle_id}/booking", headers=school.auth("T1"))
    await _scheduler_books(
        sessions,
        school,
        cycle_id,
        MONDAY_B,
        "P1",
        ("T1", teaching),
        ("T2", observing),
        ("T3", observing),
    )
    taught = await move(client, school, cycle_id, "teach")
    assert taught.status_code == 200, taught.text
    assert taught.json()["lesson_date"] == MONDAY_B.isoformat()


async def test_reading_a_cycle_takes_the_same_few_queries_however_much_it_holds(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    large = await _debriefing(client, school)
    await discuss(client, school, large)
    small = await _planned(client, school)
    assert (await book(client, school, small, LESSON_DAYS[1])).status_code == 200
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    # The cycle's content is read with plain statements on the session's asyncpg
    # connection, which SQLAlchemy's events never see: count those as well.
    for method in ("fetch", "fetchrow", "fetchval"):
        original = getattr(asyncpg.Connection, method)

        async def counted(self: object, query: str, *args: object, _o: Any = original) -> Any:
            statements.append(query)
            return await _o(self, query, *args)

        monkeypatch.setattr(asyncpg.Connection, method, counted)
    engine = client.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = []
        for cycle_id in (small, large):
            statements.clear()
            response = await client.get(f"/v1/cycles/{cycle_id}", headers=school.auth("T2"))
            assert response.status_code == 200
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Authentication, then one query per table: none per note, entry or person.
    assert counts[0] == counts[1]
    assert counts[1] <= 14, counts


async def test_each_stage_change_reaches_webhook_subscribers_without_content(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await create_subscription(
            session,
            school.school_id,
            url="https://mis.example/hooks",
            events=[EventType.CYCLE_STAGE_CHANGED],
            description=None,
            active=True,
        )
    cycle_id = await _observing(client, school)
    async with sessions() as session:
        events = (
            await session.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at))
        ).all()
    assert [(e.payload["from"], e.payload["to"]) for e in events] == [
        ("plan", "teach"),
        ("teach", "observe"),
    ]
    assert {e.payload["cycle_id"] for e in events} == {cycle_id}
    assert events[0].payload["lesson_date"] == MONDAY_B.isoformat()
    assert set(events[0].payload) == {
        "cycle_id",
        "group_id",
        "from",
        "to",
        "override",
        "lesson_date",
        "lesson_period",
    }
