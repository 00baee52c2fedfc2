"""A fake MIS integrates as a school's timetable system would, from end to end.

It registers a webhook receiver (a real HTTP server that checks every
signature), follows the change feed with its own cursor, confirms one
request (retrying it, as a client whose response was lost would) and
declines another; the school then cancels a booking. The MIS's picture of
every request, built only from the feed, must match the API's, and the
webhooks must have told it of every change.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import bookings
from lessonstudy.domain.webhooks.delivery import DeliveryPolicy, deliver_due
from tests.cover_kit import MONDAY_B, NEXT_MONDAY_B, release_to_observe, two_cover_supervisors
from tests.kit import Client, SchoolKit
from tests.timetable_kit import load_timetable
from tests.webhook_receiver import Receiver, running_receiver

POLICY = DeliveryPolicy(timeout_seconds=5, lease_seconds=10, max_attempts=3)


@dataclass
class FakeMis:
    client: Client
    headers: dict[str, str]
    cursor: str | None = None
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes_seen: int = 0

    async def sync(self, expect: int) -> None:
        """Follow the feed until ``expect`` more changes came, keeping only newer versions."""
        got = 0
        for _ in range(600):
            params = {"cursor": self.cursor} if self.cursor else {}
            response = await self.client.get(
                "/v1/cover-requests/changes", params=params, headers=self.headers
            )
            assert response.status_code == 200, response.text
            page = response.json()
            self.cursor = page["next_cursor"]
            for change in page["items"]:
                request = change["cover_request"]
                known = self.requests.get(request["id"])
                assert known is None or request["version"] > known["version"]
                self.requests[request["id"]] = request
            got += len(page["items"])
            if got >= expect and not page["has_more"]:
                assert got == expect, "the feed repeated or invented a change"
                self.changes_seen += got
                return
            if not page["items"]:
                await asyncio.sleep(0.05)
        raise AssertionError(f"the feed gave {got} of {expect} changes")

    async def confirm(self, request_id: str, cover_staff_id: str, key: str) -> httpx.Response:
        return await self.client.post(
            f"/v1/cover-requests/{request_id}/confirm",
            json={"cover_staff_id": cover_staff_id},
            headers={**self.headers, "Idempotency-Key": key},
        )

    async def decline(self, request_id: str, reason: str, key: str) -> httpx.Response:
        return await self.client.post(
            f"/v1/cover-requests/{request_id}/decline",
            json={"reason": reason},
            headers={**self.headers, "Idempotency-Key": key},
        )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_a_fake_mis_follows_the_feed_and_webhooks_and_arranges_cover(
    client: Client,
    school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> None:
    people = await load_timetable(client, school, sessions, two_cover_supervisors())
    subscribed = await client.post(
        "/v1/webhooks/subscriptions",
        json={
            "url": receiver.url,
            "events": ["cover_request.created", "cover_request.changed"],
            "description": "MIS cover sync",
        },
        headers=school.auth("admin"),
    )
    assert subscribed.status_code == 201, subscribed.text
    receiver.secret = subscribed.json()["secret"]
    mis = FakeMis(client, school.auth("mis"))

    purposes = {}
    for day in (MONDAY_B, NEXT_MONDAY_B):
        purposes[day], _ = await release_to_observe(sessions, school, people, day=day)
    assert await deliver_due(sessions, http, POLICY) == 2
    await mis.sync(expect=2)
    assert {r["status"] for r in mis.requests.values()} == {"requested"}
    first, second = sorted(mis.requests.values(), key=lambda r: r["date"])

    key = str(uuid.uuid4())
    confirmed = await mis.confirm(first["id"], first["proposed_cover_staff_id"], key)
    retried = await mis.confirm(first["id"], first["proposed_cover_staff_id"], key)
    assert confirmed.status_code == retried.status_code == 200
    assert retried.content == confirmed.content
    declined = await mis.decline(second["id"], "No cover available that day", str(uuid.uuid4()))
    assert declined.status_code == 200
    async with sessions.begin() as session:
        await bookings.cancel(session, school.school_id, purpose_id=purposes[MONDAY_B])

    assert await deliver_due(sessions, http, POLICY) == 3
    await mis.sync(expect=3)
    assert mis.changes_seen == 5
    for request_id, known in mis.requests.items():
        now = await client.get(f"/v1/cover-requests/{request_id}", headers=mis.headers)
        assert now.json() == known  # the feed alone gave the MIS the true picture
    assert (mis.requests[first["id"]]["status"], mis.requests[first["id"]]["version"]) == (
        "cancelled",
        3,
    )
    assert mis.requests[second["id"]]["decline_reason"] == "No cover available that day"

    events = receiver.delivered_events()
    assert len(events) == 5
    assert all(r.verified for r in receiver.received)
    told = sorted(
        (e["data"]["id"], e["data"]["version"], e["type"], e["data"]["status"])
        for e in events.values()
    )
    assert told == sorted(
        [
            (first["id"], 1, "cover_request.created", "requested"),
            (first["id"], 2, "cover_request.changed", "confirmed"),
            (first["id"], 3, "cover_request.changed", "cancelled"),
            (second["id"], 1, "cover_request.created", "requested"),
            (second["id"], 2, "cover_request.changed", "declined"),
        ]
    )
