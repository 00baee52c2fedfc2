"""Webhook subscriptions, signed delivery with retries, the delivery log and redelivery.

Deliveries here are made in the test's own process by the worker's delivery
function, to a real HTTP receiver on loopback that verifies signatures; the
killed-worker test runs the real worker command.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import integration_clients, tokens
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.webhooks import EventType, emit
from lessonstudy.domain.webhooks.delivery import DeliveryPolicy, backoff_seconds, deliver_due
from lessonstudy.domain.webhooks.signing import sign, verify
from tests.kit import Client, SchoolKit
from tests.webhook_receiver import Receiver, running_receiver

POLICY = DeliveryPolicy(timeout_seconds=5, lease_seconds=10, max_attempts=3)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def _subscribe(
    client: Client, kit: SchoolKit, receiver: Receiver, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/v1/webhooks/subscriptions",
        json={"url": receiver.url, "events": events or ["cycle.stage_changed"]},
        headers=kit.auth("admin"),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    receiver.secret = created["secret"]
    return created


async def _emit(
    sessions: async_sessionmaker[AsyncSession], school_id: uuid.UUID, **payload: Any
) -> uuid.UUID:
    async with sessions.begin() as session:
        return await emit(session, school_id, EventType.CYCLE_STAGE_CHANGED, payload)


async def _log(client: Client, kit: SchoolKit, subscription_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/webhooks/subscriptions/{subscription_id}/deliveries", headers=kit.auth("admin")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_subscriptions_are_managed_by_admins(
    client: Client, school: SchoolKit, receiver: Receiver
) -> None:
    created = await _subscribe(client, school, receiver, ["cover_request.created"])
    assert created["secret"].startswith("whsec_")
    subscription = created["subscription"]
    assert subscription["events"] == ["cover_request.created"]
    assert created["secret"].startswith(subscription["secret_hint"])
    path = f"/v1/webhooks/subscriptions/{subscription['id']}"
    listed = await client.get("/v1/webhooks/subscriptions", headers=school.auth("admin"))
    assert [s["id"] for s in listed.json()["items"]] == [subscription["id"]]
    assert "secret" not in listed.json()["items"][0]
    changed = await client.patch(
        path,
        json={"events": ["cover_request.created", "booking.cancelled"], "status": "paused"},
        headers=school.auth("admin"),
    )
    assert changed.json()["events"] == ["cover_request.created", "booking.cancelled"]
    assert changed.json()["status"] == "paused"
    rotated = await client.post(f"{path}/secret", headers=school.auth("admin"))
    assert rotated.json()["secret"] != created["secret"]
    assert (await client.delete(path, headers=school.auth("admin"))).status_code == 204
    assert (await client.get(path, headers=school.auth("admin"))).status_code == 404


async def test_who_may_manage_subscriptions(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await _subscribe(client, school, receiver)
    path = f"/v1/webhooks/subscriptions/{created['subscription']['id']}"
    for who in ("teacher", "cpd_lead", "mis"):  # mis holds cover and timetable scopes only
        assert (await client.get(path, headers=school.auth(who))).status_code == 403
    assert (await client.get(path, headers=other_school.auth("admin"))).status_code == 404
    async with sessions.begin() as session:
        hooks = await integration_clients.create_client(
            session, school.school_id, name="hooks", scopes=[Scope.WEBHOOKS_MANAGE]
        )
        issued = await tokens.issue_token(
            session, school.school_id, label="test", integration_client_id=hooks.id
        )
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert (await client.get(path, headers=headers)).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["ftp://mis.example/hooks", "https://user:pw@mis.example/hooks", "http:///nohost", "mis"],
)
async def test_subscription_urls_must_be_plain_http(
    client: Client, school: SchoolKit, url: str
) -> None:
    response = await client.post(
        "/v1/webhooks/subscriptions",
        json={"url": url, "events": ["booking.created"]},
        headers=school.auth("admin"),
    )
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"] == "url"


async def test_a_delivery_is_signed_and_logged(
    client: Client,
    school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> None:
    created = await _subscribe(client, school, receiver)
    event_id = await _emit(sessions, school.school_id, cycle_id=str(uuid.uuid4()), to="teach")
    assert await deliver_due(sessions, http, POLICY) == 1
    [got] = receiver.received
    assert got.verified
    assert got.event["id"] == str(event_id)
    assert got.event["type"] == "cycle.stage_changed"
    assert got.event["data"]["to"] == "teach"
    assert got.headers["x-lessonstudy-event"] == "cycle.stage_changed"
    [logged] = await _log(client, school, created["subscription"]["id"])
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert logged["event_id"] == str(event_id)
    assert await deliver_due(sessions, http, POLICY) == 0  # nothing left to send


async def test_events_go_only_to_subscribers_of_that_event_and_school(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> None:
    await _subscribe(client, school, receiver, ["booking.created"])
    await _emit(sessions, school.school_id, note="not subscribed")
    await _emit(sessions, other_school.school_id, note="another school")
    assert await deliver_due(sessions, http, POLICY) == 0
    assert receiver.received == []


async def test_an_event_rolled_back_with_its_change_is_never_sent(
    client: Client,
    school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> None:
    await _subscribe(client, school, receiver)
    async with sessions() as session:
        await emit(session, school.school_id, EventType.CYCLE_STAGE_CHANGED, {"to": "teach"})
        await session.rollback()
    assert await deliver_due(sessions, http, POLICY) == 0


async def _make_due(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Skip the backoff wait: the retry is due now."""
    async with sessions.begin() as session:
        await session.execute(text("UPDATE webhook_delivery SET next_attempt_at = now()"))


