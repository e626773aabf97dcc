"""The gateway's HTTP protocol (``GatewayProtocol``) under a real uvicorn server:
body pieces handed on whole, and the limits on headers and stalled requests."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import os
import socket
import threading
import time

import pytest
import uvicorn

from ilios.server import connection
from ilios.server.connection import GatewayProtocol

BODY_BYTES = 6 * 1024 * 1024
# The body goes chunked, in chunks this big: httptools hands uvicorn each chunk of
# a read separately, so one read makes many pieces, and they pile up.
CHUNK_BYTES = 8 * 1024
SLOW_TAKES = 4  # the app's first takes wait, so that pieces pile up meanwhile
SLOW_TAKE_S = 0.05
STARTUP_POLLS, STARTUP_POLL_S = 1000, 0.01  # 10 s at most


def post_chunked(port: int, body: bytes) -> tuple[int, bytes]:
    """POST ``body`` in CHUNK_BYTES chunks; the status and the response body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("POST", "/")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for start in range(0, len(body), CHUNK_BYTES):
            chunk = body[start : start + CHUNK_BYTES]
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_every_body_piece_reaches_the_app_whole_taken_at_once_or_piled_up():
    takes: list[int] = []  # body bytes in each message the app took

    async def app(scope, receive, send):
        assert scope["type"] == "http"
        digest = hashlib.sha256()
        while True:
            if len(takes) < SLOW_TAKES:
                await asyncio.sleep(SLOW_TAKE_S)  # wait-ok: a slow app, so pieces pile up meanwhile
            message = await receive()
            assert type(message["body"]) is bytes
            digest.update(message["body"])
            takes.append(len(message["body"]))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": digest.hexdigest().encode()})

    async def main() -> tuple[int, bytes]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, http=GatewayProtocol, lifespan="off", log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        for _ in range(STARTUP_POLLS):  # uvicorn says it started with a flag, not an event
            if server.started or serving.done():
                break
            await asyncio.sleep(STARTUP_POLL_S)  # wait-ok: polling that flag, bounded
        assert server.started, "uvicorn did not start"
        try:
            return await asyncio.to_thread(post_chunked, sock.getsockname()[1], body)
        finally:
            server.should_exit = True
            await serving

    body = os.urandom(BODY_BYTES)
    status, answer = asyncio.run(main())
    assert status == 200
    assert answer.decode() == hashlib.sha256(body).hexdigest()
    assert sum(takes) == BODY_BYTES
    # While the app slept, pieces piled up and were joined into one take.
    assert max(takes[:SLOW_TAKES]) > CHUNK_BYTES


# --- limits ---------------------------------------------------------------------------

HEADER_TIMEOUT_S = 1.0
BODY_IDLE_S = 1.0
# How long a test waits for what the limits promise: generous, far above them.
VERDICT_WAIT_S = 15.0


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch):
    """A real uvicorn server with GatewayProtocol and small limits; yields its port and
    the requests its app saw (method, path, body bytes or the exception it met)."""
    monkeypatch.setenv("MAX_HEADER_SIZE", "4KiB")
    monkeypatch.setenv("MAX_HEADER_COUNT", "20")
    monkeypatch.setenv("HEADER_TIMEOUT_S", str(HEADER_TIMEOUT_S))
    monkeypatch.setenv("UPLOAD_IDLE_S", str(BODY_IDLE_S))
    connection.limits.cache_clear()
    seen: list[tuple[str, str, object]] = []

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                seen.append((scope["method"], scope["path"], "disconnect"))
                return
            size += len(message["body"])
            if not message.get("more_body"):
                break
        seen.append((scope["method"], scope["path"], size))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    ready = threading.Event()
    holder: dict[str, object] = {}

    def serve() -> None:
        async def main() -> None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.bind(("127.0.0.1", 0))
            config = uvicorn.Config(app, http=GatewayProtocol, lifespan="off", log_level="warning")
            server = uvicorn.Server(config)
            holder["server"], holder["port"] = server, sock.getsockname()[1]
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            for _ in range(STARTUP_POLLS):
                if server.started or serving.done():
                    break
                await asyncio.sleep(STARTUP_POLL_S)  # wait-ok: polling uvicorn's flag, bounded
            ready.set()
            await serving

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30)
    yield holder["port"], seen
    holder["server"].should_exit = True  # type: ignore[attr-defined]
    thread.join(30)
    connection.limits.cache_clear()


