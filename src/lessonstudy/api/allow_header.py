"""Correct ``Allow`` on OPTIONS answers.

Litestar 2's automatic OPTIONS handler lists only the methods of the first
handler registered for a path (litestar issue 4169, fixed in Litestar 3), so
``OPTIONS /v1/school`` said ``GET, OPTIONS`` though PATCH exists. This
middleware rewrites the header from the route's full method set; remove it
when moving to Litestar 3.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def _route_methods(app: Litestar) -> dict[str, str]:
    cached: dict[str, str] | None = getattr(app.state, "allow_by_path", None)
    if cached is None:
        cached = {
            route.path_format: ", ".join(sorted(route.methods))
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }
        app.state.allow_by_path = cached
    return cached


class AllowHeaderMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method") != "OPTIONS":
            await next_app(scope, receive, send)
            return
        allow = _route_methods(scope["litestar_app"]).get(scope.get("path_template", ""))

        async def send_with_allow(message: Message) -> None:
            if allow and message["type"] == "http.response.start":
                headers: list[Any] = [
                    (name, value) for name, value in message["headers"] if name.lower() != b"allow"
                ]
                headers.append((b"allow", allow.encode()))
                message["headers"] = headers
            await send(message)

        await next_app(scope, receive, send_with_allow)
