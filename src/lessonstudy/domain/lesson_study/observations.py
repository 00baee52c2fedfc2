"""What the observers saw: each case pupil, stage by stage, and the pupil interviews.

Observers record evidence about learning (what the pupil did and said), not
a judgement of the teacher. Each observer keeps one sheet, edits only their
own, and submits it once; the discussion waits for every sheet (or a member
overrides, with a recorded reason). After the lesson someone talks with each
case pupil for about five minutes, and only with the pupil's consent are
notes kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.lesson_study import plans
from lessonstudy.domain.lesson_study.access import Viewer, cycle_viewer
from lessonstudy.domain.lesson_study.pupils import pupils_of
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import (
    CasePupil,
    ObservationNote,
    ObservationSheet,
    PupilInterview,
    ResearchCycle,
)
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, Forbidden, NotFound, RuleBroken


@dataclass(frozen=True, kw_only=True)
class NoteInput:
    pupil: str
    stage: int
    did: str | None = None
    said: str | None = None


@dataclass(frozen=True, slots=True)
class NoteView:
    pupil: str
    stage: int
    did: str | None
    said: str | None


@dataclass(frozen=True, slots=True)
class SheetView:
    observer_id: uuid.UUID
    observer_name: str
    submitted_at: datetime | None
    notes: list[NoteView]


@dataclass(frozen=True, slots=True)
class InterviewView:
    pupil: str
    interviewer_id: uuid.UUID | None
    consent: bool
    notes: str | None
    minutes: int | None
    recorded_at: datetime


def _in_observe(cycle: ResearchCycle, doing: str) -> None:
    if cycle.stage != Stage.OBSERVE:
        raise Conflict(
            f"{doing} belongs to the observe stage (the cycle is in {cycle.stage})",
            unmet=["the lesson must be taught first"]
            if cycle.stage in (Stage.PLAN, Stage.TEACH)
            else [],
        )


def _observer(viewer: Viewer, cycle: ResearchCycle) -> None:
    if viewer.staff_id not in viewer.observers(cycle):
        raise Forbidden("only the lesson's observers record observations, each their own")


async def sheets(
    session: AsyncSession,
    viewer: Viewer,
    cycle: ResearchCycle,
    pupils_known: Sequence[CasePupil] | None = None,
) -> list[SheetView]:
    """Every observer's sheet (an empty one for observers who have not started)."""
    found = pupils_known if pupils_known is not None else await pupils_of(session, viewer.group.id)
    stored = {
        s.observer_id: s.submitted_at
        for s in await session.scalars(
            select(ObservationSheet).where(ObservationSheet.cycle_id == cycle.id)
        )
    }
    notes = await session.scalars(
        select(ObservationNote)
        .where(ObservationNote.cycle_id == cycle.id)
        .order_by(ObservationNote.stage)
    )
    return sheet_views(
        viewer,
        cycle,
        {p.id: p.code for p in found},
        stored,
        [(n.observer_id, n.pupil_id, n.stage, n.did, n.said) for n in notes],
    )


def sheet_views(
    viewer: Viewer,
    cycle: ResearchCycle,
    pupils: Mapping[uuid.UUID, str],
    submitted: Mapping[uuid.UUID, datetime | None],
    notes: Iterable[tuple[uuid.UUID, uuid.UUID, int, str | None, str | None]],
) -> list[SheetView]:
    """The sheets from what was read: ``submitted`` holds each stored sheet's submission
    time by observer, ``notes`` are (observer, pupil, stage, did, said)."""
    by_observer: dict[uuid.UUID, list[NoteView]] = {}
    for observer_id, pupil_id, stage, did, said in notes:
        by_observer.setdefault(observer_id, []).append(
            NoteView(pupils.get(pupil_id, "?"), stage, did, said)
        )
    observers = list(dict.fromkeys([*viewer.observers(cycle), *submitted]))
    return [
        SheetView(
            observer_id=o,
            observer_name=viewer.name_of(o),
            submitted_at=submitted.get(o),
            notes=sorted(by_observer.get(o, []), key=lambda v: (v.pupil, v.stage)),
        )
        for o in observers
    ]


