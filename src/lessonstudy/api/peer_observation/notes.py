"""The observer's notes and the observed teacher's reflection.

Private to the two people; anyone else reads them only through a share from
the observed teacher, and each such read is logged.
"""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import JSONBody

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.peer_observation.common import ObservationId, me
from lessonstudy.api.peer_observation.schemas import (
    ObservationNotesIn,
    ObservationNotesOut,
    ObservationNoteWarning,
    ObservationPersonOut,
    ObservationReflectionIn,
    ObservationReflectionOut,
    ObservedLessonOut,
)
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import from_domain
from lessonstudy.auth import staff_only
from lessonstudy.domain.peer_observation import clock, notes, records, reflection
from lessonstudy.domain.peer_observation.models import Observation


async def _context(observation: Observation, session: Session) -> ObservedLessonOut:
    found = await records.view(session, observation)
    return ObservedLessonOut(
        observed=from_domain(found.observed, ObservationPersonOut),
        observer=from_domain(found.observer, ObservationPersonOut),
        day=observation.day,
        period=observation.period_code,
        class_code=observation.class_code,
        subject=observation.subject,
        focus=observation.focus,
        focus_tags=list(observation.focus_tags),
    )


async def notes_out(session: Session, found: notes.NotesView) -> ObservationNotesOut:
    return ObservationNotesOut(
        observation_id=found.observation.id,
        lesson=await _context(found.observation, session),
        evidence=list(found.notes.evidence),
        questions=list(found.notes.questions),
        takeaways=list(found.notes.takeaways),
        warnings=[ObservationNoteWarning(field=w.field, phrase=w.phrase) for w in found.warnings],
        created_at=found.notes.created_at,
        updated_at=found.notes.updated_at,
    )


def reflection_out(found: reflection.ReflectionView) -> ObservationReflectionOut:
    row = found.reflection
    return ObservationReflectionOut(
        observation_id=found.observation.id,
        reflection=row.reflection,
        follow_up_action=row.follow_up_action,
        follow_up_on=row.follow_up_on,
        reminded_at=row.reminded_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class ObservationNotesController(Controller):
    path = "/v1/observations/{observation_id:uuid}"
    tags = ["Peer observation"]
    guards = [staff_only]

    @put(
        "/notes",
        operation_id="writeObservationNotes",
        summary="Write the notes (the observer, once the booked lesson has begun)",
        description="Evidence against the focus, questions for the teacher, and what you take "
        "back to your own practice. Judgement language (verdicts such as 'the lesson was "
        "outstanding', 'grade 2', '3/5') is refused with each phrase listed, or kept with "
        "warnings, as the school's policy says.",
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def write_notes(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationNotesIn],
    ) -> ObservationNotesOut:
        found = await notes.write_notes(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            evidence=data.evidence,
            questions=data.questions,
            takeaways=data.takeaways,
            now=clock.now(),
        )
        return await notes_out(session, found)

    @get(
        "/notes",
        operation_id="readObservationNotes",
        summary="Read the notes (the two people, or someone they were shared with: logged)",
        responses=problem_responses(*COMMON, 404),
    )
    async def read_notes(
        self, session: Session, principal: Caller, observation_id: ObservationId
    ) -> ObservationNotesOut:
        found = await notes.read_notes(
            session, principal.school_id, observation_id, me(principal), now=clock.now()
        )
        return await notes_out(session, found)

    @put(
        "/reflection",
        operation_id="writeObservationReflection",
        summary="Write your reflection and follow-up (the observed teacher)",
        description="A reminder notification comes on the follow-up date (default: a week "
        "after the lesson, or after today if later).",
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def write_reflection(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationReflectionIn],
    ) -> ObservationReflectionOut:
        found = await reflection.write_reflection(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            reflection=data.reflection,
            follow_up_action=data.follow_up_action,
            follow_up_on=data.follow_up_on,
            now=clock.now(),
        )
        return reflection_out(found)

    @get(
        "/reflection",
        operation_id="readObservationReflection",
        summary="Read the reflection (the two people, or a share that includes it: logged)",
        responses=problem_responses(*COMMON, 404),
    )
    async def read_reflection(
        self, session: Session, principal: Caller, observation_id: ObservationId
    ) -> ObservationReflectionOut:
        found = await reflection.read_reflection(
            session, principal.school_id, observation_id, me(principal), now=clock.now()
        )
        return reflection_out(found)
