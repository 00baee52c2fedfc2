"""The research-lesson plan: a document several members edit, with a version and a history.

The plan holds the learning goal, the lesson's stages in order, and for
every case pupil a prediction for every stage (what the group expects them to
do and say), plus the changes carried from the last cycle's discussion and
how this plan answers each. Every save is a new version: a save must name
the version it was based on (``If-Match``), so two members saving at once
cannot overwrite each other; the loser gets 412 and reads the winner's plan.
The primary key (cycle, version) has the last word under concurrency.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study.access import cycle_viewer
from lessonstudy.domain.lesson_study.pupils import pupils_of
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import PlanVersion, ResearchCycle
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, NotFound, PreconditionFailed, RuleBroken
from lessonstudy.pagination import cursor_int, decode_cursor, encode_cursor

MAX_STAGES = 12
_MISSING_SHOWN = 10


class Prediction(msgspec.Struct, kw_only=True):
    pupil: str
    prediction: str


class PlanStage(msgspec.Struct, kw_only=True):
    title: str
    minutes: int | None = None
    activity: str | None = None
    predictions: list[Prediction] = msgspec.field(default_factory=list)


class CarriedChange(msgspec.Struct, kw_only=True):
    change: str
    """A change the group agreed at the last discussion."""
    response: str | None = None
    """How this plan makes the change; empty until the group decides."""


class PlanContent(msgspec.Struct, kw_only=True):
    learning_goal: str | None = None
    stages: list[PlanStage] = msgspec.field(default_factory=list)
    carried_changes: list[CarriedChange] = msgspec.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlanView:
    cycle_id: uuid.UUID
    version: int
    content: PlanContent
    saved_by: uuid.UUID | None
    saved_at: datetime
    missing_predictions: list[str]


def etag(version: int) -> str:
    return f'"{version}"'


def matches(if_match: str, version: int) -> bool:
    """RFC 9110 If-Match: strong comparison against a list of entity tags, or ``*``."""
    tags = [t.strip() for t in if_match.split(",")]
    return "*" in tags or etag(version) in tags


def to_json(content: PlanContent) -> dict[str, Any]:
    stored: dict[str, Any] = msgspec.to_builtins(content)
    return stored


def from_json(stored: dict[str, Any]) -> PlanContent:
    return msgspec.convert(stored, PlanContent)


def missing_predictions(content: PlanContent, pupil_codes: Collection[str]) -> list[str]:
    """Every (pupil, stage) of the plan without a prediction, in words."""
    missing = []
    for n, stage in enumerate(content.stages, start=1):
        made = {p.pupil for p in stage.predictions if p.prediction.strip()}
        missing += [
            f"a prediction for pupil {code} in stage {n}"
            for code in sorted(pupil_codes)
            if code not in made
        ]
    return missing


def prediction_counts(content: PlanContent, pupil_codes: Collection[str]) -> tuple[int, int]:
    """(made, expected): one prediction per case pupil per stage is expected."""
    expected = len(content.stages) * len(pupil_codes)
    return expected - len(missing_predictions(content, pupil_codes)), expected


def plan_gaps(
    content: PlanContent, pupil_codes: Collection[str], *, has_teacher: bool
) -> tuple[str, ...]:
    """What the plan lacks before the lesson can be taught."""
    gaps = []
    if not has_teacher:
        gaps.append("choose the teaching member")
    if not (content.learning_goal or "").strip():
        gaps.append("the plan's learning goal")
    if not content.stages:
        gaps.append("the lesson's stages")
    if not pupil_codes:
        gaps.append("case pupils")
    missing = missing_predictions(content, pupil_codes)
    gaps += missing[:_MISSING_SHOWN]
    if len(missing) > _MISSING_SHOWN:
        gaps.append(f"and {len(missing) - _MISSING_SHOWN} more predictions")
    return tuple(gaps)


def carried_counts(content: PlanContent) -> int:
    """How many of the last cycle's changes this plan says how it makes."""
    return sum(1 for c in content.carried_changes if (c.response or "").strip())


