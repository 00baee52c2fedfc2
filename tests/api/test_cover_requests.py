"""Cover requests through the API: who may see and decide them, confirm, decline, cancel.

Dev (T4) is released from 11E/Hi on Monday 7 September 2026, period 1, to
watch Ann (T1) teach 9B/Ma; Eve (CS1) is proposed to cover and Gus (CS2)
could cover too.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import bookings, integration_clients, tokens
from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.cover_changes import CoverRequestChange
from lessonstudy.domain.cover_requests import purposes_at_risk
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.notifications import Notification
from tests.cover_kit import MONDAY_B, NEXT_MONDAY_B, release_to_observe, two_cover_supervisors
from tests.kit import Client, SchoolKit
from tests.timetable_kit import load_timetable


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions, two_cover_supervisors())


@pytest.fixture
async def released(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> tuple[uuid.UUID, uuid.UUID]:
    """(purpose id, cover request id) of Dev's release."""
    purpose_id, booked = await release_to_observe(sessions, school, people)
    [request] = booked.cover_requests
    return purpose_id, request.id


async def _covering(sessions: async_sessionmaker[AsyncSession], purpose_id: uuid.UUID) -> set[Any]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Commitment.staff_id).where(
                Commitment.purpose_id == purpose_id, Commitment.kind == "covering"
            )
        )
        return set(rows.all())


async def _notified(sessions: async_sessionmaker[AsyncSession], kind: str) -> set[uuid.UUID]:
    async with sessions() as session:
        rows = await session.scalars(select(Notification.staff_id).where(Notification.kind == kind))
        return set(rows.all())


async def test_the_integration_lists_and_reads_requests(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], released: Any
) -> None:
    purpose_id, request_id = released
    listed = await client.get("/v1/cover-requests", headers=school.auth("mis"))
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["id"] == str(request_id)
    assert (item["date"], item["period"], item["class_code"], item["room"]) == (
        "2026-09-07",
        "P1",
        "11E/Hi",
        "H1",
    )
    assert item["released_staff_id"] == str(people["T4"])
    assert item["proposed_cover_staff_id"] == str(people["CS1"])
    assert (item["status"], item["version"], item["purpose_id"]) == (
        "requested",
        1,
        str(purpose_id),
    )
    one = await client.get(f"/v1/cover-requests/{request_id}", headers=school.auth("mis"))
    assert one.json() == item


async def test_filters_and_pages(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for day in (NEXT_MONDAY_B, MONDAY_B):
        await release_to_observe(sessions, school, people, day=day)
    headers = school.auth("mis")
    page = await client.get("/v1/cover-requests", params={"limit": 1}, headers=headers)
    first = page.json()
    assert [i["date"] for i in first["items"]] == ["2026-09-07"]
    second = await client.get(
        "/v1/cover-requests", params={"limit": 1, "cursor": first["next_cursor"]}, headers=headers
    )
    assert [i["date"] for i in second.json()["items"]] == ["2026-09-21"]
    assert second.json()["next_cursor"] is None
    for params, count in [
        ({"status": "requested"}, 2),
        ({"status": "declined"}, 0),
        ({"from": "2026-09-08"}, 1),
        ({"from": "2026-09-07", "to": "2026-09-07"}, 1),
        ({"released_staff_id": str(people["T4"])}, 2),
        ({"released_staff_id": str(people["T1"])}, 0),
    ]:
        found = await client.get("/v1/cover-requests", params=params, headers=headers)
        assert len(found.json()["items"]) == count, params
    bad = await client.get("/v1/cover-requests", params={"cursor": "x"}, headers=headers)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("mis", 200, 200),  # cover:read and cover:write
        ("mis_no_staff", 200, 403),  # cover:read only
        ("admin", 200, 403),
        ("cpd_lead", 200, 403),
        ("teacher", 403, 403),
        ("cover", 403, 403),
    ],
)
async def test_who_may_read_and_decide(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    who: str,
    read: int,
    write: int,
) -> None:
    _, request_id = released
    headers = school.auth(who)
    for path in (
        "/v1/cover-requests",
        "/v1/cover-requests/changes",
        f"/v1/cover-requests/{request_id}",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == read, (path, response.text)
    confirm = await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people["CS1"])},
        headers=headers,
    )
    assert confirm.status_code == write, confirm.text


