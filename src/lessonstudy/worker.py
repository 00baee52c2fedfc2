"""The arq worker: background and scheduled jobs, and webhook delivery.

Jobs receive ids, never objects, open their own database session, and are
safe to run twice. Beside the jobs, each worker runs the webhook delivery
loop (``domain/webhooks/delivery.py``) from start-up to shutdown; workers
share the outbox safely, so more workers deliver faster. ``lessonstudy
worker`` runs it on its own; ``lessonstudy serve`` runs one inside the API
process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker, async_check_health
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy import token_usage
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.domain import calendar_feeds, cover_requests, idempotency, reminders
from lessonstudy.domain.webhooks import delivery
from lessonstudy.settings import Settings

log = logging.getLogger(__name__)

Reminder = Callable[[AsyncSession, datetime], Awaitable[int]]
Sweep = Callable[[AsyncSession, Settings], Awaitable[int]]


async def flush_token_usage(ctx: dict[str, Any]) -> int:
    """Move the last-used times noted in Redis into the tokens."""
    updated = await token_usage.flush(ctx["redis"], ctx["sessions"])
    if updated:
        log.info("recorded last use of %d token(s)", updated)
    return updated


def webhook_policy(settings: Settings) -> delivery.DeliveryPolicy:
    return delivery.DeliveryPolicy(
        timeout_seconds=settings.webhook_timeout_seconds,
        lease_seconds=settings.webhook_lease_seconds,
        max_attempts=settings.webhook_max_attempts,
    )


async def _sweep_deliveries(session: AsyncSession, settings: Settings) -> int:
    return await delivery.sweep_stuck_deliveries(session, settings.webhook_max_attempts)


async def _forget_idempotency_keys(session: AsyncSession, settings: Settings) -> int:
    return await idempotency.forget_old_keys(session)


async def _forget_calendar_entries(session: AsyncSession, settings: Settings) -> int:
    return await calendar_feeds.forget_old_entries(session)


async def _record_unrecorded_cover(session: AsyncSession, settings: Settings) -> int:
    return await cover_requests.record_unrecorded(session)


# The sweeper's tasks: stuck work to release and old records to forget. Each runs in its own
# transaction every minute and must be safe to run at any time; features add theirs here
# (the scheduler's stuck runs, say).
SWEEPS: tuple[Sweep, ...] = (
    _sweep_deliveries,
    _forget_idempotency_keys,
    _forget_calendar_entries,
    _record_unrecorded_cover,
)

# Reminders the hourly job sends (see domain/reminders.py for what each must promise).
REMINDERS: tuple[Reminder, ...] = (reminders.day_before_reminders,)


async def sweep(ctx: dict[str, Any]) -> int:
    """Run every sweep; one failing is logged and does not stop the others."""
    changed = 0
    for task in SWEEPS:
        try:
            async with ctx["sessions"].begin() as session:
                changed += await task(session, ctx["settings"])
        except Exception:
            log.exception("sweep %s failed", task.__name__)
    return changed


async def send_reminders(ctx: dict[str, Any]) -> int:
    """Run every reminder for the current time; one failing does not stop the others."""
    now = datetime.now(UTC)
    sent = 0
    for reminder in REMINDERS:
        try:
            async with ctx["sessions"].begin() as session:
                sent += await reminder(session, now)
        except Exception:
            log.exception("reminder %s failed", reminder.__name__)
    if sent:
        log.info("sent %d reminder(s)", sent)
    return sent


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["engine"] = create_engine(settings)
    ctx["sessions"] = create_session_factory(ctx["engine"])
    # Webhooks go to the school's own systems: no redirects followed.
    ctx["http"] = httpx.AsyncClient(follow_redirects=False)
    # Webhook delivery is a loop beside the jobs, not a job every second: it keeps a batch of
    # attempts in flight and polls the outbox once a second when it is idle.
    ctx["webhooks_stop"] = asyncio.Event()
    ctx["webhooks"] = asyncio.create_task(
        delivery.deliver_continuously(
            ctx["sessions"], ctx["http"], webhook_policy(settings), ctx["webhooks_stop"]
        )
    )


async def _shutdown(ctx: dict[str, Any]) -> None:
    loop = ctx.get("webhooks")
    if loop is not None:
        ctx["webhooks_stop"].set()
        await loop
    http = ctx.get("http")
    if http is not None:
        await http.aclose()
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
        functions=[flush_token_usage, sweep, send_reminders],
        cron_jobs=[
            cron(flush_token_usage, second={0}, unique=True, timeout=50),
            cron(sweep, second={30}, unique=True, timeout=120),
            cron(send_reminders, minute={5}, second={15}, unique=True, timeout=600),
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
