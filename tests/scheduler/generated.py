"""Random small schools for the property tests.

Small enough that a brute-force search over every period, observer and cover
person finishes quickly, busy enough that cover, caps and clashes all bite.
"""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import strategies as st

from lessonstudy.scheduler import (
    Busy,
    Free,
    PeerObservation,
    Problem,
    Protected,
    Request,
    ResearchLesson,
    Slot,
    SlotStatus,
    StaffMember,
    Teaching,
)

from .builders import MONDAY, school, slots, supervisor, window


@st.composite
def schools(draw: st.DrawFn) -> Problem:
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    days = draw(st.integers(2, 6))
    periods = draw(st.integers(2, 4))
    n_teachers = draw(st.integers(3, 6))
    horizon = slots(days, periods)
    # A second term halfway lets per-term caps and loads differ from per-year ones.
    split = draw(st.booleans())
    horizon = tuple(
        Slot(s.date, s.period, s.week, "T2" if split and i >= len(horizon) // 2 else "T1")
        for i, s in enumerate(horizon)
    )
    teachers = [f"T{i}" for i in range(n_teachers)]
    staff: list[StaffMember] = []
    classes: dict[str, list[str]] = {}
    for person in teachers:
        classes[person] = [f"{person}c{k}" for k in range(2)]
        timetable: dict[Slot, SlotStatus] = {}
        for s in horizon:
            roll = rng.random()
            if roll < 0.05:
                continue  # not at work
            if roll < 0.55:
                timetable[s] = Teaching(rng.choice(classes[person]))
            elif roll < 0.65:
                timetable[s] = Protected(rng.choice(["PPA", "ECT"]))
            elif roll < 0.72:
                timetable[s] = Busy(rng.choice(["absent", "duty"]))
            else:
                timetable[s] = Free()
        staff.append(
            StaffMember(
                person,
                timetable=timetable,
                observes_in_protected_time=rng.random() < 0.4,
                observations_done=tuple(rng.sample(horizon, rng.randrange(3))),
                cover_done=tuple(rng.sample(horizon, rng.randrange(3))),
            )
        )
    visitor = StaffMember("KO", external=True)
    staff.append(visitor)
    supervisors = [
        supervisor(
            f"S{i}",
            [s for s in horizon if rng.random() < 0.7],
            per_day=rng.randint(1, 2),
            per_week=rng.randint(1, 4),
            per_term=rng.randint(1, 5),
            done=tuple(rng.sample(horizon, rng.randrange(3))),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    requests: list[Request] = []
    for g in range(draw(st.integers(0, 2))):
        group = rng.sample(teachers, 3 if rng.random() < 0.5 else 2)
        ko = "KO" if rng.random() < 0.3 else None
        for cycle in range(rng.randint(1, 2)):
            lead = group[cycle % len(group)]
            first, last = _window(rng, days)
            requests.append(
                ResearchLesson(
                    id=f"RL{g}-{cycle + 1}",
                    group_id=f"G{g}",
                    cycle=cycle + 1,
                    teacher=lead,
                    focus_class=rng.choice(classes[lead]),
                    members=tuple(t for t in group if t != lead),
                    knowledgeable_other=ko,
                    window=window(first, last),
                    needs_discussion=rng.random() < 0.6,
                    priority=rng.randint(1, 3),
                )
            )
    for n in range(draw(st.integers(1, 7))):
        observed = rng.choice(teachers)
        others = [t for t in teachers if t != observed]
        first, last = _window(rng, days)
        mode = rng.randrange(3)
        own = [
            s
            for s, status in staff[teachers.index(observed)].timetable.items()
            if isinstance(status, Teaching)
        ]
        requests.append(
            PeerObservation(
                id=f"PO{n}",
                observed=observed,
                observers=tuple(rng.sample(others, rng.randint(1, 2))),
                window=window(first, last),
                lesson_slot=rng.choice(own) if mode == 0 and own else None,
                class_id=rng.choice(classes[observed]) if mode == 1 else None,
                priority=rng.randint(1, 3),
                preferred_slots=frozenset(rng.sample(horizon, rng.randrange(3))),
            )
        )
    all_classes = [c for cs in classes.values() for c in cs]
    return school(
        horizon,
        staff,
        requests,
        supervisors,
        today=MONDAY - dt.timedelta(days=draw(st.integers(-1, 4))),
        notice_days=draw(st.integers(0, 2)),
        teachers_may_cover=draw(st.booleans()),
        teacher_cover_cap_per_term=draw(st.integers(0, 2)),
        classes_never_covered=frozenset(rng.sample(all_classes, rng.randrange(3))),
        max_observations_per_term=draw(st.none() | st.integers(1, 3)),
        max_observations_per_year=draw(st.none() | st.integers(1, 4)),
        discussion_within_days=draw(st.integers(0, 1)),
        min_days_between_cycles=draw(st.integers(0, 3)),
    )


def _window(rng: random.Random, days: int) -> tuple[int, int]:
    """Mostly a few days long, sometimes a single day, so that some requests barely fit."""
    first = rng.randrange(days)
    if rng.random() < 0.2:
        return first, first
    first = min(first, max(0, days - 3))
    return first, rng.randrange(min(first + 2, days - 1), days)
