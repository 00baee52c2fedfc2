"""Constrained types shared by request and response bodies.

Every string and list carries a limit, so no body can grow without bound and
the OpenAPI document tells clients the limits.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

import msgspec
from litestar.params import QueryParameter

from lessonstudy.pagination import DEFAULT_LIMIT, MAX_LIMIT

# Control characters (NUL above all, which PostgreSQL cannot store) are refused
# in every text field, and names must hold something visible. The classes are
# spelled out rather than written with \s, because Python's \s and JSON
# Schema's (ECMA-262) differ, and clients validate with the latter.
_TEXT = r"[^\x00-\x1f\x7f-\x9f]"
_SPACE = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_VISIBLE = rf"[^\x00-\x1f\x7f-\x9f{_SPACE}]"
_LINE = rf"^{_TEXT}*{_VISIBLE}{_TEXT}*$"
_EMAIL_PART = rf"[^@\x00-\x1f\x7f-\x9f{_SPACE}]+"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_LINE)]
ShortName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_LINE)]
# A sentence or two on one line: why something was refused, what a thing is for.
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=_LINE)]
Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3, max_length=320, pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$"
    ),
]
ExternalId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, pattern=rf"^{_VISIBLE}({_TEXT}*{_VISIBLE})?$")
]
TimeZoneName = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$", examples=["Europe/London"]
    ),
]
# Query parameters: Litestar applies QueryParameter limits, not msgspec.Meta, to queries.
Cursor = Annotated[
    str | None, QueryParameter(max_length=1000, description="The `next_cursor` of the last page.")
]
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size, 1 to {MAX_LIMIT}.")
]

T = TypeVar("T")


def from_domain(record: object, kind: type[T]) -> T:
    """The API form of a domain record or row: the same field names, checked by msgspec."""
    return msgspec.convert(record, kind, from_attributes=True)


__all__ = [
    "DEFAULT_LIMIT",
    "Cursor",
    "Email",
    "ExternalId",
    "Limit",
    "Name",
    "Reason",
    "ShortName",
    "TimeZoneName",
    "from_domain",
]
