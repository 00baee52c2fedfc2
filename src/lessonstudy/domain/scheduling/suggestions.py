"""Quick suggestions: the best few slots for one request, straight from the timetable.

A person is waiting, so there is no solver here: the request's own lessons in
its window are walked and each one's cover priced (the pure `suggest`), over a
problem pruned to the window's days and the people who can matter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.scheduling.outcome import Account, Option, account_of, option_of
from lessonstudy.domain.scheduling.problem import build_problem
from lessonstudy.domain.scheduling.requests import SchedulingRequest
from lessonstudy.scheduler import explain_request, suggest

MAX_SUGGESTIONS = 20


@dataclass(frozen=True)
class Suggestions:
    request_id: uuid.UUID
    options: tuple[Option, ...]
    # Why there are none, when there are none.
    account: Account | None


async def suggest_slots(
    session: AsyncSession, school_id: uuid.UUID, request: SchedulingRequest, *, limit: int = 5
) -> Suggestions:
    school = await build_problem(session, school_id, [request], fields=["request"])
    key = str(request.id)
    found = suggest(school.problem, key, limit=min(limit, MAX_SUGGESTIONS))
    account = None if found else account_of(school, explain_request(school.problem, key))
    return Suggestions(request.id, tuple(option_of(school, s) for s in found), account)
