"""Errors the domain raises, each mapped to one RFC 9457 problem type.

Domain code raises these with a message a person can act on; the API layer
(``api/problems.py``) turns them, and every other exception, into
``application/problem+json``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ProblemError(Exception):
    """A refusal that the caller can understand and act on."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class BadRequest(ProblemError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class Forbidden(ProblemError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(ProblemError):
    """Also used for records of another school: their existence is not leaked."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(ProblemError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class RuleBroken(ProblemError):
    """A well-formed request that breaks one of the school's or the domain's rules."""

    status = 422
    slug = "rule-broken"
    title = "Request breaks a rule"
