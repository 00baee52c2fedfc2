"""When each token was last used, without a database write on every request.

Requests note the time in a Redis hash (one cheap HSET); a worker cron job
moves the times into PostgreSQL once a minute. ``last_used_at`` is therefore
up to a minute behind, which is plenty for spotting unused tokens.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.tokens import record_last_used

PENDING_KEY = "lessonstudy:token-last-used"
_FLUSHING_PREFIX = PENDING_KEY + ":flushing:"


async def note_use(redis: Redis, token_id: uuid.UUID, when: datetime | None = None) -> None:
    stamp = (when or datetime.now(UTC)).isoformat()
    await redis.hset(PENDING_KEY, str(token_id), stamp)  # type: ignore[misc]


async def flush(redis: Redis, sessions: async_sessionmaker[AsyncSession]) -> int:
    """Write noted times to the tokens; returns how many tokens were updated.

    The pending hash is renamed first so requests keep noting into a fresh
    one. A batch left behind by a crash is picked up by the next flush, and
    writing one twice is harmless because times only move forward.
    """
    batch = _FLUSHING_PREFIX + uuid.uuid4().hex
    try:
        await redis.rename(PENDING_KEY, batch)
    except ResponseError as exc:
        # Nothing noted since the last flush; leftovers may still need writing.
        if "no such key" not in str(exc).lower():
            raise
    updated = 0
    async for key in redis.scan_iter(match=_FLUSHING_PREFIX + "*"):
        raw: dict[bytes, bytes] = await redis.hgetall(key)  # type: ignore[misc]
        used = {uuid.UUID(k.decode()): datetime.fromisoformat(v.decode()) for k, v in raw.items()}
        async with sessions.begin() as session:
            updated += await record_last_used(session, used)
        await redis.delete(key)
    return updated
