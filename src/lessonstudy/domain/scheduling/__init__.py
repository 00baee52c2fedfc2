"""Scheduling in the school's terms: requests in, proposals out, accepted into bookings.

The pure scheduler (`lessonstudy.scheduler`) knows slots and string ids; this
package builds its Problem from the database (`problem`), asks it for quick
suggestions (`suggestions`), runs whole solves in the worker (`runs`,
`solving`) and books accepted proposals (`accept`). Other features build a
`ResearchLessonRequest` or `ObservationRequest` from their own records and
call these functions.
"""

from lessonstudy.domain.scheduling.requests import (
    ObservationRequest,
    PeriodRef,
    Purpose,
    RequestFor,
    ResearchLessonRequest,
    SchedulingRequest,
)

__all__ = [
    "ObservationRequest",
    "PeriodRef",
    "Purpose",
    "RequestFor",
    "ResearchLessonRequest",
    "SchedulingRequest",
]
