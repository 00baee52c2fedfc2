"""The post-lesson discussion protocol (pure): who speaks when, in which order.

The discussion follows a fixed order, because the order is the point: the
evidence about each case pupil comes first, against the predictions, before
anyone says how the lesson went; then the teacher reflects; then the group
says what it learned and what changes next time; the knowledgeable other
speaks last. An entry may be added to the current step, or start the next
step once the current one is complete; anything else is out of order.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

StepName = Literal["evidence", "reflection", "learning", "changes", "final_comments"]


class Step(enum.IntEnum):
    EVIDENCE = 1
    REFLECTION = 2
    LEARNING = 3
    CHANGES = 4
    FINAL_COMMENTS = 5

    @property
    def slug(self) -> StepName:
        return _SLUGS[self]

    @classmethod
    def from_slug(cls, slug: StepName) -> Step:
        return _BY_SLUG[slug]


_SLUGS: dict[Step, StepName] = {
    Step.EVIDENCE: "evidence",
    Step.REFLECTION: "reflection",
    Step.LEARNING: "learning",
    Step.CHANGES: "changes",
    Step.FINAL_COMMENTS: "final_comments",
}
_BY_SLUG = {slug: step for step, slug in _SLUGS.items()}
STEP_SLUGS = tuple(_SLUGS.values())

_TITLES = {
    Step.EVIDENCE: "evidence about each case pupil against the predictions",
    Step.REFLECTION: "the teacher's reflection",
    Step.LEARNING: "what the group learned",
    Step.CHANGES: "what changes for the next research lesson",
    Step.FINAL_COMMENTS: "the knowledgeable other's final comments",
}


@dataclass(frozen=True, slots=True)
class Said:
    """One entry already in the discussion: its step and, for evidence, its pupil code."""

    step: Step
    pupil: str | None = None


def current_step(entries: Sequence[Said]) -> Step | None:
    return max((e.step for e in entries), default=None)


def gaps(step: Step, entries: Sequence[Said], pupils: Collection[str]) -> list[str]:
    """What ``step`` still lacks before the discussion can move past it."""
    if step is Step.EVIDENCE:
        heard = {e.pupil for e in entries if e.step is Step.EVIDENCE}
        return [f"evidence about pupil {code}" for code in sorted(pupils) if code not in heard]
    if any(e.step is step for e in entries):
        return []
    return [_TITLES[step]]


def steps_for(has_knowledgeable_other: bool) -> tuple[Step, ...]:
    if has_knowledgeable_other:
        return tuple(Step)
    return tuple(s for s in Step if s is not Step.FINAL_COMMENTS)


def refusals(
    step: Step,
    entries: Sequence[Said],
    pupils: Collection[str],
    *,
    has_knowledgeable_other: bool,
) -> list[str]:
    """Why an entry at ``step`` would be out of order now (empty: it is in order)."""
    if step not in steps_for(has_knowledgeable_other):
        return ["no knowledgeable other takes part in this discussion, so it has no final comments"]
    current = current_step(entries)
    if current is None:
        if step is Step.EVIDENCE:
            return []
        return [f"the discussion starts with {_TITLES[Step.EVIDENCE]}"]
    if step == current:
        return []
    if step < current:
        return [f"the discussion has moved on to {_TITLES[current]}; it does not go back"]
    missing = []
    for earlier in Step:
        if earlier >= step:
            break
        if earlier in steps_for(has_knowledgeable_other):
            missing += gaps(earlier, entries, pupils)
    if step > current + 1:
        missing.insert(0, f"{_TITLES[Step(current + 1)]} comes next")
    return missing


def unfinished(
    entries: Sequence[Said], pupils: Collection[str], *, has_knowledgeable_other: bool
) -> list[str]:
    """What the discussion lacks before the cycle can close."""
    missing: list[str] = []
    for step in steps_for(has_knowledgeable_other):
        missing += gaps(step, entries, pupils)
    return missing
