"""The caller's notifications: newest first, unread filter, pages, marking read."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.notifications import notify
from tests.kit import Client, SchoolKit


async def _notify(
    sessions: async_sessionmaker[AsyncSession], kit: SchoolKit, who: str, *subjects: str
) -> None:
    for subject in subjects:
        async with sessions.begin() as session:  # one transaction each: distinct times
            await notify(
                session,
                school_id=kit.school_id,
                staff_id=kit.staff_ids[who],
                kind="reminder",
                subject=subject,
                about="research_lesson",
                about_id=uuid.uuid4(),
                dedupe_key=subject,
            )


async def test_newest_first_in_pages_and_marked_read(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _notify(sessions, school, "teacher", "first", "second", "third")
    await _notify(sessions, school, "cpd_lead", "not yours")
    headers = school.auth("teacher")
    page = (await client.get("/v1/me/notifications", params={"limit": 2}, headers=headers)).json()
    assert [n["subject"] for n in page["items"]] == ["third", "second"]
    rest = await client.get(
        "/v1/me/notifications", params={"limit": 2, "cursor": page["next_cursor"]}, headers=headers
    )
    assert [n["subject"] for n in rest.json()["items"]] == ["first"]
    assert rest.json()["next_cursor"] is None

    second = page["items"][1]
    assert second["read_at"] is None
    read = await client.post(f"/v1/me/notifications/{second['id']}/read", headers=headers)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    again = await client.post(f"/v1/me/notifications/{second['id']}/read", headers=headers)
    assert again.json()["read_at"] == read.json()["read_at"]  # the first time it was read stays
    unread = await client.get("/v1/me/notifications", params={"unread": True}, headers=headers)
    assert [n["subject"] for n in unread.json()["items"]] == ["third", "first"]


async def test_only_your_own_notifications(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _notify(sessions, school, "cpd_lead", "for the CPD lead")
    theirs = (await client.get("/v1/me/notifications", headers=school.auth("cpd_lead"))).json()
    notification_id = theirs["items"][0]["id"]
    for kit, who in ((school, "teacher"), (other_school, "cpd_lead")):
        response = await client.post(
            f"/v1/me/notifications/{notification_id}/read", headers=kit.auth(who)
        )
        assert response.status_code == 404
    integration = await client.get("/v1/me/notifications", headers=school.auth("mis"))
    assert integration.status_code == 403
    bad = await client.get(
        "/v1/me/notifications", params={"cursor": "nope"}, headers=school.auth("teacher")
    )
    assert bad.status_code == 422
