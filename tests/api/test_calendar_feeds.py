"""Calendar feeds: secret iCalendar URLs that a real iCalendar parser reads.

A feed shows what is recent or to come, so the kit timetable is moved on to
the next fortnight with a Monday of Week B still ahead. That Monday, Dev (T4)
is released from 11E/Hi in period 1 (08:55 to 09:55 in London) to watch Ann
(T1) teach 9B/Ma in M1; Eve (CS1) is proposed to cover.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar as parser
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import bookings
from lessonstudy.integrations.icalendar import Event, calendar, escape_text, fold
from tests.cover_kit import release_to_observe, upcoming
from tests.kit import Client, SchoolKit
from tests.timetable_kit import load_timetable, school_payload

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def monday(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> date:
    payload, day = upcoming(school_payload())
    await load_timetable(client, school, sessions, payload)
    return day


@pytest.fixture
def people(school: SchoolKit, monday: date) -> dict[str, uuid.UUID]:
    return school.staff_ids


def _utc(day: date, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


async def _feed_path(client: Client, kit: SchoolKit, who: str) -> str:
    response = await client.post("/v1/me/calendar-feed", headers=kit.auth(who))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["webcal_url"].startswith("webcal://")
    url: str = body["url"]
    return urlsplit(url).path


async def _events(client: Client, path: str) -> dict[str, Any]:
    response = await client.get(path)  # no bearer token: the URL is the credential
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert "\r\n" in response.text
    parsed = parser.Calendar.from_ical(response.text)
    return {str(event["UID"]): event for event in parsed.walk("VEVENT")}


async def test_a_released_teacher_sees_the_lesson_they_observe(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    monday: date,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    purpose_id, _ = await release_to_observe(sessions, school, people, day=monday)
    events = await _events(client, await _feed_path(client, school, "T4"))
    uid = f"{purpose_id}-observing-{monday:%Y%m%d}-P1@lessonstudy"
    assert list(events) == [uid]
    event = events[uid]
    assert str(event["SUMMARY"]) == "Observing the research lesson (9B/Ma)"
    assert event.decoded("DTSTART") == _utc(monday, "08:55")
    assert event.decoded("DTEND") == _utc(monday, "09:55")
    assert str(event["LOCATION"]) == "M1"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert "Your class 11E/Hi is covered (cover requested)." in str(event["DESCRIPTION"])


async def test_cover_duty_updates_and_cancellation_reach_the_calendar(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    monday: date,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    purpose_id, booked = await release_to_observe(sessions, school, people, day=monday)
    path = await _feed_path(client, school, "CS1")
    uid = f"{purpose_id}-covering-{monday:%Y%m%d}-P1@lessonstudy"
    [before] = (await _events(client, path)).values()
    assert str(before["UID"]) == uid
    assert str(before["SUMMARY"]) == "Cover: 11E/Hi (History)"
    assert (str(before["STATUS"]), int(before["SEQUENCE"]), str(before["LOCATION"])) == (
        "TENTATIVE",
        0,
        "H1",
    )
    assert (await _events(client, path))[uid]["SEQUENCE"] == 0  # reading again changes nothing

    [request] = booked.cover_requests
    confirmed = await client.post(
        f"/v1/cover-requests/{request.id}/confirm",
        json={"cover_staff_id": str(people["CS1"])},
        headers=school.auth("mis"),
    )
    assert confirmed.status_code == 200
    after = (await _events(client, path))[uid]
    assert (str(after["STATUS"]), int(after["SEQUENCE"])) == ("CONFIRMED", 1)
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")

    async with sessions.begin() as session:
        await bookings.cancel(session, school.school_id, purpose_id=purpose_id)
    cancelled = (await _events(client, path))[uid]
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 2)
    assert cancelled.decoded("DTSTART") == _utc(monday, "08:55")

    await release_to_observe(sessions, school, people, purpose_id=purpose_id, day=monday)
    booked_again = (await _events(client, path))[uid]  # the same event, back on
    assert (str(booked_again["STATUS"]), int(booked_again["SEQUENCE"])) == ("TENTATIVE", 3)


async def test_the_url_is_secret_rotatable_and_revocable(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    first = await _feed_path(client, school, "T1")
    assert (await client.get(first)).status_code == 200
    status = await client.get("/v1/me/calendar-feed", headers=school.auth("T1"))
    assert status.status_code == 200
    second = await _feed_path(client, school, "T1")
    assert second != first
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    revoked = await client.delete("/v1/me/calendar-feed", headers=school.auth("T1"))
    assert revoked.status_code == 204
    assert (await client.get(second)).status_code == 404
    assert (await client.get("/v1/me/calendar-feed", headers=school.auth("T1"))).status_code == 404
    again = await client.delete("/v1/me/calendar-feed", headers=school.auth("T1"))
    assert again.status_code == 204


async def test_feed_addresses_and_who_may_have_one(client: Client, school: SchoolKit) -> None:
    assert (await client.get("/v1/calendar/lscal_unknown.ics")).status_code == 404
    assert (await client.get("/v1/calendar/lscal_unknown.txt")).status_code in (400, 404)
    assert (
        await client.get("/v1/me/calendar-feed", headers=school.auth("teacher"))
    ).status_code == 404
    for method in ("get", "post", "delete"):
        response = await client.request(method, "/v1/me/calendar-feed", headers=school.auth("mis"))
        assert response.status_code == 403


async def test_a_deactivated_persons_feed_stops(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    path = await _feed_path(client, school, "T2")
    response = await client.post(
        f"/v1/staff/{people['T2']}/deactivate", headers=school.auth("admin")
    )
    assert response.status_code == 200
    assert (await client.get(path)).status_code == 404


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "DESCRIPTION:" + "Élève répond, « très bien » 😀; " * 12
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_text_round_trips_through_a_real_parser() -> None:
    tricky = 'Line one; with, commas\nline two \\ backslash "quoted" 😀\x07' + " padding" * 20
    moment = datetime(2026, 9, 7, 7, 55, tzinfo=UTC)
    text = calendar(
        'Lesson study: Ann, "A"',
        [
            Event(
                uid="x-1@lessonstudy",
                sequence=4,
                starts_at=moment,
                ends_at=moment.replace(hour=8),
                summary=tricky,
                description=tricky,
                location="Room; 1",
                status="CANCELLED",
                last_modified=moment,
            )
        ],
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("END:VCALENDAR\r\n")
    [event] = parser.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == tricky.replace("\x07", "")
    assert str(event["LOCATION"]) == "Room; 1"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 4
    assert escape_text("a\r\nb") == "a\\nb"