def _exchange(port: int, data: bytes, wait_s: float = VERDICT_WAIT_S) -> tuple[bytes, float]:
    """Send ``data`` on a new connection; what came back before the server closed
    it, and how long that took (seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait_s) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received, time.monotonic() - started


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response else 0


def test_a_header_section_over_the_limit_is_refused_at_once(limited):
    port, seen = limited
    big = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64 * 1024 + b"\r\n\r\n"
    response, _ = _exchange(port, big)
    assert _status(response) == 431
    assert json.loads(response.split(b"\r\n\r\n", 1)[1])["reason"] == "HEADERS_TOO_LARGE"
    assert seen == []  # the app never saw it


def test_a_header_sent_without_end_is_cut_off_at_the_limit(limited):
    """The limit holds however the header arrives: it never ends here."""
    port, seen = limited
    with socket.create_connection(("127.0.0.1", port), timeout=VERDICT_WAIT_S) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        with pytest.raises(OSError):  # reset or broken pipe once the server closed
            while sent < 16 * 1024 * 1024:
                sock.sendall(b"a" * 65536)
                sent += 65536
        assert sent < 16 * 1024 * 1024
    assert seen == []


def test_too_many_header_fields_are_refused(limited):
    port, seen = limited
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(21))
    response, _ = _exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert _status(response) == 431
    assert seen == []
    # At the limit it is served.
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(18))  # with Host, Connection: 20
    response, _ = _exchange(
        port, b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + fields + b"\r\n"
    )
    assert _status(response) == 200
    assert seen == [("GET", "/ok", 0)]


def test_headers_that_stop_arriving_time_out(limited):
    port, seen = limited
    response, took_s = _exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a")
    assert _status(response) == 408
    assert json.loads(response.split(b"\r\n\r\n", 1)[1])["reason"] == "REQUEST_TIMEOUT"
    assert took_s >= HEADER_TIMEOUT_S
    assert seen == []


def test_a_connection_that_sends_nothing_is_closed(limited):
    port, _ = limited
    response, took_s = _exchange(port, b"")
    assert response == b""
    assert took_s >= HEADER_TIMEOUT_S


def test_a_body_that_stops_arriving_is_dropped_and_the_app_sees_the_client_gone(limited):
    port, seen = limited
    head = b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
    response, took_s = _exchange(port, head + b"x" * 5000)
    assert _status(response) == 408
    assert took_s >= BODY_IDLE_S
    assert seen == [("POST", "/up", "disconnect")]


def test_a_body_trickling_a_byte_at_a_time_is_dropped(limited):
    port, seen = limited
    with socket.create_connection(("127.0.0.1", port), timeout=VERDICT_WAIT_S) as sock:
        sock.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        deadline = time.monotonic() + VERDICT_WAIT_S
        with pytest.raises(OSError):
            while time.monotonic() < deadline:
                sock.sendall(b"x")
                time.sleep(0.1)  # wait-ok: the trickle itself
                if sock.recv(65536, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b"":
                    raise ConnectionResetError("closed")
    assert seen == [("POST", "/up", "disconnect")]


def test_a_body_that_keeps_coming_is_not_cut(limited):
    """Slower than the idle time in total, but never idle: served whole."""
    port, seen = limited
    with socket.create_connection(("127.0.0.1", port), timeout=VERDICT_WAIT_S) as sock:
        pieces = 6
        sock.sendall(
            b"POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % (pieces * 4096)
        )
        for _ in range(pieces):
            sock.sendall(b"x" * 4096)
            time.sleep(BODY_IDLE_S / 3)  # wait-ok: a slow but steady client
        response = sock.recv(65536)
    assert _status(response) == 200
    assert seen == [("POST", "/up", pieces * 4096)]
