"""The Litestar application, built from settings."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
import msgspec.inspect
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, OpenAPIType, Schema, SecurityScheme, Tag
from redis.asyncio import Redis

from lessonstudy import __version__
from lessonstudy.api.allow_header import AllowHeaderMiddleware
from lessonstudy.api.availability import AvailabilityController
from lessonstudy.api.calendar_feeds import CalendarFeedController, get_calendar_feed
from lessonstudy.api.cover_requests import CoverRequestController
from lessonstudy.api.deps import provide_principal, provide_session
from lessonstudy.api.health import live, ready
from lessonstudy.api.integration_clients import IntegrationClientController
from lessonstudy.api.lesson_study import CONTROLLERS as LESSON_STUDY_CONTROLLERS
from lessonstudy.api.me import get_me
from lessonstudy.api.notifications import NotificationController
from lessonstudy.api.peer_observation.notes import ObservationNotesController
from lessonstudy.api.peer_observation.observations import ObservationController
from lessonstudy.api.peer_observation.policy import (
    FocusTagController,
    ObservationCountsController,
    ObservationPolicyController,
)
from lessonstudy.api.peer_observation.shares import ObservationShareController
from lessonstudy.api.problems import EXCEPTION_HANDLERS
from lessonstudy.api.scheduling import SchedulingController
from lessonstudy.api.school import SchoolController
from lessonstudy.api.staff import StaffController
from lessonstudy.api.timetable import TimetableExportController, TimetableImportController
from lessonstudy.api.tokens import TokenController
from lessonstudy.api.webhooks import WebhookSubscriptionController
from lessonstudy.auth import PUBLIC_PATHS, authentication_middleware
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
    Tag(name="Timetable", description="Import and export of the school's timetable data."),
    Tag(name="Availability", description="Who is free when, and who could be released."),
    Tag(
        name="Cover requests",
        description="Cover the timetable integration arranges, its change feed and decisions.",
    ),
    Tag(name="Webhooks", description="Signed event deliveries to the school's other systems."),
    Tag(name="Calendar feeds", description="Secret iCalendar URLs with a person's duties."),
    Tag(name="Notifications", description="The caller's in-app notifications."),
    Tag(
        name="Scheduling",
        description="Slot suggestions, scheduling runs and accepting their proposals.",
    ),
    Tag(
        name="Peer observation",
        description="Developmental observations asked for by the observed teacher: ungraded, "
        "with notes private to the two people unless the observed teacher shares them.",
    ),
    Tag(
        name="Peer observation policy",
        description="Caps, notice, the judgement guard, focus tags, and participation counts "
        "(never notes) for CPD leads and admins.",
    ),
    Tag(
        name="Study groups",
        description="Triads with a research focus, a focus class and case pupils.",
    ),
    Tag(
        name="Research lessons",
        description="Cycles of plan, teach, observe and debrief, and the lesson's booking.",
    ),
    Tag(name="Write-ups", description="A group's findings, published to the school."),
    Tag(
        name="Lesson study oversight",
        description="Fidelity, the audit log and policy, for CPD leads: never content.",
    ),
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


def _refine_schema(app: Litestar) -> None:
    """Make the generated schema say exactly what msgspec and the middleware enforce.

    Litestar 2 leaves three gaps: request bodies that refuse unknown fields keep
    ``additionalProperties`` open, constraints on the items of a list of
    constrained strings (``list[PeriodCode]``) are dropped, and routes without
    a token inherit the global bearer scheme. Clients (and schemathesis) must
    see all three. The schema is generated once and cached, so this runs once
    per app.
    """
    for path, item in (app.openapi_schema.paths or {}).items():
        if any(re.match(pattern, path) for pattern in PUBLIC_PATHS):
            # Routes the bearer middleware skips: say so, rather than inherit the global scheme.
            for operation in (item.get, item.head, item.post, item.put, item.delete):
                if operation is not None:
                    operation.security = []
    schemas = app.openapi_schema.components.schemas or {}
    structs = {
        struct.__name__: struct
        for struct in _all_subclasses(msgspec.Struct)
        if struct.__module__.startswith("lessonstudy.")
    }
    for name, schema in schemas.items():
        struct = structs.get(name)
        if struct is None:
            continue
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            prop = (schema.properties or {}).get(field.encode_name)
            if isinstance(prop, Schema):
                _copy_item_constraints(field.type, prop)


_JSON_TYPES = {
    msgspec.inspect.IntType: OpenAPIType.INTEGER,
    msgspec.inspect.StrType: OpenAPIType.STRING,
    msgspec.inspect.ListType: OpenAPIType.ARRAY,
}


def _copy_item_constraints(field_type: msgspec.inspect.Type, prop: Schema) -> None:
    """Fill in, from msgspec's view of a field, the constraints Litestar left out."""
    if isinstance(field_type, msgspec.inspect.UnionType):
        members = [s for s in (prop.one_of or []) if isinstance(s, Schema)]
        for member_type in field_type.types:
            wanted = _JSON_TYPES.get(type(member_type))
            for member in members:
                if wanted is not None and member.type == wanted:
                    _copy_item_constraints(member_type, member)
        return
    if isinstance(field_type, msgspec.inspect.IntType):
        _fill(prop, minimum=field_type.ge, maximum=field_type.le)
    elif isinstance(field_type, msgspec.inspect.StrType):
        _fill(
            prop,
            min_length=field_type.min_length,
            max_length=field_type.max_length,
            pattern=field_type.pattern,
        )
    elif isinstance(field_type, msgspec.inspect.ListType):
        _fill(prop, min_items=field_type.min_length, max_items=field_type.max_length)
        if isinstance(prop.items, Schema):
            _copy_item_constraints(field_type.item_type, prop.items)


def _fill(schema: Schema, **constraints: object) -> None:
    for name, value in constraints.items():
        if value is not None and getattr(schema, name) is None:
            setattr(schema, name, value)


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
        app.state.settings = settings
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
            AvailabilityController,
            CoverRequestController,
            WebhookSubscriptionController,
            CalendarFeedController,
            get_calendar_feed,
            NotificationController,
            SchedulingController,
            TimetableExportController,
            ObservationController,
            ObservationNotesController,
            ObservationShareController,
            ObservationPolicyController,
            FocusTagController,
            ObservationCountsController,
            *LESSON_STUDY_CONTROLLERS,
            # Imports carry a whole school's data: a larger body limit than the rest.
            Router(
                path="/v1/timetable",
                route_handlers=[TimetableImportController],
                request_max_body_size=settings.max_import_bytes,
            ),
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
    _refine_schema(app)
    return app
