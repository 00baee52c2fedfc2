"""Benchmark: quick slot suggestions through the API on a real school (St Paul's).

    python bench/suggestions_stpauls.py [--requests 60] [--rounds 3] [--teacher-cover both]

DESIGN.md asks that a single research lesson's slot suggestions come back in
well under a second through the API. This loads St Paul's School (68
teachers, 1,227 lessons a week) through the API into a scratch database the
way a school would: the XHSTT archive through `POST /v1/timetable/imports/xhstt`
for a 13-week term starting next week, then the export, with what the archive
does not know added from the seed (an after-school period, PPA, a Monday staff
meeting and evening clubs, five cover supervisors, a CPD lead) and imported
back as JSON. It then asks for suggestions for a term's worth of realistic
requests (research lessons of triads over four weeks, peer observations over
three) one at a time, as a CPD lead would, after a warm-up.

Printed side by side, for each school policy on teacher cover:
- `api`: `POST /v1/scheduling/suggestions` over HTTP (uvicorn on loopback);
- `domain`: the same domain function in this process, no HTTP (`suggest_slots`);
- `pure`: the pure scheduler's `suggest` on the already-built problem, the
  baseline the rest adds database reads and HTTP to.
with p50, p95 and max latency and the api/domain and domain/pure ratios. The
api and domain answers are checked to be the same.

The archive is read from $LESSONSTUDY_XHSTT_DIR, by default ../shared/data/xhstt.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lessonstudy.api.scheduling_schemas import SuggestionsIn, to_request
from lessonstudy.app import create_app
from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.domain.scheduling.problem import build_problem
from lessonstudy.domain.scheduling.suggestions import suggest_slots
from lessonstudy.scheduler import suggest
from lessonstudy.settings import Settings
from timetable_school import (
    BenchSchool,
    create_school,
    forget_token_use,
    issue_staff_token,
    scratch_database,
    serve_in_thread,
    staff_ids,
)

ARCHIVE = "EnglandStPaul.xml"
SOLUTION_GROUP = "Lectio@ITC2011"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "xhstt"
TERM_WEEKS = 13
AFTER_SCHOOL = "AS"
# A teacher with fewer lessons a week is part-time or visiting: not in a triad.
MIN_TRIAD_LESSONS = 8
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def data_dir() -> Path:
    configured = os.environ.get("LESSONSTUDY_XHSTT_DIR")
    return Path(configured) if configured else DEFAULT_DATA_DIR


def term_start(today: dt.date) -> dt.date:
    """Next week's Monday: suggestions look forward from the school's today."""
    start = today + dt.timedelta(days=7)
    return start - dt.timedelta(days=start.weekday())


def augment(dataset: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Add what a school knows and the archive does not, in the proportions it prints."""
    teachers = [s["external_id"] for s in dataset["staff"]]
    taught: defaultdict[str, set[tuple[str, str]]] = defaultdict(set)
    for lesson in dataset["lessons"]:
        for teacher in lesson["teachers"]:
            for period in lesson["periods"]:
                taught[teacher].add((lesson["weekday"], period))
    teaching = sorted(
        {p["code"] for p in dataset["periods"] if p["teaching"]}, key=lambda c: (len(c), c)
    )
    days = sorted({p["weekday"] for p in dataset["periods"]}, key=WEEKDAYS.index)
    dataset["periods"] += [
        {
            "weekday": day,
            "code": AFTER_SCHOOL,
            "starts_at": "15:15",
            "ends_at": "16:15",
            "teaching": False,
        }
        for day in days
    ]
    protected = []
    duties = []
    for teacher in teachers:
        free = [(d, p) for d in days for p in teaching if (d, p) not in taught[teacher]]
        rng.shuffle(free)
        # PPA: at least 10% of teaching time, where the timetable left room.
        for day, period in free[: math.ceil(len(taught[teacher]) / 10)]:
            protected.append({"staff": teacher, "kind": "ppa", "weekday": day, "period": period})
        # The Monday staff meeting after school; two in five run a club one other evening.
        duties.append(
            {
                "external_id": f"{teacher}-meeting",
                "staff": teacher,
                "kind": "meeting",
                "description": "Staff meeting",
                "weekday": "monday",
                "period": AFTER_SCHOOL,
            }
        )
        if rng.random() < 0.4:
            duties.append(
                {
                    "external_id": f"{teacher}-club",
                    "staff": teacher,
                    "description": "Club",
                    "weekday": rng.choice(days[1:]),
                    "period": AFTER_SCHOOL,
                }
            )
    supervisors = [
        ("CS1", days),
        ("CS2", days),
        ("CS3", days),
        ("CS4", days[:3]),
        ("CS5", days[2:]),
    ]
    dataset["staff"] += [
        {
            "external_id": name,
            "name": f"Cover supervisor {name[-1]}",
            "roles": ["cover_supervisor"],
            "working_days": list(working),
        }
        for name, working in supervisors
    ] + [{"external_id": "CPD", "name": "CPD lead", "roles": ["cpd_lead"]}]
    dataset["protected_periods"] = protected
    dataset["duties"] = duties
    # About one period in seven is held back for invigilation and absence cover.
    dataset["cover_slots"] = [
        {"staff": name, "weekday": day, "period": period}
        for name, working in supervisors
        for day in working
        for period in teaching
        if rng.random() > 1 / 7
    ]
    dataset["cover_caps"] = [{"staff": name, "max_per_day": 4} for name, _ in supervisors]
    return dataset


