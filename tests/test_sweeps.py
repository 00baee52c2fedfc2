"""The worker's sweeper: stuck deliveries released or buried, old records forgotten, forgotten
cover requests recorded."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.cover_changes import CoverRequestChange
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.idempotency import IdempotencyKey, request_hash, run_once
from lessonstudy.domain.webhooks import EventType, WebhookDelivery, emit
from lessonstudy.domain.webhooks.delivery import claim
from lessonstudy.domain.webhooks.subscriptions import create_subscription
from lessonstudy.settings import Settings
from lessonstudy.worker import sweep, webhook_policy
from tests.cover_kit import MONDAY_B
from tests.kit import SchoolKit

_LEASE_RAN_OUT = text("UPDATE webhook_delivery SET locked_until = now() - interval '1 second'")


def _ctx(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    return {"settings": settings, "sessions": sessions}


async def _queue_one(sessions: async_sessionmaker[AsyncSession], school: SchoolKit) -> None:
    async with sessions.begin() as session:
        await create_subscription(
            session,
            school.school_id,
            url="http://127.0.0.1:9/unused",
            events=[EventType.BOOKING_CREATED],
            description=None,
            active=True,
        )
        await emit(session, school.school_id, EventType.BOOKING_CREATED, {"n": 1})


async def _delivery(sessions: async_sessionmaker[AsyncSession]) -> WebhookDelivery:
    async with sessions() as session:
        found: WebhookDelivery | None = await session.scalar(select(WebhookDelivery))
    assert found is not None
    return found


async def test_a_dead_workers_lease_is_released_and_the_log_says_why(
    settings: Settings, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _queue_one(sessions, school)
    policy = webhook_policy(settings)
    async with sessions.begin() as session:
        [claimed] = await claim(session, policy)  # and then the worker dies
    async with sessions.begin() as session:
        assert await claim(session, policy) == []  # leased: nobody else takes it
        await session.execute(_LEASE_RAN_OUT)
    assert await sweep(_ctx(settings, sessions)) >= 1
    released = await _delivery(sessions)
    assert (released.status, released.attempts, released.locked_until) == ("pending", 1, None)
    assert "worker stopped" in str(released.last_error)
    async with sessions.begin() as session:
        [again] = await claim(session, policy)
    assert again.attempt == claimed.attempt + 1


async def test_a_delivery_whose_last_attempt_died_is_dead(
    settings: Settings, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _queue_one(sessions, school)
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE webhook_delivery SET attempts = :n"),
            {"n": settings.webhook_max_attempts},
        )
        await session.execute(_LEASE_RAN_OUT)
    await sweep(_ctx(settings, sessions))
    assert (await _delivery(sessions)).status == "dead"


async def test_old_idempotency_keys_are_forgotten(
    settings: Settings, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def answer() -> tuple[int, bytes]:
        return 200, msgspec.json.encode({"ok": True})

    for key in ("old", "new"):
        async with sessions.begin() as session:
            await run_once(
                session,
                school_id=school.school_id,
                caller_id=school.client_ids["mis"],
                key=key,
                fingerprint=request_hash("POST", "/x", b"{}"),
                operation=answer,
            )
    async with sessions.begin() as session:
        await session.execute(
            text(
                "UPDATE idempotency_key SET created_at = now() - interval '25 hours' "
                "WHERE key = 'old'"
            )
        )
    await sweep(_ctx(settings, sessions))
    async with sessions() as session:
        kept = (await session.scalars(select(IdempotencyKey.key))).all()
    assert kept == ["new"]


async def test_a_cover_request_nobody_recorded_is_recorded_late(
    settings: Settings, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        request = CoverRequest(
            school_id=school.school_id,
            day=MONDAY_B,
            period_code="P1",
            class_code="7X/Ma",
            released_staff_id=school.staff_ids["teacher"],
            purpose="test",
            purpose_id=uuid.uuid4(),
        )
        session.add(request)
    await sweep(_ctx(settings, sessions))  # too fresh: its writer may still record it
    async with sessions.begin() as session:
        count = select(func.count()).select_from(CoverRequestChange)
        assert await session.scalar(count) == 0
        await session.execute(
            text("UPDATE cover_request SET created_at = now() - interval '2 minutes'")
        )
    await sweep(_ctx(settings, sessions))
    async with sessions() as session:
        assert await session.scalar(count) == 1
        recorded = await session.get(CoverRequest, request.id)
    assert recorded is not None
    assert recorded.version == 1
