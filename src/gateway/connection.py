"""The gateway's HTTP/1.1 connections: uvicorn's protocol, with limits and time-outs.

uvicorn reads whatever a client sends: a header section of any size (held in
memory until it ends) and a request that never finishes. ``GatewayProtocol``
bounds both, per connection:

- the header section: at most ``MAX_HEADER_SIZE`` bytes (request line
  included) in at most ``MAX_HEADER_COUNT`` fields, else ``431``
  ``HEADERS_TOO_LARGE`` at once, without reading further; it must arrive whole
  within ``HEADER_TIMEOUT_S`` of the connection opening or of the request's
  first byte, else ``408`` ``REQUEST_TIMEOUT``;
- the body: each ``UPLOAD_IDLE_S`` must bring at least ``MIN_BODY_PROGRESS_BYTES``
  (or the end of the body), else the connection is closed (``408`` if no
  response has started) and the app sees the client gone. Time the gateway
  itself holds the client back (flow control, while the app has not taken
  what came) does not count;
- a body the app answered before reading it all (a refused form) is not read
  on: the connection is closed once the client stops sending for ``LINGER_S``
  or has sent ``LINGER_BYTES`` more (thrown away), so that a client that reads
  only after sending still gets the answer, instead of
  uvicorn's reading all of it to keep the connection.

A refusal is answered in the gateway's JSON error shape and closes the
connection. It also hands each body piece to the app as it came: uvicorn
appends pieces to a ``bytearray`` and copies that out again when the app
takes it (two copies of every uploaded byte); here an empty body is an empty
``bytes``, so uvicorn's own ``body += piece`` makes the piece itself the body.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ilios import config
from ilios.errors import HeadersTooLarge, IliosError, RequestTimeout

log = logging.getLogger("ilios.gateway")

MIN_BODY_PROGRESS_BYTES = 1024
# After an answer that left the body unread: how long, and how much body, the
# connection stays open so that a client still sending gets to read the answer.
LINGER_S = 2.0
LINGER_BYTES = 4 * 1024 * 1024
STATUS_TEXT = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


@dataclasses.dataclass(frozen=True)
class Limits:
    header_bytes: int
    header_count: int
    header_timeout_s: float
    body_idle_s: float


@functools.cache
def limits() -> Limits:
    """This process's limits, from the same settings as the app (``config.load``)."""
    settings = config.load()
    return Limits(
        settings.max_header_bytes,
        settings.max_header_count,
        settings.header_timeout_s,
        settings.upload_idle_s,
    )


class GatewayProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above (see the module docstring)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._limits = limits()
        self._in_head = True  # reading a header section (from the first byte)
        self._head_bytes = 0
        self._head_fields = 0
        self._refused = False  # answered and closing: ignore whatever else arrives
        self._too_many_fields = False
        self._body_bytes = 0  # received since the body timer last looked
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._linger_left = -1  # >= 0: closing, bytes of body still thrown away
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._linger_left >= 0:
            self._linger_left -= len(data)
            if self._linger_left < 0:
                self.transport.close()
            else:
                self._arm_linger_timer()  # still sending: wait for the rest
            return
        # A header section is parsed at most up to its limit: uvicorn holds it in memory.
        while self._in_head and len(data) > self._head_room():
            room = self._head_room()
            head, data = data[:room], data[room:]
            self._head_bytes += len(head)
            if not self._feed(head):
                return
            if self._in_head:
                self._refuse(
                    431,
                    HeadersTooLarge(
                        f"The request's header section is over {self._limits.header_bytes} bytes.",
                        limit_bytes=str(self._limits.header_bytes),
                    ),
                )
                return
        if self._in_head:
            self._head_bytes += len(data)
        self._feed(data)

    def _feed(self, data: bytes) -> bool:
        """Parse ``data``; False once the connection is refused or closing."""
        super().data_received(data)
        if self._too_many_fields and not self._refused:
            self._refuse(
                431,
                HeadersTooLarge(
                    f"The request has more than {self._limits.header_count} header fields.",
                    limit_fields=str(self._limits.header_count),
                ),
            )
        return not (self._refused or self.transport.is_closing())

    def _head_room(self) -> int:
        return max(0, self._limits.header_bytes - self._head_bytes)

    # --- parser callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._refused:
            return
        self._in_head = True
        if self._head_timer is None:
            self._arm_head_timer()
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if not self._refused:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused:
            return
        self._head_fields += 1
        if self._head_fields > self._limits.header_count:
            self._too_many_fields = True  # answered once the parser returns
        if self._too_many_fields:
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused or self._too_many_fields:
            return
        self._in_head = False
        self._head_bytes = self._head_fields = 0
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().on_headers_complete()
        self._body_bytes = 0
        self._arm_body_timer()

    def on_body(self, body: bytes) -> None:
        if self._refused or self._too_many_fields:
            return
        self._body_bytes += len(body)
        if self.cycle is not None and not self.cycle.body:
            self.cycle.body = b""  # type: ignore[assignment]  # bytes: see the module docstring
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused or self._too_many_fields:
            return
        self._in_head = True  # the next request's bytes count from here
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        cycle = self.cycle
        if cycle is not None and cycle.more_body and not self.transport.is_closing():
            self._linger()  # answered before the body ended: read no more of it
            return
        super().on_response_complete()

    def _linger(self) -> None:
        self._cancel_timers()
        self._linger_left = LINGER_BYTES
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._arm_linger_timer()

    def _arm_linger_timer(self) -> None:
        if self._head_timer is not None:  # the one timer left while lingering
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(LINGER_S, self.transport.close)

    # --- time-outs ------------------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self._limits.header_timeout_s, self._head_late)

    def _head_late(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self._head_bytes == 0:  # nothing of a request came: an idle connection
            self.transport.close()
            return
        self._refuse(
            408,
            RequestTimeout(
                f"The request's headers did not arrive within {self._limits.header_timeout_s:g} s.",
                timeout_s=f"{self._limits.header_timeout_s:g}",
            ),
        )

    def _arm_body_timer(self) -> None:
        self._body_timer = self.loop.call_later(self._limits.body_idle_s, self._body_check)

    def _body_check(self) -> None:
        self._body_timer = None
        cycle = self.cycle
        if cycle is None or not cycle.more_body or self.transport.is_closing():
            return
        if self.flow.read_paused or self._body_bytes >= MIN_BODY_PROGRESS_BYTES:
            self._body_bytes = 0  # moving, or held back by us: look again later
            self._arm_body_timer()
            return
        log.info(
            "closing a connection whose request body stalled (%d bytes in %g s)",
            self._body_bytes,
            self._limits.body_idle_s,
        )
        error = RequestTimeout(
            f"The request body stopped arriving (less than {MIN_BODY_PROGRESS_BYTES} bytes "
            f"in {self._limits.body_idle_s:g} s).",
            idle_s=f"{self._limits.body_idle_s:g}",
        )
        if cycle.response_started:
            cycle.disconnected = True
            self.transport.close()
        else:
            self._refuse(408, error)

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None

    # --- refusing -------------------------------------------------------------------------

    def _refuse(self, status: int, error: IliosError) -> None:
        """Answer ``error`` as JSON and close the connection; the app, if one runs for
        this request, sees the client gone."""
        self._refused = True
        self._cancel_timers()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        body = json.dumps({"error": error.message, "reason": error.reason}).encode()
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % (status, STATUS_TEXT[status], len(body))
        )
        self.transport.write(head + body)
        self.transport.close()


class CloseUnread:
    """ASGI middleware: an answer that starts before the request's body was read to
    its end says ``Connection: close`` (``GatewayProtocol`` will read no more of
    that body), so the client does not send its next request on this connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"0")
        unread = length != b"0" or b"transfer-encoding" in headers

        async def receiving() -> Message:
            nonlocal unread
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body"):
                unread = False
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and unread:
                message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        await self.app(scope, receiving, sending)
