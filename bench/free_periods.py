"""Benchmark: a staff member's free periods for a month, ORM endpoint against raw asyncpg.

    python bench/free_periods.py [--requests 2000] [--concurrency 8] [--rounds 3]

DESIGN.md asks that hot reads serve at least 0.8x the requests per second of
the same query through raw asyncpg in the same app, measured side by side.
This imports a generated school (100 teachers, a two-week timetable) through
the API into a database of its own, then serves, from one app process:

- the real ``GET /v1/staff/{id}/free-periods`` (the request's SQLAlchemy
  session and the domain function, which runs ``FREE_PERIODS_SQL`` on the
  session's asyncpg connection), and
- ``GET /bench/raw/staff/{id}/free-periods``, registered on the same app for
  this run only: the same SQL and the same staff check (made only when the
  answer is empty), on a raw asyncpg pool, returning the same msgspec Structs.

Both sit behind the same bearer-token middleware, guard and parameter
parsing, so the difference is the data access alone. A load generator in a
separate process (httpx, N concurrent workers, keep-alive, loopback) asks for
calendar months of the term for random teachers; after a warm-up the two
routes take turns for a few rounds. Prints requests per second, p50 and p95
latency for each, and the ORM/raw ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from litestar import Litestar, Request, get

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lessonstudy.api.availability import (
    FreePeriodList,
    FreePeriodOut,
    From,
    StaffId,
    To,
    read_guard,
)
from lessonstudy.app import create_app
from lessonstudy.auth import principal_of
from lessonstudy.domain.availability import FREE_PERIODS_SQL, check_range
from lessonstudy.errors import NotFound
from lessonstudy.settings import Settings, to_plain_postgres_url
from timetable_school import (
    TERM_MONTHS,
    BenchSchool,
    Payload,
    SchoolShape,
    build_dataset,
    create_school,
    dataset_sizes,
    forget_token_use,
    issue_staff_token,
    scratch_database,
    serve_in_thread,
    staff_ids,
)

RAW_PREFIX = "/bench/raw"
# The domain's query already takes positional parameters ($1 school, $2 staff,
# $3 first date, $4 last date), so the raw route runs the very same text.
RAW_FREE_PERIODS_SQL = FREE_PERIODS_SQL
RAW_STAFF_SQL = "SELECT school_id FROM staff WHERE id = $1"


@get(
    RAW_PREFIX + "/staff/{staff_id:uuid}/free-periods",
    guards=read_guard,
    include_in_schema=False,
)
async def raw_free_periods(
    request: Request[Any, Any, Any], staff_id: StaffId, start: From, end: To
) -> FreePeriodList:
    """The real endpoint's work with asyncpg in place of the SQLAlchemy session."""
    principal = principal_of(request)
    # The same range rule as the real endpoint, so both refuse the same requests.
    check_range(start, end)
    pool: asyncpg.Pool = request.app.state.raw_pool
    async with pool.acquire() as connection:
        rows = await connection.fetch(
            RAW_FREE_PERIODS_SQL, principal.school_id, staff_id, start, end
        )
        # Like the real endpoint: only an empty answer may mean an unknown person (404).
        if not rows and await connection.fetchval(RAW_STAFF_SQL, staff_id) != principal.school_id:
            raise NotFound("no member of staff with that id")
    return FreePeriodList(
        staff_id=staff_id,
        items=[
            FreePeriodOut(day=r[0], period=r[1], starts_at=r[2], ends_at=r[3], protected=r[4])
            for r in rows
        ],
    )


def add_raw_route(app: Litestar, settings: Settings) -> None:
    """Register the raw route and give it a pool as large as the engine's pool with overflow."""

    async def open_pool(app: Litestar) -> None:
        app.state.raw_pool = await asyncpg.create_pool(
            to_plain_postgres_url(settings.async_database_url),
            min_size=settings.db_pool_size,
            max_size=2 * settings.db_pool_size,
        )

    async def close_pool(app: Litestar) -> None:
        await app.state.raw_pool.close()

    # The app's hooks are read when its lifespan starts, so these join the real ones.
    app.on_startup.append(open_pool)
    app.on_shutdown.append(close_pool)
    app.register(raw_free_periods)


@dataclass(frozen=True)
class LoadRun:
    latencies: list[float]
    seconds: float
    failures: int


def drive(base_url: str, token: str, paths: list[str], concurrency: int) -> LoadRun:
    """Send every request in ``paths`` with ``concurrency`` workers; runs in its own process."""
    return asyncio.run(_drive(base_url, token, paths, concurrency))


async def _drive(base_url: str, token: str, paths: list[str], concurrency: int) -> LoadRun:
    latencies: list[float] = []
    failures = 0
    queue = iter(paths)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        limits=limits,
        timeout=60,
    ) as client:

        async def worker() -> None:
            nonlocal failures
            for path in queue:
                sent = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 200:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadRun(latencies, seconds, failures)


