"""RFC 9457 problem details for every error the API returns.

Every 4xx and 5xx leaves the service as ``application/problem+json`` with a
stable ``type``, so the front-end and integrations can branch on it, and
validation failures name the field that failed.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError

from lessonstudy.errors import ProblemError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:lessonstudy:problem:"


class FieldProblem(msgspec.Struct, kw_only=True):
    """One field that failed, by its path in the request."""

    field: str
    message: str
    source: str | None = None


class ClashProblem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A seat a booking could not take: whose, when, and why, as things are now."""

    staff_id: uuid.UUID
    day: date = msgspec.field(name="date")
    period: str
    reason: str
    request_id: uuid.UUID | None = None
    """For a scheduling run's accept: the request whose proposal clashed."""


class ProblemDetails(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None
    """The fields that failed validation, when the request was refused for its content."""
    unmet: list[str] | None = None
    """The preconditions not met, when a state change was refused."""
    clashes: list[ClashProblem] | None = None
    """For a refused booking: every person and period that no longer works, and why."""


_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("rule-broken", "Request breaks a rule"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}


def problem(
    status: int,
    detail: str | None,
    *,
    slug: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    errors: list[FieldProblem] | None = None,
    unmet: list[str] | None = None,
    clashes: list[ClashProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ProblemDetails]:
    default_slug, default_title = _SLUGS.get(status, ("error", "Error"))
    body = ProblemDetails(
        type=TYPE_BASE + (slug or default_slug),
        title=title or default_title,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
        unmet=unmet,
        clashes=clashes,
    )
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]*)`")


def _field_name(item: dict[str, Any]) -> str:
    field = str(item.get("key") or item.get("field") or "")
    message = str(item.get("message", ""))
    # Litestar names the whole body "data"; point at the offending field instead.
    if field in ("", "data"):
        named = _NAMED_FIELD.search(message)
        return named.group(1) if named else "$"
    if field.startswith("data."):
        return field[len("data.") :]
    return field


def _field_problems(raw: Any) -> list[FieldProblem] | None:
    if not isinstance(raw, list):
        return None
    found = []
    for item in raw:
        if isinstance(item, dict) and "message" in item:
            found.append(
                FieldProblem(
                    field=_field_name(item),
                    message=str(item["message"]),
                    source=str(item["source"]) if item.get("source") is not None else None,
                )
            )
    return found or None


def handle_domain_error(request: Request[Any, Any, Any], exc: ProblemError) -> Response[Any]:
    errors = _field_problems(exc.extensions.get("errors"))
    unmet = exc.extensions.get("unmet")
    clashes = exc.extensions.get("clashes")
    return problem(
        exc.status,
        exc.detail,
        slug=exc.slug,
        title=exc.title,
        instance=request.url.path,
        errors=errors,
        unmet=[str(u) for u in unmet] if isinstance(unmet, list) else None,
        clashes=msgspec.convert(clashes, list[ClashProblem]) if clashes else None,
    )


def handle_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
        return problem(
            status, "the service could not complete the request", instance=request.url.path
        )
    if isinstance(exc, ValidationException):
        errors = _field_problems(exc.extra)
        if errors and all(e.message.startswith("Unsupported type") for e in errors):
            # Litestar says this when a multipart text part stands where a file must be.
            return _not_a_file(request, [e.field for e in errors])
        detail = "the request is not valid"
        if errors:
            detail += ": " + "; ".join(f"{e.field}: {e.message}" for e in errors)
        return problem(
            400,
            detail,
            slug="validation",
            title="Invalid request",
            errors=errors,
            instance=request.url.path,
        )
    headers = dict(exc.headers or {})
    return problem(status, exc.detail, instance=request.url.path, headers=headers or None)


# PostgreSQL's codes for text it cannot store (a NUL byte above all). Every text
# field refuses control characters already; this is the last line of defence.
_UNSTORABLE_TEXT = {"22021", "22P05"}


def handle_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    code = getattr(exc.orig, "sqlstate", None) or getattr(
        getattr(exc.orig, "__cause__", None), "sqlstate", None
    )
    if code in _UNSTORABLE_TEXT:
        return problem(
            400,
            "the request holds characters that cannot be stored (such as a NUL byte)",
            instance=request.url.path,
        )
    return handle_unexpected(request, exc)


def _not_a_file(request: Request[Any, Any, Any], fields: list[str]) -> Response[Any]:
    return problem(
        422,
        "a form part is not a file or not UTF-8 text; send files as file parts with a filename",
        instance=request.url.path,
        errors=[FieldProblem(field=f, message="expected a file part") for f in fields] or None,
    )


def handle_undecodable(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    """Litestar 2's multipart parser raises this for a form part that is not UTF-8.

    A part without a filename is read as a text field, so this is either a text
    field holding bytes or a file sent without a filename. The multipart body is
    well formed but its content cannot be used: 422, saying how to fix it. (Our
    own code decodes uploads explicitly and reports its own errors.)
    """
    return _not_a_file(request, [])


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Never leak internals; log with the traceback so the bug can be fixed.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "the service could not complete the request",
        instance=request.url.path,
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ProblemError: handle_domain_error,
    HTTPException: handle_http_error,
    DBAPIError: handle_database_error,
    UnicodeDecodeError: handle_undecodable,
    Exception: handle_unexpected,
}

_DESCRIPTIONS = {
    400: "The request is malformed or fails validation; `errors` names each field.",
    401: "No token, or a token that is unknown or revoked.",
    403: "The caller's role or scopes do not allow this.",
    404: "No such record in the caller's school.",
    409: "The request conflicts with the current state.",
    412: "The record changed since it was read (stale `If-Match`).",
    413: "The request body is larger than the service accepts.",
    422: "The request is well formed but breaks a rule.",
    503: "A service the API depends on is unavailable.",
}

# The errors any authenticated route may return.
COMMON = (400, 401, 403, 413)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI response entries for the problem documents a route can return."""
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            description=_DESCRIPTIONS[status],
            media_type=PROBLEM_MEDIA_TYPE,
            # Generated examples are random; the committed schema must be stable.
            generate_examples=False,
        )
        for status in sorted(set(statuses))
    }
