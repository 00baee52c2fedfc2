"""Real PostgreSQL and Redis for every test that needs them.

Set ``LESSONSTUDY_TEST_DATABASE_URL`` (a server where the user may create
databases) and ``LESSONSTUDY_TEST_REDIS_URL`` to use running servers, as CI
does; otherwise embedded ones are started for the session. Each test gets its
own database, copied from a migrated template, and an emptied Redis database.
A service that cannot be reached fails the run; nothing is skipped.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.app import create_app
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.embedded import EmbeddedServices
from lessonstudy.migrate import upgrade
from lessonstudy.settings import Settings, to_plain_postgres_url
from tests.kit import Client, SchoolKit, make_school

DATABASE_ENV = "LESSONSTUDY_TEST_DATABASE_URL"
REDIS_ENV = "LESSONSTUDY_TEST_REDIS_URL"


@dataclass(frozen=True)
class Services:
    server_url: str  # a PostgreSQL URL on the server the tests may create databases on
    redis_url: str

    def database(self, name: str) -> str:
        url = make_url(to_plain_postgres_url(self.server_url)).set(database=name)
        return url.render_as_string(hide_password=False)


async def _admin(services: Services) -> asyncpg.Connection:
    return await asyncpg.connect(services.database("postgres"))


def _check_reachable(services: Services) -> None:
    async def check() -> None:
        try:
            conn = await _admin(services)
            await conn.close()
        except Exception as exc:
            pytest.fail(
                f"PostgreSQL at {services.server_url} is not reachable: {exc}", pytrace=False
            )
        redis = Redis.from_url(services.redis_url)
        try:
            await redis.ping()
        except Exception as exc:
            pytest.fail(f"Redis at {services.redis_url} is not reachable: {exc}", pytrace=False)
        finally:
            await redis.aclose()

    asyncio.run(check())


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    database_url = os.environ.get(DATABASE_ENV)
    redis_url = os.environ.get(REDIS_ENV)
    embedded = None
    if not database_url or not redis_url:
        # Under /tmp, never in root's home: the embedded PostgreSQL changes permissions of parents.
        embedded = EmbeddedServices(Path(tempfile.mkdtemp(prefix="lessonstudy-test-", dir="/tmp")))
        started_db, started_redis = embedded.start(
            need_postgres=not database_url, need_redis=not redis_url
        )
        database_url = database_url or started_db
        redis_url = redis_url or started_redis
    assert database_url
    assert redis_url
    found = Services(server_url=database_url, redis_url=redis_url)
    try:
        _check_reachable(found)
        yield found
    finally:
        if embedded is not None:
            embedded.stop()


async def _create_database(services: Services, name: str, template: str | None = None) -> None:
    conn = await _admin(services)
    try:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()


async def _drop_database(services: Services, name: str) -> None:
    conn = await _admin(services)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_database(services: Services) -> Iterator[str]:
    """A database migrated to head once per run; each test copies it."""
    name = f"lstest_template_{uuid.uuid4().hex[:10]}"
    asyncio.run(_create_database(services, name))
    try:
        upgrade(services.database(name))
        yield name
    finally:
        asyncio.run(_drop_database(services, name))


@pytest.fixture
async def empty_database(services: Services) -> AsyncIterator[str]:
    """A database with no tables, for migration tests."""
    name = f"lstest_{uuid.uuid4().hex[:12]}"
    await _create_database(services, name)
    try:
        yield services.database(name)
    finally:
        await _drop_database(services, name)


@pytest.fixture
async def database_url(services: Services, template_database: str) -> AsyncIterator[str]:
    name = f"lstest_{uuid.uuid4().hex[:12]}"
    await _create_database(services, name, template=template_database)
    try:
        yield services.database(name)
    finally:
        await _drop_database(services, name)


@pytest.fixture
async def settings(services: Services, database_url: str) -> Settings:
    redis = Redis.from_url(services.redis_url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()
    return Settings(
        database_url=database_url,
        redis_url=services.redis_url,
        worker_queue=f"lessonstudy:test:{uuid.uuid4().hex[:8]}",
        solver_queue=f"lessonstudy:test:solver:{uuid.uuid4().hex[:8]}",
        # The tests' problems are tiny and prove optimal in milliseconds.
        solver_time_limit_seconds=5.0,
        db_pool_size=4,
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url or "")
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
async def school(sessions: async_sessionmaker[AsyncSession]) -> SchoolKit:
    return await make_school(sessions, "Riverside High")


@pytest.fixture
async def other_school(sessions: async_sessionmaker[AsyncSession]) -> SchoolKit:
    return await make_school(sessions, "Hillcrest School")
