"""Who may schedule what.

CPD leads and admins organise lesson study for the whole school: they may ask
for suggestions, create runs, see them and accept their proposals for anyone.
Every other member of staff may do so only for requests they take part in
(as the teacher, the observed teacher, a member, an observer or the
knowledgeable other), and sees only the runs they created or take part in.
Integrations schedule nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from lessonstudy.domain.scheduling.requests import SchedulingRequest, participants
from lessonstudy.domain.scheduling.runs import SchedulingRun
from lessonstudy.domain.staff import Role
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Forbidden, NotFound

ORGANISERS = frozenset({Role.CPD_LEAD, Role.ADMIN})


def organises(principal: Principal) -> bool:
    return principal.is_staff and bool(principal.roles & ORGANISERS)


def check_may_schedule(principal: Principal, requests: Iterable[SchedulingRequest]) -> None:
    if organises(principal):
        return
    for request in requests:
        if principal.staff_id not in participants(request):
            raise Forbidden(
                "you may schedule only requests you take part in; a CPD lead or admin "
                "can schedule for others"
            )


def check_may_see(principal: Principal, run: SchedulingRun) -> None:
    """Another school's run, or one the caller has no part in, does not exist for them."""
    if run.school_id != principal.school_id:
        raise NotFound("no scheduling run with that id")
    if organises(principal) or principal.staff_id == run.created_by:
        return
    if principal.staff_id not in run.participant_ids:
        raise NotFound("no scheduling run with that id")


def visible_to(principal: Principal) -> uuid.UUID | None:
    """The staff id a run list is narrowed to, or None for all of the school's runs."""
    return None if organises(principal) else principal.staff_id
