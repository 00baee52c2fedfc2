"""Delivering the outbox: claim due deliveries, POST them signed, retry with backoff.

At least once, never lost:

- A worker claims due deliveries with ``FOR UPDATE SKIP LOCKED`` (so workers
  never take the same row) and sets a lease (``locked_until``) and the
  attempt number in the same short transaction, then commits before it makes
  any HTTP request. No transaction is held open across the network.
- The outcome is written in a second transaction, fenced by the attempt
  number: a worker that was presumed dead and comes back late cannot
  overwrite the result of the attempt that replaced it.
- A worker killed mid-delivery leaves the lease behind; once it expires the
  delivery is due again and any worker takes it over. The attempt it was
  making counts, so a delivery that kills workers cannot loop for ever.
- Failures (no answer within the timeout, a network error, any non-2xx
  status) are retried after an exponential backoff with jitter, up to the
  configured number of attempts (about six hours by default); then the
  delivery is dead and only the redeliver endpoint sends it again.

Receivers may get an event more than once (a worker killed after the
receiver answered but before the outcome was written); each carries its
event id for them to drop duplicates. Order is not guaranteed; the cover
request change feed is the ordered record.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

import httpx
import msgspec
from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy import __version__
from lessonstudy.domain.webhooks.signing import (
    DELIVERY_ID_HEADER,
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    sign,
)

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 15.0
BACKOFF_CAP_SECONDS = 3600.0
_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    timeout_seconds: float
    lease_seconds: float
    max_attempts: int
    batch_size: int = 20


def backoff_seconds(attempt: int, *, rng: Callable[[], float] = random.random) -> float:
    """The wait after failed attempt ``attempt`` (1-based): doubling from 15 s, capped at an
    hour, with half of it random so receivers coming back up are not hit by every retry at
    once."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempt - 1))
    return ceiling / 2 + rng() * ceiling / 2


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: uuid.UUID
    attempt: int
    url: str
    secret: str
    event_id: uuid.UUID
    event_type: str
    school_id: uuid.UUID
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    status_code: int | None
    error: str | None


_CLAIM_SQL = text(
    """
    WITH due AS (
        SELECT d.id FROM webhook_delivery d
        JOIN webhook_subscription s ON s.id = d.subscription_id AND s.active
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          AND (d.locked_until IS NULL OR d.locked_until < now())
          AND d.attempts < :max_attempts
        ORDER BY d.next_attempt_at
        LIMIT :batch
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_delivery d
    SET attempts = d.attempts + 1,
        locked_until = now() + make_interval(secs => :lease),
        last_attempt_at = now()
    FROM due, webhook_subscription s, webhook_event e
    WHERE d.id = due.id AND s.id = d.subscription_id AND e.id = d.event_id
    RETURNING d.id, d.attempts, s.url, s.secret, e.id AS event_id, e.type, e.school_id,
              e.payload, e.created_at
    """
)


async def claim(session: AsyncSession, policy: DeliveryPolicy) -> list[Claimed]:
    """Take up to a batch of due deliveries under a lease. Commit before delivering them."""
    rows = await session.execute(
        _CLAIM_SQL,
        {
            "max_attempts": policy.max_attempts,
            "batch": policy.batch_size,
            "lease": policy.lease_seconds,
        },
    )
    return [
        Claimed(
            delivery_id=r.id,
            attempt=r.attempts,
            url=r.url,
            secret=r.secret,
            event_id=r.event_id,
            event_type=r.type,
            school_id=r.school_id,
            payload=r.payload,
            created_at=r.created_at,
        )
        for r in rows
    ]


def body_of(claimed: Claimed) -> bytes:
    """The JSON the receiver gets: the event's envelope around its payload."""
    return msgspec.json.encode(
        {
            "id": str(claimed.event_id),
            "type": claimed.event_type,
            "school_id": str(claimed.school_id),
            "created_at": claimed.created_at.isoformat(),
            "data": claimed.payload,
        }
    )


async def post(http: httpx.AsyncClient, claimed: Claimed, policy: DeliveryPolicy) -> Outcome:
    body = body_of(claimed)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"lessonstudy-webhooks/{__version__}",
        EVENT_HEADER: claimed.event_type,
        EVENT_ID_HEADER: str(claimed.event_id),
        DELIVERY_ID_HEADER: str(claimed.delivery_id),
        SIGNATURE_HEADER: sign(claimed.secret, int(time.time()), body),
    }
    try:
        response = await http.post(
            claimed.url, content=body, headers=headers, timeout=policy.timeout_seconds
        )
    except httpx.TimeoutException:
        return Outcome(False, None, f"no answer within {policy.timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:_ERROR_LENGTH])
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code, None)
    return Outcome(False, response.status_code, f"the receiver answered {response.status_code}")


