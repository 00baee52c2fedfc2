"""The research-lesson cycle as a state machine: the moves and their preconditions, in one place.

Pure: the caller gathers the facts about a cycle (its plan, its booking, the
observation sheets, the discussion) and asks what stands in the way of a
move. Every refusal names what is missing, so people can put it right.

    plan -> teach -> observe -> debrief -> closed
              \\-> plan   (postpone a booked lesson that was not taught)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Stage(enum.StrEnum):
    PLAN = "plan"
    TEACH = "teach"
    OBSERVE = "observe"
    DEBRIEF = "debrief"
    CLOSED = "closed"


# Where each stage may go. The one move back postpones a lesson: it releases
# the booking and reopens the plan.
MOVES: dict[Stage, tuple[Stage, ...]] = {
    Stage.PLAN: (Stage.TEACH,),
    Stage.TEACH: (Stage.OBSERVE, Stage.PLAN),
    Stage.OBSERVE: (Stage.DEBRIEF,),
    Stage.DEBRIEF: (Stage.CLOSED,),
    Stage.CLOSED: (),
}

# Stages in which the lesson is under way: the group's make-up and pupils are fixed.
IN_PROGRESS = frozenset({Stage.TEACH, Stage.OBSERVE, Stage.DEBRIEF})


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What is known about a cycle when someone asks to move it.

    Only the facts the requested move needs must be filled in; the others
    keep their defaults.
    """

    stage: Stage
    by_teacher: bool = False
    """The person asking is the cycle's teaching member."""
    reason: str | None = None
    plan_gaps: tuple[str, ...] = ()
    """What the plan lacks: learning goal, stages, teaching member, predictions."""
    booking_gaps: tuple[str, ...] = ()
    """What the booking lacks: the lesson, the class, an observer."""
    lesson_over: bool = False
    lesson_ends: str | None = None
    observers_pending: tuple[str, ...] = ()
    """Observers (by name) who have not submitted their observations."""
    debrief_gaps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    unmet: tuple[str, ...]
    """Empty when the move may go ahead."""
    override: bool = False
    """Observe -> debrief without every observer, on a recorded reason."""

    @property
    def allowed(self) -> bool:
        return not self.unmet


def decide(facts: Facts, target: Stage) -> Decision:
    """Whether a cycle may move to ``target``, and if not, every reason why."""
    allowed = MOVES[facts.stage]
    if target not in allowed:
        if not allowed:
            return Decision(("the cycle is closed; start the next cycle instead",))
        return Decision(
            (f"a cycle in {facts.stage} can move only to {' or '.join(allowed)}, not {target}",)
        )
    if target is Stage.TEACH:
        return Decision(facts.plan_gaps + facts.booking_gaps)
    if target is Stage.OBSERVE:
        if facts.lesson_over or facts.by_teacher:
            return Decision(())
        return Decision(
            (
                f"the lesson ends at {facts.lesson_ends}; until then only the teaching "
                "member can mark it taught",
            )
        )
    if target is Stage.PLAN:
        if facts.reason:
            return Decision(())
        return Decision(("give a reason for postponing the lesson",))
    if target is Stage.DEBRIEF:
        if not facts.observers_pending:
            return Decision(())
        if facts.reason:
            return Decision((), override=True)
        pending = tuple(
            f"{name} has not submitted their observations" for name in facts.observers_pending
        )
        return Decision((*pending, "or give a reason to hold the discussion without them"))
    return Decision(facts.debrief_gaps)