async def test_another_schools_requests_are_not_found(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
) -> None:
    _, request_id = released
    headers = other_school.auth("mis")
    assert (
        await client.get(f"/v1/cover-requests/{request_id}", headers=headers)
    ).status_code == 404
    for action, body in (
        ("confirm", {"cover_staff_id": str(people["CS1"])}),
        ("decline", {"reason": "no"}),
    ):
        response = await client.post(
            f"/v1/cover-requests/{request_id}/{action}", json=body, headers=headers
        )
        assert response.status_code == 404
    assert (await client.get("/v1/cover-requests", headers=headers)).json()["items"] == []
    feed = await client.get("/v1/cover-requests/changes", headers=headers)
    assert feed.json()["items"] == []


async def test_confirm_with_the_proposed_person(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    purpose_id, request_id = released
    response = await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people["CS1"])},
        headers=school.auth("mis"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["cover_staff_id"], body["version"]) == (
        "confirmed",
        str(people["CS1"]),
        2,
    )
    assert await _covering(sessions, purpose_id) == {people["CS1"]}
    again = await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people["CS1"])},
        headers=school.auth("mis"),
    )
    assert again.json()["version"] == 2  # nothing changed, nothing recorded


async def test_confirm_with_someone_else_moves_the_cover(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    purpose_id, request_id = released
    response = await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people["CS2"])},
        headers=school.auth("mis"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["cover_staff_id"] == str(people["CS2"])
    assert response.json()["proposed_cover_staff_id"] == str(people["CS1"])
    assert await _covering(sessions, purpose_id) == {people["CS2"]}
    assert await _notified(sessions, "cover_removed") == {people["CS1"]}
    assert await _notified(sessions, "cover_assigned") == {people["CS2"]}


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("T2", "may not cover"),  # a free teacher, but this school allows no teacher cover
        ("T1", "is not free"),  # teaching the research lesson then
        ("T4", "is the teacher being released"),
    ],
)
async def test_confirm_refuses_someone_who_cannot_cover(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
    who: str,
    why: str,
) -> None:
    purpose_id, request_id = released
    response = await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people[who])},
        headers=school.auth("mis"),
    )
    assert response.status_code == 409, response.text
    assert why in response.json()["detail"]
    assert response.json()["unmet"]
    assert await _covering(sessions, purpose_id) == {people["CS1"]}  # unchanged


async def test_confirm_names_a_real_person(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    other_school: SchoolKit,
) -> None:
    _, request_id = released
    for stranger in (uuid.uuid4(), other_school.staff_ids["cover"]):
        response = await client.post(
            f"/v1/cover-requests/{request_id}/confirm",
            json={"cover_staff_id": str(stranger)},
            headers=school.auth("mis"),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cover_staff_id"


async def test_decline_puts_the_booking_at_risk_and_tells_the_people_booked(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    purpose_id, request_id = released
    response = await client.post(
        f"/v1/cover-requests/{request_id}/decline",
        json={"reason": "No cover staff left that morning"},
        headers=school.auth("mis"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["decline_reason"], body["cover_staff_id"]) == (
        "declined",
        "No cover staff left that morning",
        None,
    )
    assert await _covering(sessions, purpose_id) == set()
    assert await _notified(sessions, "cover_declined") == {people["T1"], people["T4"]}
    assert await _notified(sessions, "cover_removed") == {people["CS1"]}
    async with sessions() as session:
        assert await purposes_at_risk(session, school.school_id, [purpose_id]) == {purpose_id}
    again = await client.post(
        f"/v1/cover-requests/{request_id}/decline", json={"reason": "x"}, headers=school.auth("mis")
    )
    assert again.status_code == 200
    assert again.json()["version"] == body["version"]  # declining twice changes nothing
    late = await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people["CS1"])},
        headers=school.auth("mis"),
    )
    assert late.status_code == 409
    listed = await client.get(
        "/v1/cover-requests", params={"status": "declined"}, headers=school.auth("mis")
    )
    assert [i["id"] for i in listed.json()["items"]] == [str(request_id)]


async def test_cancelling_the_booking_cancels_the_request_for_the_feed(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    purpose_id, request_id = released
    async with sessions.begin() as session:
        cancelled = await bookings.cancel(session, school.school_id, purpose_id=purpose_id)
    assert [r.id for r in cancelled] == [request_id]
    got = await client.get(f"/v1/cover-requests/{request_id}", headers=school.auth("mis"))
    assert (got.json()["status"], got.json()["version"]) == ("cancelled", 2)
    for action, body in (
        ("confirm", {"cover_staff_id": str(people["CS1"])}),
        ("decline", {"reason": "late"}),
    ):
        response = await client.post(
            f"/v1/cover-requests/{request_id}/{action}", json=body, headers=school.auth("mis")
        )
        assert response.status_code == 409
    async with sessions() as session:
        versions = (
            await session.scalars(
                select(CoverRequestChange.version).where(
                    CoverRequestChange.cover_request_id == request_id
                )
            )
        ).all()
    assert sorted(versions) == [1, 2]


async def test_the_feed_through_the_api(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], released: Any
) -> None:
    _, request_id = released
    headers = school.auth("mis_no_staff")
    first = (await _feed_until(client, headers, None, 1))[0]
    assert [(c["change"], c["version"]) for c in first["items"]] == [("created", 1)]
    assert first["items"][0]["cover_request"]["id"] == str(request_id)
    await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people["CS2"])},
        headers=school.auth("mis"),
    )
    [page] = await _feed_until(client, headers, first["next_cursor"], 1)
    [change] = page["items"]
    assert (change["change"], change["version"], change["cover_request"]["status"]) == (
        "changed",
        2,
        "confirmed",
    )
    assert change["cover_request"]["cover_staff_id"] == str(people["CS2"])


