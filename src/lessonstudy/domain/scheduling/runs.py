"""Scheduling runs: one solve over many requests, from queued to solved, and their proposals.

A run is queued in the request's transaction and solved by the worker on its
own queue. The run row is also the job's outbox: the API enqueues after its
transaction commits, and the sweeper enqueues any run still queued, so a job
lost between the commit and Redis is never lost for good. The worker claims a
run with a conditional update, so a job delivered twice solves once, and
records the answer only for the attempt it claimed, so a run the sweeper took
back from a dead worker is never written by that worker later.

Proposals are rows, one per request, rather than a JSON list on the run: each
is accepted on its own, under a row lock, exactly once, and the run's requests
are read by the worker as a whole, so they stay JSON.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id
from lessonstudy.domain.scheduling import outcome
from lessonstudy.domain.scheduling.problem import SchoolProblem
from lessonstudy.domain.scheduling.requests import (
    SchedulingRequest,
    check_requests,
    from_json,
    participants,
    to_json,
)
from lessonstudy.errors import NotFound, RuleBroken
from lessonstudy.pagination import cursor_uuid, decode_cursor, encode_cursor
from lessonstudy.scheduler import Explanation, Plan

MAX_REQUESTS = 500
# A run whose worker died is tried again this many times in all, then failed.
MAX_ATTEMPTS = 3


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    SOLVING = "solving"
    SOLVED = "solved"
    FAILED = "failed"


class ProposalStatus(enum.StrEnum):
    PROPOSED = "proposed"
    UNSCHEDULED = "unscheduled"
    ACCEPTED = "accepted"


def _values(kind: type[enum.StrEnum]) -> str:
    return ",".join(f"'{member.value}'" for member in kind)


class SchedulingRun(Base):
    __tablename__ = "scheduling_run"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(RunStatus)})", name="status"),
        Index("ix_scheduling_run_school_created", "school_id", "created_at", "id"),
        Index("ix_scheduling_run_status", "status", "claimed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=RunStatus.QUEUED)
    requests: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    # Everyone the requests name: who may see the run.
    participant_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid()), nullable=False)
    attempt: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    time_limit_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    build_seconds: Mapped[float | None] = mapped_column(Float)
    solve_seconds: Mapped[float | None] = mapped_column(Float)
    # optimal, feasible (with `gap`), infeasible or no_solution, as the solver said.
    solver_status: Mapped[str | None] = mapped_column(String(16))
    gap: Mapped[float | None] = mapped_column(Float)
    # Per objective level: value, proven bound and whether it is proven.
    levels: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(String(500))


class SchedulingProposal(Base):
    """One request of a run, with its proposal, or the account of why it has none."""

    __tablename__ = "scheduling_proposal"
    __table_args__ = (
        UniqueConstraint("run_id", "request_id"),
        CheckConstraint(f"status IN ({_values(ProposalStatus)})", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("scheduling_run.id", ondelete="CASCADE"), nullable=False
    )
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    request_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    account: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )


@dataclass(frozen=True)
class RunDetail:
    run: SchedulingRun
    requests: tuple[SchedulingRequest, ...]
    proposals: tuple[SchedulingProposal, ...]


async def create_run(
    session: AsyncSession,
    school_id: uuid.UUID,
    requests: Sequence[SchedulingRequest],
    *,
    created_by: uuid.UUID | None,
    run_id: uuid.UUID | None = None,
) -> SchedulingRun:
    """Queue a run; the caller enqueues its job once the transaction has committed."""
    check_requests(requests)
    people = sorted({person for request in requests for person in participants(request)})
    run = SchedulingRun(
        id=run_id or new_id(),
        school_id=school_id,
        created_by=created_by,
        status=RunStatus.QUEUED,
        requests=[to_json(request) for request in requests],
        participant_ids=people,
        attempt=0,
    )
    session.add(run)
    await session.flush()
    await session.refresh(run)
    return run


async def get_run(session: AsyncSession, school_id: uuid.UUID, run_id: uuid.UUID) -> RunDetail:
    run = await session.get(SchedulingRun, run_id)
    if run is None or run.school_id != school_id:
        raise NotFound("no scheduling run with that id")
    proposals = await session.scalars(
        select(SchedulingProposal)
        .where(SchedulingProposal.run_id == run_id)
        .order_by(SchedulingProposal.position)
    )
    return RunDetail(run, tuple(from_json(r) for r in run.requests), tuple(proposals.all()))


async def list_runs(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    visible_to: uuid.UUID | None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[SchedulingRun], str | None]:
    """Newest first; `visible_to` keeps the runs a person created or takes part in."""
    stmt = select(SchedulingRun).where(SchedulingRun.school_id == school_id)
    if visible_to is not None:
        stmt = stmt.where(
            or_(
                SchedulingRun.created_by == visible_to,
                SchedulingRun.participant_ids.contains([visible_to]),
            )
        )
    if cursor is not None:
        created, last_id = decode_cursor("scheduling_runs", cursor, 2)
        after = _cursor_time(created)
        stmt = stmt.where(
            tuple_(SchedulingRun.created_at, SchedulingRun.id) < tuple_(after, cursor_uuid(last_id))
        )
    stmt = stmt.order_by(SchedulingRun.created_at.desc(), SchedulingRun.id.desc()).limit(limit + 1)
    rows = list((await session.scalars(stmt)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor("scheduling_runs", [last.created_at.isoformat(), str(last.id)])
    return rows, next_cursor


def _cursor_time(value: str) -> datetime:
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise RuleBroken(
            "the cursor is not one this list issued; start again without a cursor",
            errors=[{"field": "cursor", "message": "invalid cursor", "source": "query"}],
        )
    return found


@dataclass(frozen=True)
class Claim:
    run_id: uuid.UUID
    school_id: uuid.UUID
    attempt: int
    requests: tuple[SchedulingRequest, ...]


async def claim_run(
    session: AsyncSession, run_id: uuid.UUID, time_limit_seconds: float
) -> Claim | None:
    """Take a queued run for solving; None when it is not queued (a duplicate delivery)."""
    row = (
        await session.execute(
            update(SchedulingRun)
            .where(SchedulingRun.id == run_id, SchedulingRun.status == RunStatus.QUEUED)
            .values(
                status=RunStatus.SOLVING,
                # The statement's time, not the transaction's: a caller solving in one
                # transaction (the demo) still records when each step happened.
                claimed_at=func.statement_timestamp(),
                attempt=SchedulingRun.attempt + 1,
                time_limit_seconds=time_limit_seconds,
                error=None,
            )
            .returning(SchedulingRun.school_id, SchedulingRun.attempt, SchedulingRun.requests)
        )
    ).first()
    if row is None:
        return None
    return Claim(run_id, row.school_id, row.attempt, tuple(from_json(r) for r in row.requests))


async def record_plan(
    session: AsyncSession,
    claim: Claim,
    school: SchoolProblem,
    plan: Plan,
    explanations: Sequence[Explanation],
    *,
    build_seconds: float,
    solve_seconds: float,
) -> bool:
    """Store the answer of the claimed attempt; False if the run was taken back meanwhile."""
    done = await session.execute(
        update(SchedulingRun)
        .where(
            SchedulingRun.id == claim.run_id,
            SchedulingRun.status == RunStatus.SOLVING,
            SchedulingRun.attempt == claim.attempt,
        )
        .values(
            status=RunStatus.SOLVED,
            finished_at=func.statement_timestamp(),
            build_seconds=build_seconds,
            solve_seconds=solve_seconds,
            solver_status=plan.status.value,
            gap=plan.gap,
            levels=[
                {
                    "level": o.level.value,
                    "value": o.value,
                    "bound": o.bound,
                    "proven": o.proven,
                    "gap": o.gap,
                }
                for o in plan.levels
            ],
            scores={
                "scheduled_priority": plan.scores.scheduled_priority,
                "requested_priority": plan.scores.requested_priority,
                "supervisor_cover": plan.scores.supervisor_cover,
                "teacher_cover": plan.scores.teacher_cover,
                "max_load": plan.scores.max_load,
                "lateness": plan.scores.lateness,
            },
        )
        .returning(SchedulingRun.id)
    )
    if done.first() is None:
        return False
    accounts = {e.request_id: e for e in explanations}
    for position, request in enumerate(claim.requests):
        key = str(request.id)
        booking = plan.booking(key)
        session.add(
            SchedulingProposal(
                run_id=claim.run_id,
                school_id=claim.school_id,
                request_id=request.id,
                position=position,
                status=ProposalStatus.PROPOSED if booking else ProposalStatus.UNSCHEDULED,
                proposal=outcome.to_json(outcome.proposal_of(school, booking)) if booking else None,
                account=(
                    outcome.to_json(outcome.account_of(school, accounts[key]))
                    if key in accounts
                    else None
                ),
            )
        )
    await session.flush()
    return True


async def fail_run(session: AsyncSession, claim: Claim, message: str) -> None:
    await session.execute(
        update(SchedulingRun)
        .where(
            SchedulingRun.id == claim.run_id,
            SchedulingRun.status == RunStatus.SOLVING,
            SchedulingRun.attempt == claim.attempt,
        )
        .values(
            status=RunStatus.FAILED, finished_at=func.statement_timestamp(), error=message[:500]
        )
    )


@dataclass(frozen=True)
class Swept:
    requeued: tuple[uuid.UUID, ...]
    failed: tuple[uuid.UUID, ...]


async def take_back_stuck_runs(session: AsyncSession, stuck_after: timedelta) -> Swept:
    """Runs solving for longer than any job may run lost their worker: queue them again,
    or fail them once they have had `MAX_ATTEMPTS`."""
    rows = await session.execute(
        text(
            """
            UPDATE scheduling_run SET
                status = CASE WHEN attempt >= :max_attempts THEN 'failed' ELSE 'queued' END,
                finished_at = CASE WHEN attempt >= :max_attempts THEN now() END,
                error = CASE WHEN attempt >= :max_attempts
                    THEN 'the worker stopped while solving, ' || attempt || ' times'
                    ELSE 'the worker stopped while solving; queued again' END
            WHERE status = 'solving' AND claimed_at < now() - CAST(:stuck_after AS interval)
            RETURNING id, status
            """
        ),
        {"max_attempts": MAX_ATTEMPTS, "stuck_after": stuck_after},
    )
    found = rows.all()
    return Swept(
        requeued=tuple(r.id for r in found if r.status == RunStatus.QUEUED),
        failed=tuple(r.id for r in found if r.status == RunStatus.FAILED),
    )


async def queued_runs(session: AsyncSession, older_than: timedelta) -> list[tuple[uuid.UUID, int]]:
    """Runs waiting longer than a job takes to be enqueued: (id, attempt) to enqueue again."""
    rows = await session.execute(
        select(SchedulingRun.id, SchedulingRun.attempt)
        .where(
            SchedulingRun.status == RunStatus.QUEUED,
            SchedulingRun.created_at < func.now() - older_than,
        )
        .order_by(SchedulingRun.created_at)
        .limit(1000)
    )
    return [(r.id, r.attempt) for r in rows.all()]
