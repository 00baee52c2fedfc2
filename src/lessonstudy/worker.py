"""The arq workers: background and scheduled jobs, webhook delivery, and scheduling runs
on their own queue.

Jobs receive ids, never objects, open their own database session, and are
safe to run twice. ``lessonstudy worker`` runs both workers; ``lessonstudy
serve`` runs them inside the API process.

Beside its jobs, the general worker runs the webhook delivery loop
(``domain/webhooks/delivery.py``) from start-up to shutdown; workers share the
outbox safely, so more workers deliver faster.

Scheduling runs have a queue and a worker of their own that takes one job at
a time: a solve uses both cores for up to the solver's time limit, and short
jobs must not wait behind it. The job's timeout sits above that limit, with
room to build the problem and write the answer.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from arq import cron, func
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, async_check_health
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy import token_usage
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.domain import calendar_feeds, cover_requests, idempotency, reminders
from lessonstudy.domain.lesson_study import plan_reminder, retention
from lessonstudy.domain.peer_observation import clock as observation_clock
from lessonstudy.domain.peer_observation.reflection import send_follow_up_reminders
from lessonstudy.domain.scheduling.runs import queued_runs, take_back_stuck_runs
from lessonstudy.domain.scheduling.solving import solve_run
from lessonstudy.domain.webhooks import delivery
from lessonstudy.scheduler import SolverOptions
from lessonstudy.settings import Settings

SOLVE_JOB = "solve_scheduling_run"
# Building the problem before the solve and writing the proposals after it.
SOLVE_MARGIN_SECONDS = 60
# A queued run is enqueued right after its transaction commits; the sweeper
# enqueues any still queued after this long (the API died, or Redis was away).
QUEUED_GRACE = timedelta(seconds=20)

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
REMINDERS: tuple[Reminder, ...] = (
    reminders.day_before_reminders,
    plan_reminder.send_plan_to_knowledgeable_others,
)


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


async def observation_follow_ups(ctx: dict[str, Any]) -> int:
    """Remind teachers whose observation follow-up date has come (school-local).

    Hourly, so each school's morning arrives whatever its time zone; each
    follow-up date is reminded once (a marker on the reflection, and the
    notification's dedupe key if two workers race).
    """
    async with ctx["sessions"].begin() as session:
        sent = await send_follow_up_reminders(session, observation_clock.now())
    if sent:
        log.info("sent %d observation follow-up reminder(s)", sent)
    return sent


async def erase_expired_pupil_data(ctx: dict[str, Any]) -> int:
    """Erase the pupil data of study groups past their retention date (daily)."""
    erased = await retention.erase_due(ctx["sessions"], datetime.now(UTC))
    if erased:
        log.info("erased the pupil data of %d study group(s) past their retention date", erased)
    return erased


def solve_job_timeout(settings: Settings) -> float:
    return settings.solver_time_limit_seconds + SOLVE_MARGIN_SECONDS


def solve_job_id(run_id: uuid.UUID, attempt: int) -> str:
    """One job per attempt: arq refuses a second job with the id of one it still holds."""
    return f"scheduling-run:{run_id}:{attempt}"


async def enqueue_solve(
    redis: ArqRedis, settings: Settings, run_id: uuid.UUID, attempt: int
) -> bool:
    """Ask the solver worker for a run; False if it is already waiting or Redis is away."""
    try:
        job = await redis.enqueue_job(
            SOLVE_JOB,
            str(run_id),
            _job_id=solve_job_id(run_id, attempt),
            _queue_name=settings.solver_queue,
        )
    except (RedisError, OSError):
        log.warning("could not enqueue scheduling run %s; the sweeper will", run_id, exc_info=True)
        return False
    return job is not None


async def solve_scheduling_run(ctx: dict[str, Any], run_id: str) -> str:
    """Solve one queued run; a duplicate delivery finds it claimed and does nothing."""
    settings: Settings = ctx["settings"]
    options = SolverOptions(time_limit_seconds=settings.solver_time_limit_seconds)
    outcome = await solve_run(ctx["sessions"], uuid.UUID(run_id), options)
    log.info(
        "scheduling run %s: %s (%d scheduled, %d not)",
        run_id,
        outcome.status,
        outcome.scheduled,
        outcome.unscheduled,
    )
    return outcome.status


async def sweep_scheduling_runs(ctx: dict[str, Any]) -> dict[str, int]:
    """Take back runs whose worker died, and enqueue every run still waiting for a job."""
    settings: Settings = ctx["settings"]
    stuck_after = timedelta(seconds=solve_job_timeout(settings) + 30)
    async with ctx["sessions"].begin() as session:
        swept = await take_back_stuck_runs(session, stuck_after)
    async with ctx["sessions"]() as session:
        waiting = await queued_runs(session, QUEUED_GRACE)
    enqueued = 0
    for run_id, attempt in waiting:
        enqueued += await enqueue_solve(ctx["redis"], settings, run_id, attempt)
    if swept.requeued or swept.failed or enqueued:
        log.info(
            "scheduling runs: %d taken back from a dead worker, %d failed, %d enqueued",
            len(swept.requeued),
            len(swept.failed),
            enqueued,
        )
    return {"requeued": len(swept.requeued), "failed": len(swept.failed), "enqueued": enqueued}


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["engine"] = create_engine(settings)
    ctx["sessions"] = create_session_factory(ctx["engine"])


async def _shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.get("engine")
    if engine is not None:
        await engine.dispose()


async def _start_general(ctx: dict[str, Any]) -> None:
    await _startup(ctx)
    # Webhooks go to the school's own systems: no redirects followed.
    ctx["http"] = httpx.AsyncClient(follow_redirects=False)
    # Webhook delivery is a loop beside the jobs, not a job every second: it keeps a batch of
    # attempts in flight and polls the outbox once a second when it is idle.
    ctx["webhooks_stop"] = asyncio.Event()
    ctx["webhooks"] = asyncio.create_task(
        delivery.deliver_continuously(
            ctx["sessions"], ctx["http"], webhook_policy(ctx["settings"]), ctx["webhooks_stop"]
        )
    )


async def _stop_general(ctx: dict[str, Any]) -> None:
    loop = ctx.get("webhooks")
    if loop is not None:
        ctx["webhooks_stop"].set()
        await loop
    http = ctx.get("http")
    if http is not None:
        await http.aclose()
    await _shutdown(ctx)


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")


async def check_health(settings: Settings) -> int:
    """0 when workers on both queues have polled recently, 1 otherwise (arq's health keys)."""
    for queue in (settings.worker_queue, settings.solver_queue):
        result: int = await async_check_health(redis_settings(settings), queue_name=queue)
        if result:
            return result
    return 0


def create_worker(settings: Settings, *, handle_signals: bool = True) -> Worker:
    return Worker(
        functions=[
            flush_token_usage,
            sweep,
            send_reminders,
            observation_follow_ups,
            erase_expired_pupil_data,
            sweep_scheduling_runs,
        ],
        cron_jobs=[
            cron(flush_token_usage, second={0}, unique=True, timeout=50),
            cron(sweep, second={30}, unique=True, timeout=120),
            cron(send_reminders, minute={5}, second={15}, unique=True, timeout=600),
            cron(observation_follow_ups, minute={5}, second={30}, unique=True, timeout=300),
            # Daily, outside school hours; each school's dates are read in its own time zone.
            cron(erase_expired_pupil_data, hour={2}, minute={30}, unique=True, timeout=600),
            # On this worker, not the solver's: it must run while a solve is under way.
            cron(sweep_scheduling_runs, second={15, 45}, unique=True, timeout=25),
        ],
        redis_settings=redis_settings(settings),
        queue_name=settings.worker_queue,
        on_startup=_start_general,
        on_shutdown=_stop_general,
        ctx={"settings": settings},
        handle_signals=handle_signals,
        job_timeout=300,
    )


def create_solver_worker(settings: Settings, *, handle_signals: bool = True) -> Worker:
    """Scheduling runs, one at a time: the solve is in a thread, so polling and the
    health check carry on while it runs."""
    return Worker(
        functions=[func(solve_scheduling_run, name=SOLVE_JOB)],
        redis_settings=redis_settings(settings),
        queue_name=settings.solver_queue,
        on_startup=_startup,
        on_shutdown=_shutdown,
        ctx={"settings": settings},
        handle_signals=handle_signals,
        max_jobs=1,
        job_timeout=solve_job_timeout(settings),
    )


def create_workers(settings: Settings) -> list[Worker]:
    """Both workers, to run in one event loop; the caller stops them (see `run_workers`)."""
    return [
        create_worker(settings, handle_signals=False),
        create_solver_worker(settings, handle_signals=False),
    ]


async def close_workers(workers: list[Worker], tasks: list[asyncio.Task[None]]) -> None:
    for worker in workers:
        await worker.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def run_workers(settings: Settings) -> None:
    """`lessonstudy worker`: both workers until SIGINT or SIGTERM."""
    workers = create_workers(settings)
    tasks = [asyncio.create_task(worker.async_run()) for worker in workers]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    await close_workers(workers, tasks)
