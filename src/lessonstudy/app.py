"""The Litestar application, built from settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag
from redis.asyncio import Redis

from lessonstudy import __version__
from lessonstudy.api.allow_header import AllowHeaderMiddleware
from lessonstudy.api.deps import provide_principal, provide_session
from lessonstudy.api.health import live, ready
from lessonstudy.api.integration_clients import IntegrationClientController
from lessonstudy.api.me import get_me
from lessonstudy.api.problems import EXCEPTION_HANDLERS
from lessonstudy.api.school import SchoolController
from lessonstudy.api.staff import StaffController
from lessonstudy.api.tokens import TokenController
from lessonstudy.auth import authentication_middleware
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.settings import Settings

OPENAPI_PATH = "/schema"

TAGS = [
    Tag(name="Health", description="Probes for orchestrators; no token needed."),
    Tag(name="Me", description="The caller, as its token identifies it."),
    Tag(name="School", description="The caller's school (the tenant)."),
    Tag(name="Staff", description="Members of staff, their roles and working patterns."),
    Tag(name="Integration clients", description="Service accounts such as the MIS sync."),
    Tag(name="Tokens", description="Bearer tokens for staff and integration clients."),
]


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="lessonstudy",
        version=__version__,
        description=(
            "Lesson study and developmental peer observation for schools. Every route but "
            "health and the schema needs `Authorization: Bearer <token>`; errors are RFC 9457 "
            "`application/problem+json`."
        ),
        path=OPENAPI_PATH,
        tags=TAGS,
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API token of a member of staff or an integration client.",
                )
            }
        ),
        security=[{"BearerToken": []}],
        use_handler_docstrings=True,
    )


def _declare_closed_bodies(app: Litestar) -> None:
    """Say in the schema that request bodies refuse unknown fields, as they do.

    msgspec Structs with ``forbid_unknown_fields`` reject extras, but the
    generated schema leaves ``additionalProperties`` open; clients (and
    schemathesis) must be told. The schema is generated once and cached, so
    this runs once per app.
    """
    schemas = app.openapi_schema.components.schemas or {}
    closed = {
        struct.__name__
        for struct in _all_subclasses(msgspec.Struct)
        if struct.__module__.startswith("lessonstudy.")
        and struct.__struct_config__.forbid_unknown_fields
    }
    for name, schema in schemas.items():
        if name in closed:
            schema.additional_properties = False


def _all_subclasses(cls: type[msgspec.Struct]) -> set[type[msgspec.Struct]]:
    found: set[type[msgspec.Struct]] = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


def create_app(settings: Settings) -> Litestar:
    """Build the API. Nothing connects until the app starts."""

    @asynccontextmanager
    async def connections(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings)
        redis = Redis.from_url(settings.redis_url or "redis://127.0.0.1:6379/0")
        app.state.engine = engine
        app.state.sessions = create_session_factory(engine)
        app.state.redis = redis
        try:
            yield
        finally:
            await redis.aclose()
            await engine.dispose()

    logging.getLogger("lessonstudy").setLevel(settings.log_level.upper())
    app = Litestar(
        route_handlers=[
            live,
            ready,
            get_me,
            SchoolController,
            StaffController,
            IntegrationClientController,
            TokenController,
        ],
        dependencies={
            "session": Provide(provide_session),
            "principal": Provide(provide_principal),
        },
        middleware=[AllowHeaderMiddleware(), authentication_middleware()],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[connections],
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )
    _declare_closed_bodies(app)
    return app
