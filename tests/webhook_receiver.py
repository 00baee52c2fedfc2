"""A webhook receiver for tests: a real HTTP server on loopback that checks signatures.

It plays the school's MIS (or any subscriber): every POST is recorded with
whether its signature verifies against the secret it was given. What it
answers can be scripted per request: a status code, or a stall until the
test lets go (to catch a worker in the middle of a delivery).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lessonstudy.domain.webhooks.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, verify

STALL = "stall"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int | None

    @property
    def event(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    @property
    def event_id(self) -> str:
        return self.headers[EVENT_ID_HEADER.lower()]


@dataclass
class Receiver:
    url: str
    secret: str = ""
    script: list[int | str] = field(default_factory=list)
    """What to answer the next requests with, in turn; then 200."""
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Block until ``count`` requests have arrived (a deadline, not a timed assertion)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(
                    f"the receiver got {len(self.received)} request(s), expected {count}"
                )
            return list(self.received)

    def delivered_events(self) -> dict[str, dict[str, Any]]:
        """Events answered 2xx with a valid signature, by event id (duplicates dropped)."""
        return {
            r.event_id: r.event
            for r in self.received
            if r.verified and r.answered is not None and 200 <= r.answered < 300
        }


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = verify(
                receiver.secret,
                headers.get(SIGNATURE_HEADER.lower(), ""),
                body,
                now=int(time.time()),
            )
            with receiver.arrived:
                answer = receiver.script.pop(0) if receiver.script else 200
                record = Received(self.path, headers, body, verified, None)
                receiver.received.append(record)
                receiver.arrived.notify_all()
            if answer == STALL:
                receiver.release.wait(120)
                return  # the sender is gone by now; answer nothing
            status = int(answer) if verified else 401
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                return
            with receiver.arrived:
                record.answered = status

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver(url="")))
    port = server.server_address[1]
    receiver = Receiver(url=f"http://127.0.0.1:{port}/hooks/lessonstudy")
    server.RequestHandlerClass = _handler(receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
