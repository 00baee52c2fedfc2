"""The ``lessonstudy`` command: serve, worker, migrate, openapi, tokens, schools, demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TypeVar

import msgspec
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.embedded import EmbeddedServices
from lessonstudy.settings import Settings, SettingsError

log = logging.getLogger("lessonstudy")
T = TypeVar("T")

DEFAULT_OPENAPI_FILE = Path("openapi") / "openapi.json"


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into the same clean shutdown as Ctrl-C, so the embedded
    # servers are stopped by the `finally` that owns them.
    raise KeyboardInterrupt


@contextmanager
def _services(settings: Settings, *, need_redis: bool) -> Iterator[Settings]:
    """Settings with every missing service URL filled in by an embedded server."""
    services = EmbeddedServices(settings.data_dir)
    need_pg = settings.database_url is None
    need_redis = need_redis and settings.redis_url is None
    if need_pg or need_redis:
        print(f"Starting embedded services in {settings.data_dir} ...", flush=True)
    database_url, redis_url = services.start(need_postgres=need_pg, need_redis=need_redis)
    try:
        yield msgspec.structs.replace(
            settings,
            database_url=settings.database_url or database_url,
            redis_url=settings.redis_url or redis_url,
        )
    finally:
        services.stop()
        if need_pg or need_redis:
            print("Embedded services stopped.", flush=True)


def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(settings)
        try:
            async with create_session_factory(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _print_demo_banner(base_url: str, tokens: object) -> None:
    from lessonstudy.demo import DemoTokens

    assert isinstance(tokens, DemoTokens)
    print(
        "\nDemo school loaded: Northfield Academy.\n"
        f"  admin token (Priya Shah):       {tokens.admin}\n"
        f"  teacher token (Hannah Lewis):   {tokens.teacher}\n"
        f"  integration token (MIS sync):   {tokens.integration}\n"
        f"  Hannah's calendar feed:         {base_url}/v1/calendar/{tokens.calendar_feed}.ics\n"
        f"Try:  curl -H 'Authorization: Bearer {tokens.admin}' {base_url}/v1/staff\n"
        f"      curl -H 'Authorization: Bearer {tokens.integration}' "
        f"{base_url}/v1/cover-requests/changes\n",
        flush=True,
    )


async def _serve(settings: Settings, demo_tokens: object | None) -> None:
    from lessonstudy.app import create_app
    from lessonstudy.worker import close_workers, create_workers

    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    server = uvicorn.Server(config)
    # The general worker and the scheduling runs' solver, both in this process.
    workers = create_workers(settings) if settings.run_worker else []
    worker_tasks = [asyncio.create_task(worker.async_run()) for worker in workers]

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        base_url = f"http://{settings.host}:{port}"
        print(f"lessonstudy is serving on {base_url}  (OpenAPI: {base_url}/schema)", flush=True)
        if demo_tokens is not None:
            _print_demo_banner(base_url, demo_tokens)

    announcer = asyncio.create_task(announce())
    try:
        await server.serve()
    finally:
        announcer.cancel()
        await close_workers(workers, worker_tasks)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from lessonstudy.migrate import upgrade

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with _services(settings, need_redis=True) as ready:
            assert ready.database_url is not None
            if not args.no_migrate:
                upgrade(ready.database_url)
            tokens = None
            if args.demo:
                from lessonstudy.demo import load_demo

                tokens = _with_session(ready, load_demo)
            asyncio.run(_serve(ready, tokens))
    except KeyboardInterrupt:
        pass
    print("lessonstudy stopped.", flush=True)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from lessonstudy.worker import check_health, run_workers

    if settings.database_url is None or settings.redis_url is None:
        print(
            "the standalone worker needs LESSONSTUDY_DATABASE_URL and LESSONSTUDY_REDIS_URL "
            "(`lessonstudy serve` runs a worker with embedded services)",
            file=sys.stderr,
        )
        return 2
    if args.check:
        return asyncio.run(check_health(settings))
    asyncio.run(run_workers(settings))
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from lessonstudy.migrate import upgrade

    with _services(settings, need_redis=False) as ready:
        assert ready.database_url is not None
        upgrade(ready.database_url, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def openapi_document() -> str:
    """The OpenAPI document as committed: stable key order, trailing newline."""
    from litestar.serialization import encode_json

    from lessonstudy.app import create_app

    # The schema does not depend on where services live.
    app = create_app(
        Settings(database_url="postgresql://unused/unused", redis_url="redis://unused")
    )
    # Litestar's encoder knows the schema's own types; then a stable, diffable layout.
    schema = json.loads(encode_json(app.openapi_schema.to_schema()))
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def cmd_openapi(args: argparse.Namespace, settings: Settings) -> int:
    document = openapi_document()
    output = Path(args.output)
    if args.check:
        if not output.exists() or output.read_text() != document:
            print(f"{output} is out of date: run `lessonstudy openapi`", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document)
    print(f"wrote {output}")
    return 0


def cmd_tokens(args: argparse.Namespace, settings: Settings) -> int:
    from lessonstudy.domain import tokens
    from lessonstudy.domain.integration_clients import IntegrationClient
    from lessonstudy.domain.staff import Staff

    async def create(session: AsyncSession) -> str:
        holder: Staff | IntegrationClient | None = (
            await session.get(Staff, args.staff)
            if args.staff
            else await session.get(IntegrationClient, args.client)
        )
        if holder is None:
            raise SystemExit(
                f"no {'member of staff' if args.staff else 'integration client'} with that id"
            )
        issued = await tokens.issue_token(
            session,
            holder.school_id,
            label=args.label,
            staff_id=args.staff,
            integration_client_id=args.client,
        )
        return f"token {issued.token.id} ({args.label}):\n{issued.secret}"

    async def revoke(session: AsyncSession) -> str:
        token = await session.get(tokens.ApiToken, args.token_id)
        if token is None:
            raise SystemExit("no token with that id")
        await tokens.revoke_token(session, token.school_id, token.id)
        return f"token {token.id} revoked"

    with _services(settings, need_redis=False) as ready:
        print(_with_session(ready, create if args.tokens_command == "create" else revoke))
    return 0


def cmd_schools(args: argparse.Namespace, settings: Settings) -> int:
    from lessonstudy.domain import schools, staff, tokens
    from lessonstudy.domain.staff import Role, StaffFields

    async def create(session: AsyncSession) -> str:
        school = await schools.create_school(session, name=args.name, time_zone=args.time_zone)
        admin = await staff.create_staff(
            session,
            school.id,
            StaffFields(name=args.admin_name, email=args.admin_email, roles=[Role.ADMIN]),
        )
        issued = await tokens.issue_token(
            session, school.id, label="first admin", staff_id=admin.id
        )
        return (
            f"school {school.id} ({school.name}, {school.time_zone})\n"
            f"admin {admin.id} ({admin.name}); their token:\n{issued.secret}"
        )

    with _services(settings, need_redis=False) as ready:
        print(_with_session(ready, create))
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from lessonstudy.demo import load_demo
    from lessonstudy.migrate import upgrade

    with _services(settings, need_redis=False) as ready:
        assert ready.database_url is not None
        upgrade(ready.database_url)
        tokens = _with_session(ready, load_demo)
    print(f"demo school {tokens.school_id} loaded")
    print(
        f"admin token: {tokens.admin}\n"
        f"teacher token: {tokens.teacher}\n"
        f"integration token: {tokens.integration}\n"
        f"calendar feed of the demo teacher: /v1/calendar/{tokens.calendar_feed}.ics"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lessonstudy",
        description="Lesson study and peer observation for schools. Configured by LESSONSTUDY_* "
        "environment variables (see the README); with no database or Redis URL, embedded "
        "servers are started in the data folder.",
    )
    parser.add_argument("--data-dir", type=Path, help="folder for embedded services' data")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API (and a worker) until Ctrl-C")
    serve.add_argument("--demo", action="store_true", help="load the demo school and print tokens")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000; 0 picks one)")
    serve.add_argument("--no-worker", action="store_true", help="do not run a worker in-process")
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply migrations at start (a separate `migrate` job does, as in production)",
    )
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="run the arq workers (jobs, and scheduling runs)")
    worker.add_argument(
        "--check",
        action="store_true",
        help="exit 0 if a worker is polling, 1 if not (health check)",
    )
    worker.set_defaults(handler=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(handler=cmd_migrate)

    openapi = sub.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", default=str(DEFAULT_OPENAPI_FILE))
    openapi.add_argument("--check", action="store_true", help="fail if the file is out of date")
    openapi.set_defaults(handler=cmd_openapi)

    tokens = sub.add_parser("tokens", help="create or revoke API tokens")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True)
    create = tokens_sub.add_parser("create", help="issue a token and print its secret once")
    holder = create.add_mutually_exclusive_group(required=True)
    holder.add_argument("--staff", type=uuid.UUID, help="id of a member of staff")
    holder.add_argument("--client", type=uuid.UUID, help="id of an integration client")
    create.add_argument("--label", default="cli", help="what the token is for")
    revoke = tokens_sub.add_parser("revoke", help="revoke a token")
    revoke.add_argument("token_id", type=uuid.UUID)
    tokens.set_defaults(handler=cmd_tokens)

    schools = sub.add_parser("schools", help="create a school with its first admin")
    schools_sub = schools.add_subparsers(dest="schools_command", required=True)
    school_create = schools_sub.add_parser("create")
    school_create.add_argument("--name", required=True)
    school_create.add_argument("--time-zone", default="Europe/London")
    school_create.add_argument("--admin-name", required=True)
    school_create.add_argument("--admin-email", required=True)
    schools.set_defaults(handler=cmd_schools)

    sub.add_parser("demo", help="load the demo school and print tokens").set_defaults(
        handler=cmd_demo
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            data_dir=args.data_dir,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            run_worker=False if getattr(args, "no_worker", False) else None,
        )
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    return handler(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