def _check_content(content: PlanContent, pupil_codes: Collection[str], erased: bool) -> None:
    problems = []
    for n, stage in enumerate(content.stages):
        seen: set[str] = set()
        for k, prediction in enumerate(stage.predictions):
            where = f"stages[{n}].predictions[{k}].pupil"
            if erased:
                problems.append({"field": where, "message": "the group's pupil data was erased"})
            elif prediction.pupil not in pupil_codes:
                problems.append({"field": where, "message": "not one of the group's pupils"})
            elif prediction.pupil in seen:
                problems.append({"field": where, "message": "one prediction per pupil per stage"})
            seen.add(prediction.pupil)
    if problems:
        raise RuleBroken(
            "the plan's predictions are not valid: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]),
            errors=problems,
        )


async def latest(session: AsyncSession, cycle: ResearchCycle) -> PlanVersion:
    found = await session.get(PlanVersion, (cycle.id, cycle.plan_version))
    assert found is not None, "every cycle has its first plan version"
    return found


def view(version: PlanVersion, pupil_codes: Collection[str]) -> PlanView:
    content = from_json(version.content)
    return PlanView(
        cycle_id=version.cycle_id,
        version=version.version,
        content=content,
        saved_by=version.saved_by,
        saved_at=version.saved_at,
        missing_predictions=missing_predictions(content, pupil_codes),
    )


async def get_plan(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, version: int | None = None
) -> PlanView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    found = await session.get(PlanVersion, (cycle.id, version or cycle.plan_version))
    if found is None:
        raise NotFound(f"the plan has no version {version}")
    codes = [p.code for p in await pupils_of(session, viewer.group.id)]
    return view(found, codes)


def first_version(cycle: ResearchCycle, content: PlanContent, saved_by: uuid.UUID) -> PlanVersion:
    return PlanVersion(cycle_id=cycle.id, version=1, content=to_json(content), saved_by=saved_by)


async def save_plan(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    if_match: str,
    content: PlanContent,
) -> PlanView:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    viewer.require_member("edit the plan")
    if cycle.stage != Stage.PLAN:
        raise Conflict(
            f"the plan is fixed once the cycle has moved on (it is in {cycle.stage})",
            unmet=["postpone the lesson to reopen the plan"] if cycle.stage == Stage.TEACH else [],
        )
    if not matches(if_match, cycle.plan_version):
        raise PreconditionFailed(
            f"the plan has changed since you read it (it is now version {cycle.plan_version}); "
            "read it again and reapply your changes"
        )
    codes = [p.code for p in await pupils_of(session, viewer.group.id)]
    _check_content(content, codes, viewer.group.pupil_data_erased_at is not None)
    saved = PlanVersion(
        cycle_id=cycle.id,
        version=cycle.plan_version + 1,
        content=to_json(content),
        saved_by=viewer.staff_id,
    )
    try:
        async with session.begin_nested():
            session.add(saved)
            await session.flush()
    except IntegrityError:
        raise PreconditionFailed(
            "someone else saved the plan at the same moment; read it again"
        ) from None
    cycle.plan_version = saved.version
    await session.flush()
    await session.refresh(saved)
    return view(saved, codes)


@dataclass(frozen=True, slots=True)
class VersionBrief:
    version: int
    saved_by: uuid.UUID | None
    saved_at: datetime


async def history(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[VersionBrief], str | None]:
    """Every saved version, newest first."""
    await cycle_viewer(session, principal, cycle_id)
    statement = select(PlanVersion.version, PlanVersion.saved_by, PlanVersion.saved_at).where(
        PlanVersion.cycle_id == cycle_id
    )
    if cursor is not None:
        [before] = decode_cursor("plan-versions", cursor, 1)
        statement = statement.where(PlanVersion.version < cursor_int(before))
    rows = (
        await session.execute(statement.order_by(PlanVersion.version.desc()).limit(limit + 1))
    ).all()
    found = [VersionBrief(r.version, r.saved_by, r.saved_at) for r in rows[:limit]]
    next_cursor = (
        encode_cursor("plan-versions", [str(found[-1].version)]) if len(rows) > limit else None
    )
    return found, next_cursor


def copy_for_next_cycle(previous: PlanContent, agreed_changes: Sequence[str]) -> PlanContent:
    """The next cycle starts from this plan, with the changes the group agreed to make."""
    return PlanContent(
        learning_goal=previous.learning_goal,
        stages=[
            PlanStage(
                title=s.title,
                minutes=s.minutes,
                activity=s.activity,
                predictions=[
                    Prediction(pupil=p.pupil, prediction=p.prediction) for p in s.predictions
                ],
            )
            for s in previous.stages
        ],
        carried_changes=[CarriedChange(change=c) for c in agreed_changes],
    )
