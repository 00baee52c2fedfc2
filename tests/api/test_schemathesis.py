"""Property-based tests of the whole API from its OpenAPI document.

Schemathesis generates valid and invalid requests for every operation and
checks the responses against the document: no 5xx, every status documented,
every body matching its schema, auth enforced. It runs against a real server
(uvicorn on loopback) backed by real PostgreSQL and Redis, holding the demo
school, with the demo admin's token so every route is reachable.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from lessonstudy.app import create_app
from lessonstudy.cli import openapi_document
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.demo import DemoTokens, load_demo
from lessonstudy.settings import Settings
from tests.conftest import Services, _create_database, _drop_database

# Every operation here is an OpenAPI one.
Case = schemathesis.Case[Any]

# 422 is how the API refuses a well-formed request that breaks a rule the schema
# cannot express (an unknown time zone, a token for two holders at once), so a
# schema-valid request may rightly get it; every other check keeps its default.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
            }
        }
    }
)
schema = schemathesis.openapi.from_dict(json.loads(openapi_document()), config=CONFIG)


@dataclass(frozen=True)
class LiveApi:
    base_url: str
    tokens: DemoTokens


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(app_settings: Settings) -> DemoTokens:
    engine = create_engine(app_settings)
    try:
        async with create_session_factory(engine).begin() as session:
            return await load_demo(session)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def live_api(services: Services, template_database: str) -> Iterator[LiveApi]:
    name = f"lstest_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_database(services, name, template=template_database))
    app_settings = Settings(
        database_url=services.database(name), redis_url=services.redis_url, db_pool_size=4
    )
    tokens = asyncio.run(_seed(app_settings))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(app_settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the API server did not start for the schemathesis run", pytrace=False)
        time.sleep(0.05)
    try:
        yield LiveApi(base_url=f"http://127.0.0.1:{port}", tokens=tokens)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        asyncio.run(_drop_database(services, name))


@schema.auth()
class DemoAdminToken:
    """The demo admin's bearer token, applied the way the schema declares it.

    Going through schemathesis's auth hook (rather than adding a header to
    every call) lets it still send requests without credentials on purpose
    and expect 401 for them.
    """

    token = ""

    def get(self, case: Case, context: object) -> str:
        return DemoAdminToken.token

    def set(self, case: Case, data: str, context: object) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: Case, live_api: LiveApi) -> None:
    DemoAdminToken.token = live_api.tokens.admin
    case.call_and_validate(base_url=live_api.base_url)
