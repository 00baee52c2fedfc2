"""Liveness and readiness probes for orchestrators and load balancers."""

from __future__ import annotations

import asyncio
from typing import Literal

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

CHECK_TIMEOUT_SECONDS = 2.0


class Health(msgspec.Struct, kw_only=True):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str]
    """Each dependency checked, with "ok" or what went wrong."""


@get(
    "/health/live",
    operation_id="getLiveness",
    summary="Is the process up",
    tags=["Health"],
    security=[{}],
    sync_to_thread=False,
)
def live() -> Health:
    return Health(status="ok", checks={})


async def _check_database(engine: AsyncEngine) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; say which
        return f"error: {type(exc).__name__}"
    return "ok"


async def _check_redis(redis: Redis) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await redis.ping()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


@get(
    "/health/ready",
    operation_id="getReadiness",
    summary="Can the service take traffic",
    tags=["Health"],
    security=[{}],
    responses={
        503: ResponseSpec(
            data_container=Health, description="PostgreSQL or Redis is not answering."
        )
    },
    description="200 when PostgreSQL and Redis answer; 503 (with the same body) when one does not.",
)
async def ready(state: State) -> Response[Health]:
    database, redis = await asyncio.gather(_check_database(state.engine), _check_redis(state.redis))
    checks = {"postgresql": database, "redis": redis}
    healthy = all(v == "ok" for v in checks.values())
    return Response(
        Health(status="ok" if healthy else "unavailable", checks=checks),
        status_code=200 if healthy else 503,
    )
