"""A real worker process killed in the middle of a delivery loses nothing.

The receiver holds the first request open; the worker (`lessonstudy worker`,
as deployed) is killed with SIGKILL while it waits; a new worker takes the
delivery over once the dead one's lease runs out, and delivers it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.webhooks import EventType, WebhookDelivery, emit
from lessonstudy.domain.webhooks.models import DeliveryStatus
from lessonstudy.domain.webhooks.subscriptions import create_subscription
from lessonstudy.settings import Settings
from tests.kit import SchoolKit
from tests.webhook_receiver import STALL, Receiver, running_receiver

COMMAND = Path(sys.executable).parent / "lessonstudy"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    assert settings.database_url is not None
    assert settings.redis_url is not None
    env = {
        **os.environ,
        "LESSONSTUDY_DATABASE_URL": settings.database_url,
        "LESSONSTUDY_REDIS_URL": settings.redis_url,
        "LESSONSTUDY_WORKER_QUEUE": settings.worker_queue,
        "LESSONSTUDY_WEBHOOK_TIMEOUT_SECONDS": "3",
        "LESSONSTUDY_WEBHOOK_LEASE_SECONDS": "4",
        "LESSONSTUDY_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [str(COMMAND), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


async def _delivery(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit
) -> WebhookDelivery:
    async with sessions() as session:
        found = await session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.school_id == school.school_id)
        )
    assert found is not None
    return found


async def test_a_worker_killed_mid_delivery_loses_nothing(
    settings: Settings,
    school: SchoolKit,
    receiver: Receiver,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        subscription = await create_subscription(
            session,
            school.school_id,
            url=receiver.url,
            events=[EventType.BOOKING_CREATED],
            description="MIS",
            active=True,
        )
        receiver.secret = subscription.secret
        event_id = await emit(
            session, school.school_id, EventType.BOOKING_CREATED, {"booking": "research lesson"}
        )
    receiver.script = [STALL]

    first = _start_worker(settings)
    second: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.to_thread(receiver.wait_for, 1)  # the worker is mid-delivery now
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        stuck = await _delivery(sessions, school)
        assert (stuck.status, stuck.attempts, stuck.delivered_at) == ("pending", 1, None)
        assert stuck.locked_until is not None  # the dead worker's lease

        second = _start_worker(settings)
        await asyncio.to_thread(receiver.wait_for, 2)
        deadline = time.monotonic() + 60
        while (done := await _delivery(sessions, school)).status != DeliveryStatus.DELIVERED:
            assert second.poll() is None, second.stderr.read() if second.stderr else b""
            assert time.monotonic() < deadline, "the restarted worker did not record the delivery"
            await asyncio.sleep(0.1)
        assert done.attempts == 2
        assert list(receiver.delivered_events()) == [str(event_id)]
        assert all(r.verified for r in receiver.received)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
