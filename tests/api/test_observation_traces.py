"""Where a peer observation shows through other features, and what its deletion leaves.

Ann (T1) is observed by Ben (T2) in her Monday P1 lesson (see
tests/observation_kit.py). Colleagues who read Ann's timetable must not learn
that she is being observed; once she deletes the observation, the school's
integrations must not be able to read or be re-sent who was observed when,
and the calendar feeds keep only a bare cancellation.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.calendar_feeds import CalendarEntry, render_feed
from lessonstudy.domain.webhooks import EventType, WebhookEvent
from lessonstudy.domain.webhooks.models import WebhookDelivery
from lessonstudy.domain.webhooks.subscriptions import create_subscription
from tests.kit import Client, SchoolKit
from tests.observation_kit import MONDAY_B, SetClock, ask, book, moving_clock
from tests.timetable_kit import load_timetable


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    return moving_clock(monkeypatch)


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


async def _monday(
    client: Client, school: SchoolKit, whose: uuid.UUID, reader: str
) -> dict[str, dict[str, Any]]:
    response = await client.get(
        f"/v1/staff/{whose}/timetable",
        params={"from": MONDAY_B, "to": MONDAY_B},
        headers=school.auth(reader),
    )
    assert response.status_code == 200, response.text
    return {e["period"]: e for e in response.json()["items"]}


async def test_only_the_person_sees_what_their_commitments_are_for(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    created = await ask(client, school)
    await book(client, school, created["id"])

    own = await _monday(client, school, people["T1"], "T1")
    assert (own["P1"]["activity"], own["P1"]["detail"]) == ("committed", "teaching: observation")
    # Dev sees Ann teaching her class, as on any Monday; nothing says she is observed.
    seen = await _monday(client, school, people["T1"], "T4")
    assert (seen["P1"]["activity"], seen["P1"]["class_code"]) == ("lesson", "9B/Ma")
    assert seen["P1"]["detail"] is None
    # Ben is busy then, and a planner needs to know it, but not with whom or why.
    observer = await _monday(client, school, people["T2"], "T4")
    assert (observer["P1"]["activity"], observer["P1"]["detail"]) == ("committed", "observing")
    mis = await _monday(client, school, people["T1"], "mis")
    assert "observation" not in str(mis)


async def test_deleting_an_observation_takes_its_webhook_events_with_it(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
    set_clock: SetClock,
) -> None:
    async with sessions.begin() as session:
        await create_subscription(
            session,
            school.school_id,
            url="https://mis.example/hooks",
            events=list(EventType),
            description=None,
            active=True,
        )
    created = await ask(client, school)
    await book(client, school, created["id"])
    async with sessions() as session:
        before = (await session.scalars(select(WebhookEvent.type))).all()
    assert {EventType.OBSERVATION_REQUESTED, EventType.BOOKING_CREATED} <= set(before)

    deleted = await client.delete(f"/v1/observations/{created['id']}", headers=school.auth("T1"))
    assert deleted.status_code == 204, deleted.text
    async with sessions() as session:
        events = (await session.scalars(select(WebhookEvent))).all()
        pending = (await session.scalars(select(WebhookDelivery))).all()
    # Nothing stored names the observation or its people, so nothing can be
    # delivered late or redelivered; an anonymous count is all that remains.
    naming = [e.type for e in events if created["id"] in str(e.payload)]
    assert naming == []
    assert all(p.event_id in {e.id for e in events} for p in pending)
    assert not any(str(people["T1"]) in str(e.payload) for e in events)


async def test_a_deleted_observation_leaves_only_a_bare_cancellation_in_calendars(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
    set_clock: SetClock,
) -> None:
    created = await ask(client, school)
    await book(client, school, created["id"])
    secrets = {}
    for who in ("T1", "T2"):
        issued = await client.post("/v1/me/calendar-feed", headers=school.auth(who))
        assert issued.status_code == 201, issued.text
        secrets[who] = urlsplit(issued.json()["url"]).path.rsplit("/", 1)[-1].removesuffix(".ics")
    # A week before the lesson, both feeds carry it.
    a_week_before = datetime(2026, 9, 1, 12, tzinfo=UTC)
    async with sessions.begin() as session:
        for secret in secrets.values():
            assert "9B/Ma" in await render_feed(session, secret, now=a_week_before)

    deleted = await client.delete(f"/v1/observations/{created['id']}", headers=school.auth("T1"))
    assert deleted.status_code == 204, deleted.text
    async with sessions.begin() as session:
        for secret in secrets.values():
            feed = await render_feed(session, secret, now=a_week_before)
            assert "STATUS:CANCELLED" in feed
            assert "9B/Ma" not in feed
            assert "observation" not in feed.lower()
        stored = (await session.scalars(select(CalendarEntry))).all()
    assert stored, "the cancellations are still published, so calendar apps drop the events"
    assert {(e.summary, e.description, e.location) for e in stored} == {("Cancelled", "", None)}
