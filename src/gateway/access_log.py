"""One log line per REST request, and a request id that joins the gateway's log
to the server's.

``AccessLog`` (ASGI middleware) takes the client's ``X-Request-Id`` (printable
ASCII, at most 128 characters) or makes one, echoes it on the answer, and
leaves it in the request's state; ``authentication`` passes it to every gRPC
call as metadata, and the server logs it with what it refuses. The line, at
INFO on the ``ilios.access`` logger: method, path, status, bytes sent,
duration, the key's fingerprint and the request id.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ilios.access")

REQUEST_ID = "X-Request-Id"
_GIVEN_ID = re.compile(rb"[\x21-\x7e]{1,128}")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"")
        request_id = given.decode() if _GIVEN_ID.fullmatch(given) else f"req_{secrets.token_hex(8)}"
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status, sent = 0, 0

        async def sending(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %d %dB %.0fms key=%s id=%s",
                    scope["method"],
                    scope["path"][:200],
                    status,
                    sent,
                    (time.perf_counter() - started) * 1000,
                    state.get("key_id") or "-",
                    request_id,
                )