@dataclass(frozen=True)
class Term:
    first: dt.date
    lessons: dict[str, Counter[str]]  # teacher external id -> class -> lessons a week

    def week(self, number: int) -> dt.date:
        return self.first + dt.timedelta(weeks=number)


def build_requests(
    rng: random.Random, term: Term, ids: dict[str, uuid.UUID], count: int
) -> list[dict[str, Any]]:
    """Research lessons of triads (half) and peer observations (half), spread over the term."""
    eligible = [
        t for t, classes in term.lessons.items() if sum(classes.values()) >= MIN_TRIAD_LESSONS
    ]
    teachers = [t for t, classes in term.lessons.items() if classes]
    requests: list[dict[str, Any]] = []
    for number in range(count):
        start = term.week(rng.randrange(1, TERM_WEEKS - 4))
        if number % 2 == 0:
            teacher, *members = rng.sample(eligible, 3)
            seen = term.lessons[teacher]
            regular = sorted(c for c, n in seen.items() if n >= 2) or sorted(seen)
            requests.append(
                {
                    "kind": "research_lesson",
                    "teacher_id": str(ids[teacher]),
                    "class_code": rng.choice(regular),
                    "member_ids": [str(ids[m]) for m in members],
                    "window": {
                        "from": start.isoformat(),
                        "to": (start + dt.timedelta(days=25)).isoformat(),
                    },
                    "priority": 2,
                }
            )
        else:
            observed = rng.choice(teachers)
            observers = rng.sample([t for t in teachers if t != observed], rng.randint(1, 3))
            body: dict[str, Any] = {
                "kind": "observation",
                "observed_id": str(ids[observed]),
                "observer_ids": [str(ids[o]) for o in observers],
                "window": {
                    "from": start.isoformat(),
                    "to": (start + dt.timedelta(days=18)).isoformat(),
                },
            }
            if rng.random() < 0.5:
                body["class_code"] = rng.choice(sorted(term.lessons[observed]))
            requests.append(body)
    return requests


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20)[-1] if len(ordered) > 1 else ordered[0]
    return statistics.median(ordered), p95, ordered[-1]


def describe(label: str, samples: list[float]) -> str:
    p50, p95, worst = quantiles(samples)
    return f"  {label:<8}{p50 * 1000:>10.1f}{p95 * 1000:>10.1f}{worst * 1000:>10.1f}"


