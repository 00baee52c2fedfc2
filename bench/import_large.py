"""Benchmark: importing a large trust's timetable (2,000 staff, 40,000 lessons) through the API.

    python bench/import_large.py [--staff 2000] [--lessons 40000] [--changed 0.05]

The bar from the issue: a large trust "in seconds". This generates the trust's
dataset (a one-week timetable of six periods a day, about 80% taught, with
doubles, co-teaching, PPA, ECT time, part-timers, duties, meetings, cover
supervisors and absences), serves the real app with uvicorn on loopback
against a database of its own, and times three ``POST /v1/timetable/imports``
of the JSON body, each measured from the first byte sent to the last byte of
the report:

1. into an empty school (everything is created);
2. the identical body again (must change nothing: the counts show it);
3. the body with a share of the lessons changed (room moves and teacher swaps).

Before that it times, in this process, the CPU-only steps the server does
first (decode and schema checks, cross-field validation, the version digest),
so the HTTP figures can be read against them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lessonstudy.app import create_app
from lessonstudy.integrations import content
from lessonstudy.integrations.dataset import Dataset
from lessonstudy.integrations.validate import validate
from lessonstudy.settings import Settings, to_plain_postgres_url
from timetable_school import (
    BenchSchool,
    SchoolShape,
    build_dataset,
    change_lessons,
    create_school,
    dataset_sizes,
    forget_token_use,
    scratch_database,
    serve_in_thread,
)

ROWS_SQL = """
    SELECT (SELECT count(*) FROM staff WHERE school_id = $1 AND active) AS active_staff,
           (SELECT count(*) FROM timetable_version WHERE school_id = $1) AS versions,
           (SELECT count(*) FROM lesson l JOIN timetable_version v ON v.id = l.version_id
             WHERE v.school_id = $1) AS lessons,
           (SELECT count(*) FROM teaching t JOIN timetable_version v ON v.id = t.version_id
             WHERE v.school_id = $1) AS teaching,
           (SELECT count(*) FROM school_day WHERE school_id = $1) AS school_days,
           (SELECT count(*) FROM absence WHERE school_id = $1) AS absences
"""


def trust_shape(staff: int, lessons: int, seed: int) -> SchoolShape:
    # 94% teachers, 4% cover supervisors, 2% office staff, as across a trust's schools.
    supervisors = max(1, staff * 4 // 100)
    office = max(1, staff * 2 // 100)
    return SchoolShape(
        teachers=staff - supervisors - office,
        cover_supervisors=supervisors,
        office_staff=office,
        timetable_weeks=1,
        periods_per_day=6,
        lessons=lessons,
        seed=seed,
    )


def time_cpu_steps(body: bytes) -> None:
    started = time.perf_counter()
    dataset = msgspec.json.decode(body, type=Dataset)
    decoded = time.perf_counter()
    findings = validate(dataset, emails_taken_outside={})
    validated = time.perf_counter()
    content.from_dataset(dataset).digest()
    digested = time.perf_counter()
    print(
        f"CPU steps in this process: decode + schema {decoded - started:.3f} s, "
        f"validate {validated - decoded:.3f} s ({len(findings.errors)} errors, "
        f"{len(findings.warnings)} warnings), version digest {digested - validated:.3f} s"
    )


async def post_import(
    client: httpx.AsyncClient, token: str, body: bytes
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await client.post(
        "/v1/timetable/imports",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"the import failed: {response.status_code} {response.text[:2000]}")
    report: dict[str, Any] = response.json()
    return seconds, report


async def stored_rows(database_url: str, school_id: uuid.UUID) -> str:
    connection = await asyncpg.connect(to_plain_postgres_url(database_url))
    try:
        row = await connection.fetchrow(ROWS_SQL, school_id)
    finally:
        await connection.close()
    return ", ".join(f"{name} {value}" for name, value in row.items())


def print_counts(labels: list[str], reports: list[dict[str, Any]]) -> None:
    print(f"\n{'created/updated/removed':<24}" + "".join(f"{label:>18}" for label in labels))
    for kind in sorted({k for report in reports for k in report["counts"]}):
        cells = []
        for report in reports:
            c = report["counts"].get(kind)
            cells.append(f"{c['created']}/{c['updated']}/{c['removed']}" if c else "-")
        print(f"{kind:<24}" + "".join(f"{cell:>18}" for cell in cells))
    for field in ("version_created", "warnings", "conflicts"):
        values = [r[field] if field == "version_created" else len(r[field]) for r in reports]
        print(f"{field:<24}" + "".join(f"{v!s:>18}" for v in values))


async def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    payload = build_dataset(trust_shape(args.staff, args.lessons, args.seed), "trust.example")
    body = msgspec.json.encode(payload)
    changed, changed_count = change_lessons(payload, args.changed, seed=args.seed + 1)
    changed_body = msgspec.json.encode(changed)
    print(f"trust: {dataset_sizes(payload)}")
    print(
        f"generated in {time.perf_counter() - started:.2f} s: body {len(body) / 1e6:.1f} MB; "
        f"changed body has {changed_count} lessons changed "
        f"({changed_count / len(payload['lessons']):.1%})"
    )
    time_cpu_steps(body)

    async with scratch_database(args.database_url, "import_large") as database_url:
        settings = Settings(
            database_url=database_url,
            redis_url=args.redis_url,
            # Room to spare over the body, whatever the default is at the time.
            max_import_bytes=max(Settings().max_import_bytes, 4 * len(body)),
            log_level="WARNING",
        )
        school = await create_school(settings, "Bench Large Trust")
        try:
            await measure(settings, school, [body, body, changed_body])
        finally:
            await forget_token_use(args.redis_url, school.token_ids)
    print("scratch database dropped")


async def measure(settings: Settings, school: BenchSchool, bodies: list[bytes]) -> None:
    labels = ["into empty", "identical again", "lessons changed"]
    reports = []
    async with (
        serve_in_thread(create_app(settings)) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=1800) as client,
    ):
        print(f"max_import_bytes {settings.max_import_bytes}; POST {base_url}/v1/timetable/imports")
        for label, body in zip(labels, bodies, strict=True):
            seconds, report = await post_import(client, school.integration_token, body)
            reports.append(report)
            rows = await stored_rows(settings.async_database_url, school.school_id)
            print(f"import {label:<16} {seconds:7.2f} s   stored: {rows}")
    print_counts(labels, reports)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where this user may create and drop a database",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--lessons", type=int, default=40000)
    parser.add_argument("--changed", type=float, default=0.05, help="share of lessons changed")
    parser.add_argument("--seed", type=int, default=0)
    # The app's logging set-up would otherwise log every client request at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
