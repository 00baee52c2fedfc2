"""The observer's notes: evidence against the focus, questions, and their own take-aways.

Only the observer writes them, once the booked lesson has begun; the
judgement guard checks the wording against the school's patterns and either
refuses verdicts (422, naming each phrase) or keeps the notes with warnings,
as the school's policy says. The two people read them; anyone else only
through a share, and every such read is logged in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.peer_observation import judgement
from lessonstudy.domain.peer_observation.access import (
    SharedPart,
    as_observer,
    is_booked,
    lesson_begun,
    reader,
)
from lessonstudy.domain.peer_observation.models import (
    GuardMode,
    Observation,
    ObservationNotes,
    ObservationRead,
    Stage,
)
from lessonstudy.domain.peer_observation.policy import get_policy
from lessonstudy.errors import Conflict, NotFound, RuleBroken


@dataclass(frozen=True, slots=True)
class NotesView:
    observation: Observation
    notes: ObservationNotes
    warnings: list[judgement.Finding]
    """Verdict-like phrases kept under a "warn" policy (shown to the two people only)."""


async def ensure_took_place(session: AsyncSession, observation: Observation, now: datetime) -> None:
    """Notes and reflections are about a lesson that was booked and has begun."""
    if observation.stage != Stage.AGREED or not await is_booked(session, observation):
        raise Conflict("the observation is not booked: book it before writing about it")
    if not await lesson_begun(session, observation, now):
        raise Conflict("the lesson has not begun yet: write about it once it has")


async def write_notes(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    evidence: Sequence[str],
    questions: Sequence[str],
    takeaways: Sequence[str],
    now: datetime,
) -> NotesView:
    """Write (or rewrite) the notes; refused with the phrases if they read as a verdict."""
    observation = await as_observer(
        session, school_id, observation_id, staff_id, "write the observation notes"
    )
    await ensure_took_place(session, observation, now)
    findings, mode = await _check(
        session,
        school_id,
        {"evidence": evidence, "questions": questions, "takeaways": takeaways},
    )
    if findings and mode is GuardMode.REFUSE:
        phrases = ", ".join(f'"{f.phrase}"' for f in findings)
        raise RuleBroken(
            f"the notes read as a judgement ({phrases}): {judgement.HINT}",
            errors=[
                {"field": f.field, "message": f'judgement language: "{f.phrase}"'} for f in findings
            ],
        )
    notes = await session.get(ObservationNotes, observation.id)
    if notes is None:
        notes = ObservationNotes(observation_id=observation.id)
        session.add(notes)
    notes.evidence = list(evidence)
    notes.questions = list(questions)
    notes.takeaways = list(takeaways)
    await session.flush()
    await session.refresh(notes)
    return NotesView(observation, notes, findings)


async def read_notes(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    now: datetime,
) -> NotesView:
    observation, share_id = await reader(
        session, school_id, observation_id, staff_id, SharedPart.NOTES, now
    )
    notes = await session.get(ObservationNotes, observation.id)
    if notes is None:
        raise NotFound("the observer has not written notes for this observation yet")
    if share_id is not None:
        await log_read(session, observation, share_id, staff_id, SharedPart.NOTES)
        return NotesView(observation, notes, [])
    findings, mode = await _check(
        session,
        school_id,
        {"evidence": notes.evidence, "questions": notes.questions, "takeaways": notes.takeaways},
    )
    return NotesView(observation, notes, findings if mode is GuardMode.WARN else [])


async def log_read(
    session: AsyncSession,
    observation: Observation,
    share_id: uuid.UUID,
    staff_id: uuid.UUID,
    part: SharedPart,
) -> None:
    session.add(
        ObservationRead(
            school_id=observation.school_id,
            observation_id=observation.id,
            share_id=share_id,
            reader_staff_id=staff_id,
            part=part.value,
        )
    )
    await session.flush()


async def _check(
    session: AsyncSession, school_id: uuid.UUID, texts: dict[str, Sequence[str]]
) -> tuple[list[judgement.Finding], GuardMode]:
    policy = await get_policy(session, school_id)
    patterns = judgement.compiled(policy.patterns_in_force)
    return judgement.find_judgements(texts, patterns), policy.guard_mode
