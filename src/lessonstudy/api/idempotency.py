"""The ``Idempotency-Key`` header on writes from integrations (rules in domain/idempotency.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.params import HeaderParameter
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import idempotency
from lessonstudy.domain.tokens import Principal

T = TypeVar("T")

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "A string unique to this request (a UUID, say), printable ASCII. A retry with the "
            "same key gets the first response and changes nothing; the same key with another "
            "body or route is refused with 422. Keys are kept for 24 hours."
        ),
    ),
]
REPLAYED = "Idempotent-Replayed"
REPLAYED_HEADER = ResponseHeader(
    name=REPLAYED,
    description="`true` when this is the stored response to an earlier request with the key.",
    documentation_only=True,
)


async def once(
    session: AsyncSession,
    principal: Principal,
    request: Request[Any, Any, Any],
    key: str | None,
    body: msgspec.Struct,
    out: type[T],
    write: Callable[[], Awaitable[T]],
) -> Response[T]:
    """Run ``write`` once per key and caller, answering retries with the stored response."""
    if key is None:
        return Response(await write())
    caller = principal.integration_client_id or principal.staff_id
    assert caller is not None

    async def run() -> tuple[int, bytes]:
        return 200, msgspec.json.encode(await write())

    stored = await idempotency.run_once(
        session,
        school_id=principal.school_id,
        caller_id=caller,
        key=key,
        fingerprint=idempotency.request_hash(
            request.method, request.url.path, msgspec.json.encode(body)
        ),
        operation=run,
    )
    return Response(
        msgspec.json.decode(stored.body, type=out),
        status_code=stored.status,
        headers={REPLAYED: "true" if stored.replayed else "false"},
    )