def request_paths(teachers: list[uuid.UUID], count: int, rng: random.Random) -> list[str]:
    """Paths below either route's prefix: a calendar month of the term for a random teacher."""
    paths = []
    for _ in range(count):
        first, last = rng.choice(TERM_MONTHS)
        teacher = rng.choice(teachers)
        paths.append(f"/staff/{teacher}/free-periods?from={first}&to={last}")
    return paths


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def per_second(runs: list[LoadRun]) -> float:
    return sum(len(run.latencies) for run in runs) / sum(run.seconds for run in runs)


def describe(label: str, runs: list[LoadRun]) -> str:
    latencies = [x for run in runs for x in run.latencies]
    failures = sum(run.failures for run in runs)
    return (
        f"{label:<10} {per_second(runs):9.1f} {percentile(latencies, 0.5) * 1000:8.2f} "
        f"{percentile(latencies, 0.95) * 1000:8.2f} {failures:8d}"
    )


async def check_same_answers(
    base_url: str, token: str, teachers: list[uuid.UUID], count: int
) -> float:
    """Both routes must give identical bodies, or the comparison means nothing.

    Returns the mean number of free periods in a month-long answer.
    """
    rng = random.Random(12345)
    sizes = []
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for path in request_paths(teachers, count, rng):
            orm = await client.get("/v1" + path)
            raw = await client.get(RAW_PREFIX + path)
            if orm.status_code != 200 or raw.status_code != 200 or orm.json() != raw.json():
                raise RuntimeError(
                    f"the routes disagree on {path}: ORM {orm.status_code} {orm.text[:300]!r}, "
                    f"raw {raw.status_code} {raw.text[:300]!r}"
                )
            sizes.append(len(orm.json()["items"]))
    return statistics.mean(sizes)


async def run(args: argparse.Namespace) -> None:
    shape = SchoolShape(teachers=args.teachers, cover_supervisors=4, office_staff=2)
    payload = build_dataset(shape)
    print(f"school: {dataset_sizes(payload)}")
    async with scratch_database(args.database_url, "free_periods") as database_url:
        settings = Settings(
            database_url=database_url,
            redis_url=args.redis_url,
            db_pool_size=args.pool_size,
            log_level="WARNING",
        )
        school = await create_school(settings, "Bench Free Periods Academy")
        try:
            await measure(args, settings, school, payload)
        finally:
            await forget_token_use(args.redis_url, school.token_ids)
    print("scratch database dropped")


async def measure(
    args: argparse.Namespace, settings: Settings, school: BenchSchool, payload: Payload
) -> None:
    app = create_app(settings)
    add_raw_route(app, settings)
    async with serve_in_thread(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
            started = time.perf_counter()
            response = await client.post(
                "/v1/timetable/imports",
                json=payload,
                headers={"Authorization": f"Bearer {school.integration_token}"},
            )
            if response.status_code != 200:
                raise RuntimeError(f"the import failed: {response.status_code} {response.text}")
            print(f"imported through the API in {time.perf_counter() - started:.2f} s")

        people = await staff_ids(settings, school.school_id)
        teachers = [staff_id for external, staff_id in people.items() if external.startswith("T")]
        # A teacher looking up colleagues, as someone planning an observation does.
        token = await issue_staff_token(settings, school, people["T0001"])
        mean_items = await check_same_answers(base_url, token, teachers, args.check)
        print(
            f"checked {args.check} month-long answers: identical on both routes, "
            f"{mean_items:.1f} free periods each on average"
        )
        print(
            f"load: {args.requests} requests per run, {args.concurrency} concurrent, "
            f"{args.rounds} rounds, after {args.warmup} warm-up requests per route; "
            f"pool {settings.db_pool_size} (+{settings.db_pool_size} overflow) per route; "
            f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )

        rng = random.Random(args.seed)
        # One process for the load, so the client does not share the server's interpreter.
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            loop = asyncio.get_running_loop()

            async def load(prefix: str, paths: list[str]) -> LoadRun:
                full = [prefix + p for p in paths]
                return await loop.run_in_executor(
                    pool, drive, base_url, token, full, args.concurrency
                )

            warmup = request_paths(teachers, args.warmup, rng)
            await load("/v1", warmup)
            await load(RAW_PREFIX, warmup)

            orm_runs: list[LoadRun] = []
            raw_runs: list[LoadRun] = []
            print(f"\n{'run':<10} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'failures':>8}")
            for round_number in range(1, args.rounds + 1):
                paths = request_paths(teachers, args.requests, rng)
                # Alternate who goes first so neither benefits from drift in the machine.
                order = [("orm", "/v1"), ("raw", RAW_PREFIX)]
                if round_number % 2 == 0:
                    order.reverse()
                for label, prefix in order:
                    result = await load(prefix, paths)
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
        # Other work on the machine moves both routes' figures; alternating rounds evens it out.
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs at the end")


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
    parser.add_argument("--teachers", type=int, default=100)
    parser.add_argument("--pool-size", type=int, default=10, help="the app's db_pool_size")
    parser.add_argument("--check", type=int, default=50, help="answers compared across routes")
    parser.add_argument("--seed", type=int, default=7)
    # The app's logging set-up would otherwise log every client request at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
