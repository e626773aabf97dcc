"""The gateway's HTTP protocol (``BodyPieceProtocol``) under a real uvicorn server."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import os
import socket

import uvicorn

from ilios.server.gateway import BodyPieceProtocol

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
        config = uvicorn.Config(app, http=BodyPieceProtocol, lifespan="off", log_level="warning")
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
