"""Observation policy: caps, notice, the judgement guard, focus tags, counts and deletion."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.notifications import Notification
from lessonstudy.domain.peer_observation import judgement
from lessonstudy.domain.peer_observation.models import (
    ObservationNotes,
    ObservationRead,
    ObservationReflection,
    ObservationShare,
    ObservationTally,
)
from tests.kit import Client, SchoolKit
from tests.observation_kit import (
    AFTER,
    SetClock,
    ask,
    book,
    booked_observation,
    moving_clock,
    write_notes,
)
from tests.timetable_kit import load_timetable


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    return moving_clock(monkeypatch)


# Ann's lessons: Monday P1 every week, and Tuesday P2 and P3 of Week A (15 September).
ANNS_LESSONS: list[dict[str, Any]] = [
    {"date": "2026-09-07", "period": "P1"},
    {"date": "2026-09-14", "period": "P1"},
    {"date": "2026-09-15", "period": "P2"},
    {"date": "2026-09-15", "period": "P3"},
]


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


async def _policy(client: Client, kit: SchoolKit, who: str = "cpd_lead", **body: Any) -> Any:
    return await client.patch("/v1/observation-policy", json=body, headers=kit.auth(who))


async def _count(sessions: async_sessionmaker[AsyncSession], table: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_the_default_policy_and_who_may_change_it(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    seen = await client.get("/v1/observation-policy", headers=school.auth("teacher"))
    assert seen.json() == {
        "max_observations_per_year": 3,
        "max_hours_per_year": 3.0,
        "min_notice_days": 2,
        "guard_mode": "refuse",
        "guard_patterns": None,
        "default_guard_patterns": list(judgement.DEFAULT_PATTERNS),
    }
    for who in ("teacher", "cover", "mis"):
        assert (await _policy(client, school, who, min_notice_days=5)).status_code == 403
    changed = await _policy(client, school, "admin", min_notice_days=5, max_hours_per_year=4.5)
    assert (changed.json()["min_notice_days"], changed.json()["max_hours_per_year"]) == (5, 4.5)
    lead = await _policy(client, school, max_observations_per_year=None)
    assert lead.json()["max_observations_per_year"] is None
    assert lead.json()["min_notice_days"] == 5  # untouched fields keep their value
    elsewhere = await client.get("/v1/observation-policy", headers=other_school.auth("admin"))
    assert elsewhere.json()["min_notice_days"] == 2


async def test_a_count_cap_refuses_with_the_reason_unless_asked_for(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    await _policy(client, school, max_hours_per_year=None)
    for lesson in ANNS_LESSONS[:3]:
        await ask(client, school, **lesson)
    refused = await ask(client, school, status=422, **ANNS_LESSONS[3])
    assert refused["unmet"] == [
        "cap: you already have 3 observation(s) in 2026-27; the school's cap is 3 a year"
    ]
    assert "beyond_policy" in refused["detail"]
    anyway = await ask(client, school, beyond_policy=True, **ANNS_LESSONS[3])
    assert anyway["beyond_policy"] is True


async def test_cancelled_and_declined_observations_do_not_count(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    await _policy(client, school, max_observations_per_year=1)
    first = await ask(client, school, **ANNS_LESSONS[0])
    await ask(client, school, status=422, **ANNS_LESSONS[1])
    await client.post(f"/v1/observations/{first['id']}/cancel", json={}, headers=school.auth("T1"))
    second = await ask(client, school, **ANNS_LESSONS[1])
    assert second["beyond_policy"] is False


async def test_an_hours_cap(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    await _policy(client, school, max_observations_per_year=10, max_hours_per_year=1.5)
    await ask(client, school, **ANNS_LESSONS[0])
    refused = await ask(client, school, status=422, **ANNS_LESSONS[1])
    assert refused["unmet"] == [
        "cap: this would make 2 hour(s) of observation in 2026-27; "
        "the school's cap is 1.5 hour(s) a year"
    ]


async def test_notice_period(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    await _policy(client, school, min_notice_days=10)
    # The clock says 1 September: the 7th is 6 days away, the 14th 13.
    refused = await ask(client, school, status=422, **ANNS_LESSONS[0])
    assert refused["unmet"] == [
        "notice: the lesson is 6 day(s) away; the school asks for at least 10 day(s) of notice"
    ]
    await ask(client, school, **ANNS_LESSONS[1])
    short = await ask(client, school, beyond_policy=True, **ANNS_LESSONS[0])
    assert short["beyond_policy"] is True


async def test_accepting_an_offer_is_checked_against_the_policy(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    await _policy(client, school, min_notice_days=10)
    offered = await client.post(
        "/v1/observations/offers",
        json={"observed_id": str(people["T1"]), **ANNS_LESSONS[0], "focus": "Pace"},
        headers=school.auth("T2"),
    )
    assert offered.status_code == 201
    path = f"/v1/observations/{offered.json()['id']}/accept"
    refused = await client.post(path, json={}, headers=school.auth("T1"))
    assert refused.status_code == 422
    assert refused.json()["unmet"][0].startswith("notice:")
    accepted = await client.post(path, json={"beyond_policy": True}, headers=school.auth("T1"))
    assert accepted.json()["status"] == "agreed"


async def test_the_guard_refuses_verdicts_and_names_them(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    observation = await booked_observation(client, school, set_clock)
    refused = await write_notes(
        client,
        school,
        observation,
        status=422,
        evidence=["Good question from pupil C", "The lesson was outstanding"],
        takeaways=["Grade 2 overall: 3/5"],
    )
    assert [(e["field"], e["message"]) for e in refused["errors"]] == [
        ("evidence[1]", 'judgement language: "lesson was outstanding"'),
        ("takeaways[0]", 'judgement language: "Grade 2"'),
        ("takeaways[0]", 'judgement language: "3/5"'),
    ]
    assert "describe what you saw and heard" in refused["detail"]
    assert await _count_notes(client, school, observation) == 404


async def _count_notes(client: Client, kit: SchoolKit, observation: str) -> int:
    response = await client.get(f"/v1/observations/{observation}/notes", headers=kit.auth("T1"))
    return response.status_code


async def test_under_a_warn_policy_notes_are_kept_with_warnings(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    await _policy(client, school, guard_mode="warn")
    observation = await booked_observation(client, school, set_clock)
    kept = await write_notes(client, school, observation, evidence=["requires improvement"])
    assert kept["warnings"] == [{"field": "evidence[0]", "phrase": "requires improvement"}]
    read = await client.get(f"/v1/observations/{observation}/notes", headers=school.auth("T1"))
    assert read.json()["warnings"] == kept["warnings"]


async def test_a_schools_own_patterns(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    changed = await _policy(client, school, guard_patterns=[r"\bexemplary\b"])
    assert changed.json()["guard_patterns"] == [r"\bexemplary\b"]
    observation = await booked_observation(client, school, set_clock)
    refused = await write_notes(
        client, school, observation, status=422, evidence=["An exemplary plenary"]
    )
    assert refused["errors"][0]["message"] == 'judgement language: "exemplary"'
    # The school's list replaces the default set.
    await write_notes(client, school, observation, evidence=["The lesson was outstanding"])
    restored = await _policy(client, school, guard_patterns=None)
    assert restored.json()["guard_patterns"] is None
    await write_notes(
        client, school, observation, status=422, evidence=["The lesson was outstanding"]
    )


@pytest.mark.parametrize(
    ("patterns", "field"),
    [(["fine", "(unclosed"], "guard_patterns[1]"), ([".*"], "guard_patterns[0]")],
)
async def test_broken_patterns_are_refused(
    client: Client, school: SchoolKit, patterns: list[str], field: str
) -> None:
    refused = await _policy(client, school, guard_patterns=patterns)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == field


async def test_focus_tags(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    made = await client.post(
        "/v1/focus-tags",
        json={"name": "Retrieval  Practice", "description": "Low-stakes recall"},
        headers=school.auth("cpd_lead"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "retrieval practice"
    duplicate = await client.post(
        "/v1/focus-tags", json={"name": "retrieval practice"}, headers=school.auth("admin")
    )
    assert duplicate.status_code == 409
    forbidden = await client.post(
        "/v1/focus-tags", json={"name": "questioning"}, headers=school.auth("teacher")
    )
    assert forbidden.status_code == 403
    listed = await client.get("/v1/focus-tags", headers=school.auth("teacher"))
    assert [t["name"] for t in listed.json()["items"]] == ["retrieval practice"]
    tagged = await ask(client, school, focus_tags=["Retrieval practice"])
    assert tagged["focus_tags"] == ["retrieval practice"]
    removed = await client.delete(
        f"/v1/focus-tags/{made.json()['id']}", headers=school.auth("cpd_lead")
    )
    assert removed.status_code == 204
    kept = await client.get(f"/v1/observations/{tagged['id']}", headers=school.auth("T1"))
    assert kept.json()["focus_tags"] == ["retrieval practice"]
    gone = await client.delete(
        f"/v1/focus-tags/{made.json()['id']}", headers=school.auth("cpd_lead")
    )
    assert gone.status_code == 404


async def _counts(client: Client, kit: SchoolKit, who: str = "cpd_lead", **params: Any) -> Any:
    response = await client.get("/v1/observation-counts", params=params, headers=kit.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


def _by_name(counts: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {p["name"]: (p["given"], p["received"]) for p in counts["items"]}


async def test_counts_per_person_per_term_and_never_more(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    await booked_observation(client, school, set_clock)
    set_clock("2026-09-01T12:00:00+01:00")
    await ask(client, school, **ANNS_LESSONS[1])  # agreed, never booked: not counted
    counts = await _counts(client, school, date="2026-09-10")
    assert counts["term"] == {
        "name": "Autumn 1",
        "starts_on": "2026-09-01",
        "ends_on": "2026-10-16",
    }
    names = _by_name(counts)
    assert names["Ann Archer"] == (0, 1)
    assert names["Ben Brook"] == (1, 0)
    assert names["Dev Dale"] == (0, 0)  # every teacher is listed, zeros too
    assert "Eve Ellis" not in names  # a cover supervisor with nothing to count
    assert counts["deleted"] == 0
    assert set(counts["items"][0]) == {"staff_id", "name", "given", "received"}
    later = await _counts(client, school, date="2026-11-10")
    assert later["term"]["name"] == "Autumn 2"
    assert _by_name(later)["Ann Archer"] == (0, 0)
    holiday = await _counts(client, school, date="2026-10-25")
    assert holiday["term"]["name"] == "Autumn 1"  # a holiday shows the term before it
    page = await _counts(client, school, date="2026-09-10", limit=2)
    rest = await _counts(client, school, date="2026-09-10", cursor=page["next_cursor"])
    assert len(page["items"]) == 2
    assert [p["name"] for p in page["items"] + rest["items"]] == [
        p["name"] for p in counts["items"]
    ]
    for who in ("teacher", "T1", "cover", "mis"):
        refused = await client.get("/v1/observation-counts", headers=school.auth(who))
        assert refused.status_code == 403, who
    assert (await _counts(client, school, "admin", date="2026-09-10"))["items"]


async def test_counts_need_a_term(client: Client, school: SchoolKit) -> None:
    refused = await client.get("/v1/observation-counts", headers=school.auth("admin"))
    assert refused.status_code == 422


async def test_deleting_after_the_lesson_leaves_only_an_anonymous_count(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Released Dev observes, with Eve covering his class: that cover happened.
    created = await ask(client, school, observer_id=str(people["T4"]))
    await book(client, school, created["id"])
    set_clock(AFTER)
    await client.put(
        f"/v1/observations/{created['id']}/notes",
        json={"evidence": ["Pupils used whiteboards"]},
        headers=school.auth("T4"),
    )
    await client.put(
        f"/v1/observations/{created['id']}/reflection",
        json={"reflection": "More wait time"},
        headers=school.auth("T1"),
    )
    share = await client.post(
        f"/v1/observations/{created['id']}/shares",
        json={"people": [str(people["T3"])], "purpose": "CPD"},
        headers=school.auth("T1"),
    )
    assert share.status_code == 201
    await client.get(f"/v1/observations/{created['id']}/notes", headers=school.auth("T3"))
    before = _by_name(await _counts(client, school, date="2026-09-07"))
    assert before["Ann Archer"] == (0, 1)

    deleted = await client.delete(f"/v1/observations/{created['id']}", headers=school.auth("T1"))
    assert deleted.status_code == 204
    for table in (ObservationNotes, ObservationReflection, ObservationShare, ObservationRead):
        assert await _count(sessions, table) == 0, table
    async with sessions() as session:
        kinds = (await session.scalars(select(Commitment.kind))).all()
        cover = (await session.scalars(select(CoverRequest.status))).all()
        about = await session.scalar(
            select(func.count()).where(Notification.about_id == uuid.UUID(created["id"]))
        )
        tally = (await session.scalars(select(ObservationTally))).all()
    assert list(kinds) == ["covering"]  # Eve's cover stays; Ann's and Dev's places go
    assert list(cover) == ["requested"]
    assert about == 0
    assert [(t.term_name, t.deleted) for t in tally] == [("Autumn 1", 1)]
    after = await _counts(client, school, date="2026-09-07")
    assert after["deleted"] == 1
    assert _by_name(after)["Ann Archer"] == (0, 0)
    assert _by_name(after)["Dev Dale"] == (0, 0)
    gone = await client.get(f"/v1/observations/{created['id']}", headers=school.auth("T1"))
    assert gone.status_code == 404


async def test_deleting_before_the_lesson_cancels_the_booking_and_counts_nothing(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await ask(client, school, observer_id=str(people["T4"]))
    await book(client, school, created["id"])
    deleted = await client.delete(f"/v1/observations/{created['id']}", headers=school.auth("T1"))
    assert deleted.status_code == 204
    assert await _count(sessions, Commitment) == 0
    assert await _count(sessions, ObservationTally) == 0
    async with sessions() as session:
        cover = (await session.scalars(select(CoverRequest.status))).all()
        told = (
            await session.scalars(
                select(Notification.subject).where(Notification.staff_id == people["T4"])
            )
        ).all()
    assert list(cover) == ["cancelled"]
    assert told == ["An observation you were booked for on Mon 07 Sep 2026, P1 has been called off"]