async def _feed_until(
    client: Client, headers: dict[str, str], cursor: str | None, want: int
) -> list[dict[str, Any]]:
    """Pages read until ``want`` changes came (the feed may lag a commit for a moment)."""
    pages: list[dict[str, Any]] = []
    got = 0
    for _ in range(600):
        params = {"cursor": cursor} if cursor else {}
        response = await client.get("/v1/cover-requests/changes", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        cursor = page["next_cursor"]
        if page["items"]:
            pages.append(page)
            got += len(page["items"])
            if got >= want:
                return pages
        else:
            await asyncio.sleep(0.05)
    raise AssertionError(f"the feed gave {got} of {want} changes")


async def test_idempotency_key_replays_and_refuses_another_body(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, request_id = released
    headers = {**school.auth("mis"), "Idempotency-Key": "confirm-11E-0907-P1"}
    path = f"/v1/cover-requests/{request_id}/confirm"
    first = await client.post(path, json={"cover_staff_id": str(people["CS2"])}, headers=headers)
    assert first.status_code == 200
    assert first.headers["Idempotent-Replayed"] == "false"
    retry = await client.post(path, json={"cover_staff_id": str(people["CS2"])}, headers=headers)
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    other = await client.post(path, json={"cover_staff_id": str(people["CS1"])}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    elsewhere = await client.post(
        f"/v1/cover-requests/{request_id}/decline", json={"reason": "x"}, headers=headers
    )
    assert elsewhere.status_code == 422
    async with sessions() as session:
        changes = await session.scalar(
            select(func.count()).where(CoverRequestChange.cover_request_id == request_id)
        )
    assert changes == 2  # created, then confirmed once


async def test_twenty_identical_requests_at_once_have_one_effect(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    purpose_id, request_id = released
    headers = {**school.auth("mis"), "Idempotency-Key": str(uuid.uuid4())}
    responses = await asyncio.gather(
        *(
            client.post(
                f"/v1/cover-requests/{request_id}/confirm",
                json={"cover_staff_id": str(people["CS2"])},
                headers=headers,
            )
            for _ in range(20)
        )
    )
    assert [r.status_code for r in responses] == [200] * 20
    assert len({r.content for r in responses}) == 1
    assert sorted(r.headers["Idempotent-Replayed"] for r in responses) == ["false"] + ["true"] * 19
    async with sessions() as session:
        versions = (
            await session.scalars(
                select(CoverRequestChange.version).where(
                    CoverRequestChange.cover_request_id == request_id
                )
            )
        ).all()
        assigned = await session.scalar(
            select(func.count()).where(Notification.kind == "cover_assigned")
        )
    assert sorted(versions) == [1, 2]
    assert assigned == 1
    assert await _covering(sessions, purpose_id) == {people["CS2"]}


async def test_keys_belong_to_their_caller(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    released: Any,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, request_id = released
    async with sessions.begin() as session:
        second = await integration_clients.create_client(
            session, school.school_id, name="second sync", scopes=[Scope.COVER_WRITE]
        )
        issued = await tokens.issue_token(
            session, school.school_id, label="test", integration_client_id=second.id
        )
    key = {"Idempotency-Key": "shared-key"}
    mine = await client.post(
        f"/v1/cover-requests/{request_id}/confirm",
        json={"cover_staff_id": str(people["CS1"])},
        headers={**school.auth("mis"), **key},
    )
    assert mine.json()["status"] == "confirmed"
    theirs = await client.post(
        f"/v1/cover-requests/{request_id}/decline",
        json={"reason": "none free"},
        headers={"Authorization": f"Bearer {issued.secret}", **key},
    )
    assert theirs.status_code == 200  # not a reuse: another caller's key
    assert theirs.json()["status"] == "declined"
