"""Solve a queued run: claim it, build its problem, solve off the event loop, record the answer.

The solve runs in a thread (CP-SAT releases the GIL), so the worker keeps
answering arq's health checks and its cron jobs while a term of requests is
solved. Each step has its own short transaction: the claim commits before the
solve starts, so a duplicate delivery finds the run taken at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.scheduling.problem import SchoolProblem, build_problem
from lessonstudy.domain.scheduling.runs import Claim, claim_run, fail_run, record_plan
from lessonstudy.errors import ProblemError
from lessonstudy.scheduler import Explanation, Plan, SolverOptions, check_plan, explain, solve

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status: str
    scheduled: int = 0
    unscheduled: int = 0


class BrokenPlan(RuntimeError):
    """The solver's plan breaks a rule the independent checker knows: a bug, never proposed."""


def _solve_and_explain(
    school: SchoolProblem, options: SolverOptions
) -> tuple[Plan, tuple[Explanation, ...]]:
    plan = solve(school.problem, options)
    # Proposals are booked by people who trust them: check them as the tests do.
    violations = check_plan(school.problem, plan)
    if violations:
        raise BrokenPlan("; ".join(v.message for v in violations[:5]))
    return plan, explain(school.problem, plan)


async def solve_run(
    sessions: async_sessionmaker[AsyncSession],
    run_id: uuid.UUID,
    options: SolverOptions,
) -> Outcome:
    """Safe to call twice for one run: only the caller that claims it solves it."""
    async with sessions.begin() as session:
        claim = await claim_run(session, run_id, options.time_limit_seconds)
    if claim is None:
        return Outcome("skipped")
    try:
        started = time.perf_counter()
        async with sessions() as session:
            school = await build_problem(session, claim.school_id, claim.requests)
        built = time.perf_counter()
        plan, explanations = await asyncio.to_thread(_solve_and_explain, school, options)
        solved = time.perf_counter()
    except ProblemError as refused:
        # The school changed since the run was asked for (someone left, a period went).
        await _fail(sessions, claim, refused.detail)
        return Outcome("failed")
    except Exception:
        log.exception("scheduling run %s failed", run_id)
        await _fail(sessions, claim, "the solver failed; the error is in the worker's log")
        return Outcome("failed")
    async with sessions.begin() as session:
        recorded = await record_plan(
            session,
            claim,
            school,
            plan,
            explanations,
            build_seconds=built - started,
            solve_seconds=solved - built,
        )
    if not recorded:
        return Outcome("superseded")
    return Outcome("solved", len(plan.bookings), len(plan.unscheduled))


async def solve_in_session(
    session: AsyncSession, run_id: uuid.UUID, options: SolverOptions
) -> Outcome:
    """Claim, solve and record a run inside the caller's transaction, for callers with
    no worker (the demo); the worker uses `solve_run`, which commits its claim first."""
    claim = await claim_run(session, run_id, options.time_limit_seconds)
    if claim is None:
        return Outcome("skipped")
    started = time.perf_counter()
    school = await build_problem(session, claim.school_id, claim.requests)
    built = time.perf_counter()
    plan, explanations = await asyncio.to_thread(_solve_and_explain, school, options)
    await record_plan(
        session,
        claim,
        school,
        plan,
        explanations,
        build_seconds=built - started,
        solve_seconds=time.perf_counter() - built,
    )
    return Outcome("solved", len(plan.bookings), len(plan.unscheduled))


async def _fail(sessions: async_sessionmaker[AsyncSession], claim: Claim, message: str) -> None:
    async with sessions.begin() as session:
        await fail_run(session, claim, message)