async def list_sheets(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> list[SheetView]:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    return await sheets(session, viewer, cycle)


async def _own_sheet(session: AsyncSession, viewer: Viewer, cycle: ResearchCycle) -> SheetView:
    return next(s for s in await sheets(session, viewer, cycle) if s.observer_id == viewer.staff_id)


async def save_sheet(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, notes: Sequence[NoteInput]
) -> SheetView:
    """Replace the caller's notes (until they submit their sheet)."""
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    _observer(viewer, cycle)
    _in_observe(cycle, "recording observations")
    viewer.require_pupil_data()
    sheet = await session.get(ObservationSheet, (cycle.id, viewer.staff_id))
    if sheet is not None and sheet.submitted_at is not None:
        raise Conflict("you have submitted your observations; they can no longer change")
    pupils = {p.code: p.id for p in await pupils_of(session, viewer.group.id)}
    stage_count = len(plans.from_json((await plans.latest(session, cycle)).content).stages)
    problems = []
    seen: set[tuple[str, int]] = set()
    for n, note in enumerate(notes):
        if note.pupil not in pupils:
            problems.append({"field": f"notes[{n}].pupil", "message": "not one of the pupils"})
        if not 1 <= note.stage <= stage_count:
            problems.append(
                {"field": f"notes[{n}].stage", "message": f"the plan has {stage_count} stages"}
            )
        if (note.pupil, note.stage) in seen:
            problems.append({"field": f"notes[{n}]", "message": "one note per pupil per stage"})
        if not (note.did or note.said):
            problems.append({"field": f"notes[{n}]", "message": "say what the pupil did or said"})
        seen.add((note.pupil, note.stage))
    if problems:
        raise RuleBroken(
            "the observations are not valid: " + "; ".join(p["message"] for p in problems[:5]),
            errors=problems,
        )
    if sheet is None:
        session.add(ObservationSheet(cycle_id=cycle.id, observer_id=viewer.staff_id))
    await session.execute(
        delete(ObservationNote).where(
            ObservationNote.cycle_id == cycle.id, ObservationNote.observer_id == viewer.staff_id
        )
    )
    session.add_all(
        ObservationNote(
            cycle_id=cycle.id,
            observer_id=viewer.staff_id,
            pupil_id=pupils[note.pupil],
            stage=note.stage,
            did=note.did,
            said=note.said,
        )
        for note in notes
    )
    await session.flush()
    return await _own_sheet(session, viewer, cycle)


async def submit_sheet(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, *, now: datetime
) -> SheetView:
    """Hand in the caller's observations; submitting again changes nothing."""
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    _observer(viewer, cycle)
    _in_observe(cycle, "submitting observations")
    sheet = await session.get(ObservationSheet, (cycle.id, viewer.staff_id))
    noted = await session.scalar(
        select(func.count())
        .select_from(ObservationNote)
        .where(ObservationNote.cycle_id == cycle.id, ObservationNote.observer_id == viewer.staff_id)
    )
    if sheet is None or not noted:
        raise Conflict(
            "there is nothing to submit yet",
            unmet=["record what at least one case pupil did or said"],
        )
    if sheet.submitted_at is None:
        sheet.submitted_at = now
        await session.flush()
    return await _own_sheet(session, viewer, cycle)


async def pending_observers(
    session: AsyncSession, viewer: Viewer, cycle: ResearchCycle
) -> list[uuid.UUID]:
    submitted = set(
        (
            await session.scalars(
                select(ObservationSheet.observer_id).where(
                    ObservationSheet.cycle_id == cycle.id,
                    ObservationSheet.submitted_at.is_not(None),
                )
            )
        ).all()
    )
    return [o for o in viewer.observers(cycle) if o not in submitted]


async def interviews(
    session: AsyncSession, viewer: Viewer, cycle: ResearchCycle
) -> list[InterviewView]:
    rows = await session.execute(
        select(PupilInterview, CasePupil.code)
        .join(CasePupil, CasePupil.id == PupilInterview.pupil_id)
        .where(PupilInterview.cycle_id == cycle.id)
        .order_by(CasePupil.code)
        .execution_options(populate_existing=True)
    )
    return [
        InterviewView(code, i.interviewer_id, i.consent, i.notes, i.minutes, i.recorded_at)
        for i, code in rows.all()
    ]


async def list_interviews(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> list[InterviewView]:
    viewer, cycle = await cycle_viewer(session, principal, cycle_id)
    return await interviews(session, viewer, cycle)


async def record_interview(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    pupil_code: str,
    *,
    consent: bool,
    notes: str | None,
    minutes: int | None,
) -> InterviewView:
    """Record (or correct) the interview with one case pupil."""
    viewer, cycle = await cycle_viewer(session, principal, cycle_id, lock=True)
    if viewer.staff_id not in viewer.attendees(cycle):
        raise Forbidden("only the group's members and an attending knowledgeable other interview")
    _in_observe(cycle, "interviewing pupils")
    viewer.require_pupil_data()
    if notes is not None and not consent:
        raise RuleBroken(
            "keep notes of an interview only with the pupil's consent",
            errors=[{"field": "notes", "message": "needs consent"}],
        )
    pupil = next(
        (p for p in await pupils_of(session, viewer.group.id) if p.code == pupil_code), None
    )
    if pupil is None:
        raise NotFound(f"the group has no pupil {pupil_code}")
    values = {
        "interviewer_id": viewer.staff_id,
        "consent": consent,
        "notes": notes,
        "minutes": minutes,
        "recorded_at": func.now(),
    }
    await session.execute(
        insert(PupilInterview)
        .values(cycle_id=cycle.id, pupil_id=pupil.id, **values)
        .on_conflict_do_update(index_elements=["cycle_id", "pupil_id"], set_=values)
    )
    found = await interviews(session, viewer, cycle)
    return next(i for i in found if i.pupil == pupil_code)


def interviews_done(found: Sequence[InterviewView]) -> int:
    """Interviews held with consent and written up."""
    return sum(1 for i in found if i.consent and i.notes)
