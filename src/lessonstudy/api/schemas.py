"""Constrained types shared by request and response bodies.

Every string and list carries a limit, so no body can grow without bound and
the OpenAPI document tells clients the limits.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import QueryParameter

from lessonstudy.pagination import DEFAULT_LIMIT, MAX_LIMIT

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
ShortName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
ExternalId = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]
TimeZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/London"])]
# Query parameters: Litestar applies QueryParameter limits, not msgspec.Meta, to queries.
Cursor = Annotated[
    str | None, QueryParameter(max_length=1000, description="The `next_cursor` of the last page.")
]
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")
]

__all__ = [
    "DEFAULT_LIMIT",
    "Cursor",
    "Email",
    "ExternalId",
    "Limit",
    "Name",
    "ShortName",
    "TimeZoneName",
]