async def test_failures_are_retried_with_backoff_then_dead(
    client: Client,
    school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> None:
    created = await _subscribe(client, school, receiver)
    subscription_id = created["subscription"]["id"]
    receiver.script = [500, 503, 500]
    await _emit(sessions, school.school_id, to="observe")
    assert await deliver_due(sessions, http, POLICY) == 1
    [pending] = await _log(client, school, subscription_id)
    assert (pending["status"], pending["attempts"], pending["last_status_code"]) == (
        "pending",
        1,
        500,
    )
    assert pending["next_attempt_at"] > pending["last_attempt_at"]  # waits before the retry
    assert await deliver_due(sessions, http, POLICY) == 0  # not due yet
    await _make_due(sessions)
    assert await deliver_due(sessions, http, POLICY) == 1
    await _make_due(sessions)
    assert await deliver_due(sessions, http, POLICY) == 1
    [dead] = await _log(client, school, subscription_id)
    assert (dead["status"], dead["attempts"], dead["next_attempt_at"]) == ("dead", 3, None)
    assert dead["last_error"] == "the receiver answered 500"  # the last attempt's answer
    await _make_due(sessions)
    assert await deliver_due(sessions, http, POLICY) == 0  # dead stays dead

    again = await client.post(
        f"/v1/webhooks/subscriptions/{subscription_id}/deliveries/{dead['id']}/redeliver",
        headers=school.auth("admin"),
    )
    assert again.status_code == 201, again.text
    assert (again.json()["status"], again.json()["redelivery_of"]) == ("pending", dead["id"])
    assert await deliver_due(sessions, http, POLICY) == 1
    ids = {r.event_id for r in receiver.received}
    assert len(ids) == 1  # every attempt and the redelivery carry the same event id
    assert len(receiver.delivered_events()) == 1
    log = await _log(client, school, subscription_id)
    assert [d["status"] for d in log] == ["delivered", "dead"]
    only_dead = await client.get(
        f"/v1/webhooks/subscriptions/{subscription_id}/deliveries",
        params={"status": "dead"},
        headers=school.auth("admin"),
    )
    assert [d["id"] for d in only_dead.json()["items"]] == [dead["id"]]


async def test_a_paused_subscription_keeps_its_deliveries_until_resumed(
    client: Client,
    school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
) -> None:
    created = await _subscribe(client, school, receiver)
    path = f"/v1/webhooks/subscriptions/{created['subscription']['id']}"
    await _emit(sessions, school.school_id, to="debrief")
    await client.patch(path, json={"status": "paused"}, headers=school.auth("admin"))
    assert await deliver_due(sessions, http, POLICY) == 0
    await client.patch(path, json={"status": "active"}, headers=school.auth("admin"))
    assert await deliver_due(sessions, http, POLICY) == 1


async def test_the_log_pages_and_redeliver_checks_the_subscription(
    client: Client,
    school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await _subscribe(client, school, receiver)
    second = await _subscribe(client, school, receiver)
    for n in range(3):
        await _emit(sessions, school.school_id, n=n)
    path = f"/v1/webhooks/subscriptions/{first['subscription']['id']}/deliveries"
    page = await client.get(path, params={"limit": 2}, headers=school.auth("admin"))
    rest = await client.get(
        path,
        params={"limit": 2, "cursor": page.json()["next_cursor"]},
        headers=school.auth("admin"),
    )
    ids = [d["id"] for d in page.json()["items"] + rest.json()["items"]]
    assert len(set(ids)) == 3
    assert rest.json()["next_cursor"] is None
    wrong = await client.post(
        f"/v1/webhooks/subscriptions/{second['subscription']['id']}/deliveries/{ids[0]}/redeliver",
        headers=school.auth("admin"),
    )
    assert wrong.status_code == 404


def test_signatures_verify_only_the_exact_body_and_a_recent_time() -> None:
    body = b'{"id":"1"}'
    header = sign("whsec_test", 1_800_000_000, body)
    assert header.startswith("t=1800000000,v1=")
    assert verify("whsec_test", header, body, now=1_800_000_100)
    assert not verify("whsec_test", header, body + b" ", now=1_800_000_100)
    assert not verify("whsec_other", header, body, now=1_800_000_100)
    assert not verify("whsec_test", header, body, now=1_800_000_000 + 301)  # a replay, later
    assert not verify("whsec_test", "v1=abc", body, now=1_800_000_000)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert [backoff_seconds(n, rng=lambda: 1.0) for n in (1, 2, 3, 4)] == [15, 30, 60, 120]
    assert [backoff_seconds(n, rng=lambda: 0.0) for n in (1, 2)] == [7.5, 15]
    assert backoff_seconds(30, rng=lambda: 1.0) == 3600
    total = sum(backoff_seconds(n, rng=lambda: 0.5) for n in range(1, 15))
    assert 4 * 3600 < total < 8 * 3600  # fifteen attempts span hours