_DELIVERED_SQL = text(
    """
    UPDATE webhook_delivery
    SET status = 'delivered', delivered_at = now(), locked_until = NULL,
        last_status_code = :status_code, last_error = NULL
    WHERE id = :id AND attempts = :attempt AND status = 'pending'
    """
)
_FAILED_SQL = text(
    """
    UPDATE webhook_delivery
    SET status = CASE WHEN attempts >= :max_attempts THEN 'dead' ELSE 'pending' END,
        next_attempt_at = now() + make_interval(secs => :delay),
        locked_until = NULL, last_status_code = :status_code, last_error = :error
    WHERE id = :id AND attempts = :attempt AND status = 'pending'
    """
)


async def record(
    session: AsyncSession, claimed: Claimed, outcome: Outcome, policy: DeliveryPolicy
) -> None:
    """Write an attempt's outcome, unless a later attempt has taken the delivery over."""
    if outcome.delivered:
        await session.execute(
            _DELIVERED_SQL,
            {
                "id": claimed.delivery_id,
                "attempt": claimed.attempt,
                "status_code": outcome.status_code,
            },
        )
        return
    await session.execute(
        _FAILED_SQL,
        {
            "id": claimed.delivery_id,
            "attempt": claimed.attempt,
            "max_attempts": policy.max_attempts,
            "delay": backoff_seconds(claimed.attempt),
            "status_code": outcome.status_code,
            "error": outcome.error,
        },
    )


async def attempt(
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    claimed: Claimed,
    policy: DeliveryPolicy,
) -> Outcome:
    """POST one claimed delivery and record how it went."""
    outcome = await post(http, claimed, policy)
    if not outcome.delivered:
        log.info(
            "webhook delivery %s attempt %d failed: %s",
            claimed.delivery_id,
            claimed.attempt,
            outcome.error,
        )
    async with sessions.begin() as session:
        await record(session, claimed, outcome, policy)
    return outcome


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, policy: DeliveryPolicy
) -> int:
    """Claim one batch of due deliveries and attempt them all; returns how many were claimed."""
    async with sessions.begin() as session:
        claimed = await claim(session, policy)
    await asyncio.gather(*(attempt(sessions, http, one, policy) for one in claimed))
    return len(claimed)


POLL_SECONDS = 1.0


async def deliver_continuously(
    sessions: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    policy: DeliveryPolicy,
    stop: asyncio.Event,
) -> None:
    """The worker's delivery loop: keep up to a batch of attempts in flight until ``stop``.

    A slow receiver holds only its own attempt (up to the timeout), never the
    others. On ``stop``, attempts in flight get the timeout to finish; any cut
    short keeps its lease and is retried by whichever worker comes next.
    """
    in_flight: set[asyncio.Task[Outcome]] = set()
    while not stop.is_set():
        room = policy.batch_size - len(in_flight)
        claimed: list[Claimed] = []
        if room > 0:
            try:
                async with sessions.begin() as session:
                    claimed = await claim(session, replace(policy, batch_size=room))
            except Exception:  # the database may be restarting: try again next round
                log.exception("could not claim webhook deliveries")
        for one in claimed:
            task = asyncio.create_task(attempt(sessions, http, one, policy))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if len(claimed) < room or room == 0:
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
    if in_flight:
        _, unfinished = await asyncio.wait(in_flight, timeout=policy.timeout_seconds)
        for task in unfinished:
            task.cancel()


_SWEEP_DEAD_SQL = text(
    """
    UPDATE webhook_delivery
    SET status = 'dead', locked_until = NULL,
        last_error = 'the worker stopped during the last attempt, and no attempts are left'
    WHERE status = 'pending' AND locked_until < now() AND attempts >= :max_attempts
    """
)
_SWEEP_RELEASE_SQL = text(
    """
    UPDATE webhook_delivery
    SET locked_until = NULL, next_attempt_at = now(),
        last_error = 'the worker stopped during this attempt; it will be retried'
    WHERE status = 'pending' AND locked_until < now() AND attempts < :max_attempts
    """
)
# Delivered or dead events a month old are history; the log keeps a month.
_FORGET_SQL = text(
    """
    DELETE FROM webhook_event e
    WHERE e.created_at < now() - interval '30 days'
      AND NOT EXISTS (SELECT 1 FROM webhook_delivery d
                      WHERE d.event_id = e.id AND d.status = 'pending')
    """
)


async def sweep_stuck_deliveries(session: AsyncSession, max_attempts: int) -> int:
    """Release the leases of workers that died mid-delivery, and forget old history.

    Claiming already takes over an expired lease; this makes the log say what
    happened and marks dead those deliveries whose last attempt died with its
    worker. Returns how many deliveries it changed.
    """
    changed = 0
    for statement in (_SWEEP_DEAD_SQL, _SWEEP_RELEASE_SQL):
        result = await session.execute(statement, {"max_attempts": max_attempts})
        changed += cast(CursorResult[Any], result).rowcount
    await session.execute(_FORGET_SQL)
    return changed