async def measure(
    args: argparse.Namespace,
    settings: Settings,
    school: BenchSchool,
    base_url: str,
    token: str,
    requests: list[dict[str, Any]],
    label: str,
) -> None:
    engine = create_engine(settings)
    sessions = create_session_factory(engine)
    api: list[float] = []
    domain: list[float] = []
    pure: list[float] = []
    found = 0
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            for body in requests[: args.warmup]:
                await client.post(
                    "/v1/scheduling/suggestions", json={"request": body}, headers=headers
                )
            for _ in range(args.rounds):
                for body in requests:
                    started = time.perf_counter()
                    response = await client.post(
                        "/v1/scheduling/suggestions", json={"request": body}, headers=headers
                    )
                    api.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise RuntimeError(f"suggestions failed: {response.text}")
                    answer = response.json()
                    found += bool(answer["items"])

                    request = to_request(msgspec.convert({"request": body}, SuggestionsIn).request)
                    started = time.perf_counter()
                    async with sessions() as session:
                        own = await suggest_slots(session, school.school_id, request)
                    domain.append(time.perf_counter() - started)
                    same = [(o.proposal.day.isoformat(), o.proposal.period) for o in own.options]
                    if same != [(i["date"], i["period"]) for i in answer["items"]]:
                        raise RuntimeError("the API and the domain function disagree")

                    async with sessions() as session:
                        built = await build_problem(session, school.school_id, [request])
                    started = time.perf_counter()
                    suggest(built.problem, str(request.id), limit=5)
                    pure.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    print(f"\n{label}: {len(api)} requests ({args.rounds} rounds), {found} with a slot")
    print(f"  {'':<8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    print(describe("api", api))
    print(describe("domain", domain))
    print(describe("pure", pure))
    api_p95, domain_p95, pure_p95 = (quantiles(s)[1] for s in (api, domain, pure))
    print(
        f"  p95 ratios: api/domain {api_p95 / domain_p95:.2f}, domain/pure "
        f"{domain_p95 / pure_p95:.1f} (the bar: api p95 well under 1000 ms)"
    )


async def set_teacher_cover(settings: Settings, school: BenchSchool, allowed: bool) -> None:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine).begin() as session:
            await session.execute(
                text(
                    "UPDATE cover_policy SET teacher_cover_allowed = :allowed, "
                    "teacher_max_per_term = 2 WHERE school_id = :school"
                ),
                {"allowed": allowed, "school": school.school_id},
            )
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    archive = data_dir() / ARCHIVE
    if not archive.is_file():
        raise SystemExit(f"St Paul's timetable not found at {archive}; set LESSONSTUDY_XHSTT_DIR")
    rng = random.Random(args.seed)
    first = term_start(dt.date.today())
    calendar = {
        "terms": [
            {
                "name": "Term",
                "starts_on": first.isoformat(),
                "ends_on": (first + dt.timedelta(weeks=TERM_WEEKS, days=-3)).isoformat(),
            }
        ]
    }
    async with scratch_database(args.database_url, "suggest") as database_url:
        settings = Settings(
            database_url=database_url, redis_url=args.redis_url, db_pool_size=4, log_level="WARNING"
        )
        school = await create_school(settings, "St Paul's School")
        integration = {"Authorization": f"Bearer {school.integration_token}"}
        try:
            async with serve_in_thread(create_app(settings)) as base_url:
                async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
                    started = time.perf_counter()
                    response = await client.post(
                        "/v1/timetable/imports/xhstt",
                        data={
                            "solution_group": SOLUTION_GROUP,
                            "effective_from": first.isoformat(),
                            "calendar": json.dumps(calendar),
                        },
                        files={"file": (ARCHIVE, archive.read_bytes(), "application/xml")},
                        headers=integration,
                    )
                    if response.status_code != 200:
                        raise RuntimeError(f"the XHSTT import failed: {response.text}")
                    exported = (
                        await client.get("/v1/timetable/export", headers=integration)
                    ).json()
                    dataset = augment(exported, rng)
                    response = await client.post(
                        "/v1/timetable/imports", json=dataset, headers=integration
                    )
                    if response.status_code != 200:
                        raise RuntimeError(f"the JSON import failed: {response.text}")
                    took = time.perf_counter() - started
                    print(
                        f"St Paul's imported through the API in {took:.1f} s: "
                        f"{len(dataset['staff'])} staff, {len(dataset['lessons'])} lessons a week, "
                        f"a {TERM_WEEKS}-week term from {first}; "
                        f"{len(dataset['protected_periods'])} PPA periods, "
                        f"{len(dataset['cover_slots'])} cover slots a week"
                    )
                ids = await staff_ids(settings, school.school_id)
                token = await issue_staff_token(settings, school, ids["CPD"])
                lessons: defaultdict[str, Counter[str]] = defaultdict(Counter)
                for lesson in dataset["lessons"]:
                    for teacher in lesson["teachers"]:
                        lessons[teacher][lesson["class_code"]] += len(lesson["periods"])
                requests = build_requests(rng, Term(first, dict(lessons)), ids, args.requests)
                policies = {"off": [False], "on": [True], "both": [False, True]}[args.teacher_cover]
                for allowed in policies:
                    await set_teacher_cover(settings, school, allowed)
                    label = "teacher cover " + (
                        "on (every teacher a possible cover)"
                        if allowed
                        else "off (supervisors only)"
                    )
                    await measure(args, settings, school, base_url, token, requests, label)
        finally:
            await forget_token_use(args.redis_url, school.token_ids)
    print(f"\nload average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where this user may create and drop a database",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--requests", type=int, default=60, help="distinct requests")
    parser.add_argument("--rounds", type=int, default=3, help="times each request is asked")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--teacher-cover", choices=("on", "off", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
