"""Benchmark: reading a research-lesson cycle, ORM endpoint against raw asyncpg.

    python bench/cycle_read.py [--requests 2000] [--concurrency 8] [--rounds 3]

DESIGN.md asks that hot reads serve at least 0.8x the requests per second of
the same query through raw asyncpg in the same app, measured side by side.
This loads the demo school (``load_demo``: its timetable, and a maths triad
with a closed cycle, full of observation notes, interviews and a discussion,
and a second cycle planned and booked) into a database of its own, then
serves, from one app process:

- the real ``GET /v1/cycles/{id}`` (the request's SQLAlchemy session and
  ``reading.read_cycle``), and
- ``GET /bench/raw/cycles/{id}``, registered on the same app for this run
  only, on a raw asyncpg pool: the access check's three reads (the cycle, its
  group with the school's time zone, the knowledgeable other's name and
  whether a write-up is published, the members) written by hand in place of
  the ORM's, then the same content statements the real route runs on its
  session's connection (``reading.assemble``), building the same views and
  encoding the same ``CycleOut`` Struct.

Before the cycle read moved its content statements onto the session's
connection, the real route ran all of them through the ORM too; the raw
route's work was then the same, and it served 0.54x (see the README).

Both sit behind the same bearer-token middleware and guard, so the
difference is the data access alone. A load generator in a separate process
asks for either cycle at random as a member of the group; after a warm-up
the two routes take turns for a few rounds. Prints requests per second, p50
and p95 latency for each, and the ORM/raw ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import logging
import multiprocessing
import os
import random
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import httpx
from litestar import Litestar, Request, get
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from free_periods import LoadRun, describe, drive, per_second
from lessonstudy.api.lesson_study.cycle_schemas import CycleOut, cycle_out
from lessonstudy.api.lesson_study.cycles import CycleId
from lessonstudy.app import create_app
from lessonstudy.auth import principal_of, staff_only
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.demo import DEMO_SCHOOL_ID, load_demo
from lessonstudy.demo_lesson_study import FOCUS, TEACHER
from lessonstudy.domain import tokens
from lessonstudy.domain.lesson_study import reading
from lessonstudy.domain.lesson_study.access import Person, Viewer
from lessonstudy.domain.lesson_study.reading import CycleView
from lessonstudy.domain.lesson_study.tables import ResearchCycle, StudyGroup
from lessonstudy.domain.staff import Staff
from lessonstudy.errors import NotFound
from lessonstudy.settings import Settings, to_plain_postgres_url
from timetable_school import forget_token_use, scratch_database, serve_in_thread

RAW_PREFIX = "/bench/raw"

# The statements the ORM path issues, one per table, in positional form.
# The access check's statements (the ORM's, written by hand); the content's are reading's own.
CYCLE_SQL = """
    SELECT c.*, g.id AS g_id, g.school_id AS g_school_id, g.ko_staff_id AS g_ko_staff_id,
           g.ko_name AS g_ko_name, g.pupil_data_erased_at AS g_pupil_data_erased_at,
           s.time_zone, k.name AS ko_staff_name,
           EXISTS (SELECT 1 FROM study_write_up w
                   WHERE w.group_id = g.id AND w.published_at IS NOT NULL) AS published
    FROM research_cycle c
    JOIN study_group g ON g.id = c.group_id
    JOIN school s ON s.id = g.school_id
    LEFT JOIN staff k ON k.id = g.ko_staff_id
    WHERE c.id = $1 AND c.school_id = $2
"""
MEMBERS_SQL = """
    SELECT st.id, st.name FROM study_group_member m JOIN staff st ON st.id = m.staff_id
    WHERE m.group_id = $1 ORDER BY m.position
"""


def _row(record: asyncpg.Record) -> Any:
    """A record as an object with the ORM's attribute names (they are the column names)."""
    return SimpleNamespace(**dict(record))


async def raw_cycle_view(
    connection: asyncpg.Connection, request: Request[Any, Any, Any], cycle_id: uuid.UUID
) -> CycleView:
    principal = principal_of(request)
    school_id = principal.school_id
    found = await connection.fetchrow(CYCLE_SQL, cycle_id, school_id)
    if found is None:
        raise NotFound("no study group or cycle with that id that you can read")
    cycle = _row(found)
    # What the view and the content read of the group.
    group: Any = SimpleNamespace(**{k[2:]: v for k, v in found.items() if k.startswith("g_")})
    members = await connection.fetch(MEMBERS_SQL, cycle.group_id)
    viewer = Viewer(
        principal=principal,
        group=group,
        time_zone=found["time_zone"],
        members=tuple(Person(m[0], m[1]) for m in members),
        knowledgeable_other_name=found["ko_staff_name"] or group.ko_name,
        published=found["published"],
    )
    viewer.require_content()
    # The content: the very statements the real route runs on its session's connection.
    return await reading.assemble(connection, viewer, cycle)


@get(RAW_PREFIX + "/cycles/{cycle_id:uuid}", guards=[staff_only], include_in_schema=False)
async def raw_cycle(request: Request[Any, Any, Any], cycle_id: CycleId) -> CycleOut:
    """The real endpoint's work with asyncpg in place of the SQLAlchemy session."""
    pool: asyncpg.Pool = request.app.state.raw_pool
    # One transaction, as the request's session gives the ORM route.
    async with pool.acquire() as connection, connection.transaction(readonly=True):
        found = await raw_cycle_view(cast(asyncpg.Connection, connection), request, cycle_id)
    return cycle_out(found)


async def _json_codec(connection: asyncpg.Connection) -> None:
    # SQLAlchemy's asyncpg dialect decodes JSONB the same way.
    await connection.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


