"""What every peer-observation controller needs: the caller as a person, the id parameter."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar.params import PathParameter

from lessonstudy.domain.tokens import Principal

ObservationId = Annotated[uuid.UUID, PathParameter(description="The observation's id.")]


def me(principal: Principal) -> uuid.UUID:
    """The calling member of staff (every route here is guarded by ``staff_only``)."""
    assert principal.staff_id is not None
    return principal.staff_id
