"""Token last-used times: noted in Redis per request, moved to PostgreSQL by a worker job."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from arq import create_pool
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy import token_usage
from lessonstudy.domain.tokens import ApiToken
from lessonstudy.settings import Settings
from lessonstudy.worker import create_worker, redis_settings
from tests.kit import Client, SchoolKit


async def _last_used(
    sessions: async_sessionmaker[AsyncSession], token_id: uuid.UUID
) -> datetime | None:
    async with sessions() as session:
        return await session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


async def test_request_notes_use_and_flush_records_it(
    client: Client,
    school: SchoolKit,
    redis: Redis,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    token_id = school.token_ids["teacher"]
    assert await _last_used(sessions, token_id) is None
    await client.get("/v1/me", headers=school.auth("teacher"))
    assert await redis.hexists(token_usage.PENDING_KEY, str(token_id))  # type: ignore[misc]
    assert await token_usage.flush(redis, sessions) == 1
    assert await _last_used(sessions, token_id) is not None
    assert not await redis.exists(token_usage.PENDING_KEY)
    assert await token_usage.flush(redis, sessions) == 0


async def test_times_only_move_forward(
    school: SchoolKit, redis: Redis, sessions: async_sessionmaker[AsyncSession]
) -> None:
    token_id = school.token_ids["admin"]
    later = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    await token_usage.note_use(redis, token_id, later)
    await token_usage.flush(redis, sessions)
    await token_usage.note_use(redis, token_id, later - timedelta(hours=1))
    await token_usage.flush(redis, sessions)
    assert await _last_used(sessions, token_id) == later


async def test_batch_left_by_a_crash_is_flushed_next_time(
    school: SchoolKit, redis: Redis, sessions: async_sessionmaker[AsyncSession]
) -> None:
    token_id = school.token_ids["cover"]
    when = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    await redis.hset(  # type: ignore[misc]
        token_usage.PENDING_KEY + ":flushing:dead", str(token_id), when.isoformat()
    )
    assert await token_usage.flush(redis, sessions) == 1
    assert await _last_used(sessions, token_id) == when


async def test_real_worker_runs_the_job(
    settings: Settings, school: SchoolKit, redis: Redis, sessions: async_sessionmaker[AsyncSession]
) -> None:
    token_id = school.token_ids["cpd_lead"]
    await token_usage.note_use(redis, token_id)
    pool = await create_pool(redis_settings(settings))
    try:
        job = await pool.enqueue_job("flush_token_usage", _queue_name=settings.worker_queue)
        assert job is not None
        worker = create_worker(settings, handle_signals=False)
        worker.burst = True
        worker.poll_delay_s = 0.05
        await asyncio.wait_for(worker.async_run(), timeout=30)
        await worker.close()
        assert await job.result(timeout=5) == 1
    finally:
        await pool.aclose()
    assert await _last_used(sessions, token_id) is not None
