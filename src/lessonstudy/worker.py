"""The arq worker: background and scheduled jobs.

Jobs receive ids, never objects, open their own database session, and are
safe to run twice. ``lessonstudy worker`` runs it on its own; ``lessonstudy
serve`` runs one inside the API process.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker, async_check_health

from lessonstudy import token_usage
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.domain.lesson_study import retention
from lessonstudy.settings import Settings

log = logging.getLogger(__name__)


async def flush_token_usage(ctx: dict[str, Any]) -> int:
    """Move the last-used times noted in Redis into the tokens."""
    updated = await token_usage.flush(ctx["redis"], ctx["sessions"])
    if updated:
        log.info("recorded last use of %d token(s)", updated)
    return updated


async def erase_expired_pupil_data(ctx: dict[str, Any]) -> int:
    """Erase the pupil data of study groups past their retention date (daily)."""
    erased = await retention.erase_due(ctx["sessions"], datetime.now(UTC))
    if erased:
        log.info("erased the pupil data of %d study group(s) past their retention date", erased)
    return erased


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["engine"] = create_engine(settings)
    ctx["sessions"] = create_session_factory(ctx["engine"])


async def _shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")


async def check_health(settings: Settings) -> int:
    """0 when a worker on our queue has polled recently, 1 otherwise (arq's health key)."""
    result: int = await async_check_health(
        redis_settings(settings), queue_name=settings.worker_queue
    )
    return result


def create_worker(settings: Settings, *, handle_signals: bool = True) -> Worker:
    return Worker(
        functions=[flush_token_usage, erase_expired_pupil_data],
        cron_jobs=[
            cron(flush_token_usage, second={0}, unique=True, timeout=50),
            # Daily, outside school hours; each school's dates are read in its own time zone.
            cron(erase_expired_pupil_data, hour={2}, minute={30}, unique=True, timeout=600),
        ],
        redis_settings=redis_settings(settings),
        queue_name=settings.worker_queue,
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx={"settings": settings},
        handle_signals=handle_signals,
        # Short jobs only so far; solve runs will get their own queue.
        job_timeout=300,
    )
