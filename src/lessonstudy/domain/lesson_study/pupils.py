"""Case pupils: the few pupils whose learning the group watches closely.

A case pupil is a pseudonymous code ("A", "B", "C") and a short learner
profile, never a name or an MIS id: there is nowhere to put one. A group has
1 to 6 (3 by default), and they stay the same while a lesson is under way.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study.access import Viewer, group_viewer
from lessonstudy.domain.lesson_study.stages import IN_PROGRESS
from lessonstudy.domain.lesson_study.tables import PUPIL_CODE_PATTERN, CasePupil, ResearchCycle
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, NotFound, RuleBroken

DEFAULT_CODES = ("A", "B", "C")
MIN_PUPILS, MAX_PUPILS = 1, 6
_CODE = re.compile(PUPIL_CODE_PATTERN)


def check_pupils(codes: Sequence[str]) -> None:
    """A group's set of pupil codes: 1 to 6, distinct, each a short code."""
    problems = []
    if not MIN_PUPILS <= len(codes) <= MAX_PUPILS:
        problems.append(
            {"field": "case_pupils", "message": f"a group has {MIN_PUPILS} to {MAX_PUPILS}"}
        )
    if len(set(codes)) != len(codes):
        problems.append({"field": "case_pupils", "message": "each code may be used once"})
    for n, code in enumerate(codes):
        if not _CODE.match(code):
            problems.append(
                {"field": f"case_pupils[{n}].code", "message": "a code such as 'A' or 'B2'"}
            )
    if problems:
        raise RuleBroken(
            "the case pupils are not valid: " + "; ".join(p["message"] for p in problems),
            errors=problems,
        )


async def pupils_of(session: AsyncSession, group_id: uuid.UUID) -> list[CasePupil]:
    return list(
        (
            await session.scalars(
                select(CasePupil).where(CasePupil.group_id == group_id).order_by(CasePupil.code)
            )
        ).all()
    )


async def list_pupils(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID
) -> list[CasePupil]:
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_content()
    return await pupils_of(session, group_id)


async def _editable(session: AsyncSession, principal: Principal, group_id: uuid.UUID) -> Viewer:
    viewer = await group_viewer(session, principal, group_id)
    viewer.require_member("change the case pupils")
    viewer.require_pupil_data()
    return viewer


async def _no_lesson_under_way(session: AsyncSession, group_id: uuid.UUID) -> None:
    stages = set(
        (
            await session.scalars(
                select(ResearchCycle.stage).where(ResearchCycle.group_id == group_id)
            )
        ).all()
    )
    if any(stage in IN_PROGRESS for stage in stages):
        raise Conflict(
            "the case pupils stay the same while a research lesson is under way",
            unmet=["close the current cycle (or postpone its lesson) first"],
        )


async def add_pupil(
    session: AsyncSession,
    principal: Principal,
    group_id: uuid.UUID,
    *,
    code: str,
    profile: str | None,
) -> CasePupil:
    await _editable(session, principal, group_id)
    await _no_lesson_under_way(session, group_id)
    count = await session.scalar(
        select(func.count()).select_from(CasePupil).where(CasePupil.group_id == group_id)
    )
    if int(count or 0) >= MAX_PUPILS:
        raise Conflict(f"a group has at most {MAX_PUPILS} case pupils")
    pupil = CasePupil(group_id=group_id, code=code, profile=profile)
    try:
        async with session.begin_nested():
            session.add(pupil)
            await session.flush()
    except IntegrityError:
        raise Conflict(
            f"the group already has a pupil {code}",
            errors=[{"field": "code", "message": "already in use"}],
        ) from None
    return pupil


async def _pupil(session: AsyncSession, group_id: uuid.UUID, code: str) -> CasePupil:
    pupil = await session.scalar(
        select(CasePupil).where(CasePupil.group_id == group_id, CasePupil.code == code)
    )
    if pupil is None:
        raise NotFound(f"the group has no pupil {code}")
    return pupil


async def update_pupil(
    session: AsyncSession,
    principal: Principal,
    group_id: uuid.UUID,
    code: str,
    *,
    profile: str | None,
) -> CasePupil:
    await _editable(session, principal, group_id)
    pupil = await _pupil(session, group_id, code)
    pupil.profile = profile
    await session.flush()
    return pupil


async def remove_pupil(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, code: str
) -> None:
    """Removing a pupil also removes everything recorded about them."""
    await _editable(session, principal, group_id)
    await _no_lesson_under_way(session, group_id)
    pupil = await _pupil(session, group_id, code)
    count = await session.scalar(
        select(func.count()).select_from(CasePupil).where(CasePupil.group_id == group_id)
    )
    if int(count or 0) <= MIN_PUPILS:
        raise Conflict("a group keeps at least one case pupil")
    await session.delete(pupil)
    await session.flush()
