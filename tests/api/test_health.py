"""Liveness and readiness probes."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from lessonstudy.app import create_app
from lessonstudy.settings import Settings
from tests.kit import Client


async def test_live(client: Client) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_checks_postgres_and_redis(client: Client) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"postgresql": "ok", "redis": "ok"}}


async def test_not_ready_when_redis_is_unreachable(settings: Settings) -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    broken = Settings(database_url=settings.database_url, redis_url="redis://127.0.0.1:1/0")
    async with AsyncTestClient(app=create_app(broken)) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["postgresql"] == "ok"
    assert body["checks"]["redis"].startswith("error")