def add_raw_route(app: Litestar, settings: Settings) -> None:
    """Register the raw route and give it a pool as large as the engine's pool with overflow."""

    async def open_pool(app: Litestar) -> None:
        app.state.raw_pool = await asyncpg.create_pool(
            to_plain_postgres_url(settings.async_database_url),
            min_size=settings.db_pool_size,
            max_size=2 * settings.db_pool_size,
            init=_json_codec,
        )

    async def close_pool(app: Litestar) -> None:
        await app.state.raw_pool.close()

    app.on_startup.append(open_pool)
    app.on_shutdown.append(close_pool)
    app.register(raw_cycle)


async def load_school(settings: Settings) -> tuple[list[uuid.UUID], str, list[uuid.UUID]]:
    """The demo school; returns its study group's cycles and a member's token."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine).begin() as session:
            demo = await load_demo(session)
            cycle_ids = list(
                (
                    await session.scalars(
                        select(ResearchCycle.id)
                        .join(StudyGroup, StudyGroup.id == ResearchCycle.group_id)
                        .where(
                            StudyGroup.school_id == DEMO_SCHOOL_ID,
                            StudyGroup.research_focus == FOCUS,
                        )
                        .order_by(ResearchCycle.number)
                    )
                ).all()
            )
            teacher = await session.scalar(
                select(Staff.id).where(
                    Staff.school_id == DEMO_SCHOOL_ID, Staff.external_id == TEACHER
                )
            )
            assert teacher is not None
            issued = await tokens.issue_token(
                session, demo.school_id, label="benchmark", staff_id=teacher
            )
            return cycle_ids, issued.secret, [issued.token.id]
    finally:
        await engine.dispose()


async def check_same_answers(base_url: str, token: str, cycle_ids: list[uuid.UUID]) -> list[int]:
    """Both routes must give identical bodies, or the comparison means nothing.

    Returns each answer's size in bytes.
    """
    sizes = []
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for cycle_id in cycle_ids:
            path = f"/cycles/{cycle_id}"
            orm = await client.get("/v1" + path)
            raw = await client.get(RAW_PREFIX + path)
            if orm.status_code != 200 or raw.status_code != 200 or orm.content != raw.content:
                raise RuntimeError(
                    f"the routes disagree on {path}: ORM {orm.status_code} {orm.text[:2000]!r}, "
                    f"raw {raw.status_code} {raw.text[:2000]!r}"
                )
            sizes.append(len(orm.content))
    return sizes


async def run(args: argparse.Namespace) -> None:
    async with scratch_database(args.database_url, "cycle_read") as database_url:
        settings = Settings(
            database_url=database_url,
            redis_url=args.redis_url,
            db_pool_size=args.pool_size,
            log_level="WARNING",
        )
        cycle_ids, token, token_ids = await load_school(settings)
        try:
            await measure(args, settings, cycle_ids, token)
        finally:
            await forget_token_use(args.redis_url, token_ids)
    print("scratch database dropped")


async def measure(
    args: argparse.Namespace, settings: Settings, cycle_ids: list[uuid.UUID], token: str
) -> None:
    app = create_app_with_raw_route(settings)
    async with serve_in_thread(app) as base_url:
        sizes = await check_same_answers(base_url, token, cycle_ids)
        print(
            f"demo study group: {len(cycle_ids)} cycles; answers identical on both routes "
            f"({', '.join(f'{s} bytes' for s in sizes)})"
        )
        print(
            f"load: {args.requests} requests per run, {args.concurrency} concurrent, "
            f"{args.rounds} rounds, after {args.warmup} warm-up requests per route; "
            f"pool {settings.db_pool_size} (+{settings.db_pool_size} overflow) per route; "
            f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        rng = random.Random(args.seed)
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            loop = asyncio.get_running_loop()

            async def load(prefix: str, paths: list[str]) -> LoadRun:
                full = [prefix + p for p in paths]
                return await loop.run_in_executor(
                    pool, drive, base_url, token, full, args.concurrency
                )

            def paths(count: int) -> list[str]:
                return [f"/cycles/{rng.choice(cycle_ids)}" for _ in range(count)]

            warmup = paths(args.warmup)
            await load("/v1", warmup)
            await load(RAW_PREFIX, warmup)
            orm_runs: list[LoadRun] = []
            raw_runs: list[LoadRun] = []
            print(f"\n{'run':<10} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'failures':>8}")
            for round_number in range(1, args.rounds + 1):
                batch = paths(args.requests)
                # Alternate who goes first so neither benefits from drift in the machine.
                order = [("orm", "/v1"), ("raw", RAW_PREFIX)]
                if round_number % 2 == 0:
                    order.reverse()
                for label, prefix in order:
                    result = await load(prefix, batch)
                    (orm_runs if label == "orm" else raw_runs).append(result)
                    print(describe(f"{round_number}:{label}", [result]))
        print(describe("all:orm", orm_runs))
        print(describe("all:raw", raw_runs))
        rounds = ", ".join(
            f"{per_second([o]) / per_second([r]):.3f}"
            for o, r in zip(orm_runs, raw_runs, strict=True)
        )
        print(
            f"\nORM/raw requests per second: {per_second(orm_runs) / per_second(raw_runs):.3f} "
            f"overall; per round {rounds} (the design's bar is 0.8)"
        )
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs at the end")


def create_app_with_raw_route(settings: Settings) -> Litestar:
    app = create_app(settings)
    add_raw_route(app, settings)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where this user may create and drop a database",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--requests", type=int, default=2000, help="requests per run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=300, help="warm-up requests per route")
    parser.add_argument("--pool-size", type=int, default=10, help="the app's db_pool_size")
    parser.add_argument("--seed", type=int, default=7)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
