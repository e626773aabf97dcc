"""A fake Mistral API (files and OCR) on the real wire format, for tests and development.

Run: ``python -m ilios.fakes.mistral --port 8089`` (``--port 0``: a free port;
``--ready-file F``: write ``{"pid", "port", "url"}`` to F once listening), then
``MISTRAL_SERVER_URL=http://127.0.0.1:8089``. In tests: ``with FakeMistral() as
fake:`` serves on a thread (port 0) at ``fake.url``. Either way it is a
Starlette app served by uvicorn, with keep-alive like the real API.

API, as the ``mistralai`` SDK calls it (JSON answers, ``application/json``);
``/v1`` needs ``Authorization: Bearer <key>`` (any key, or ``--api-key``'s):

    POST   /v1/files            multipart ``file``, ``purpose`` -> file object
    GET    /v1/files/{id}/url   -> {"url"}: a signed URL served by this fake
    DELETE /v1/files/{id}       -> {"id", "object": "file", "deleted": true}
    POST   /v1/ocr              {"model", "document": document_url | image_url, "pages"}
        -> {"pages": [{"index", "markdown", "images": [], "dimensions"}], "model",
            "usage_info": {"pages_processed", "doc_size_bytes"}}

Errors have the real API's shape for their status (``_error``); any other
route answers 404 ``{"detail": "Not Found"}``.

Deterministic output: a PDF page's markdown is its text layer (pdfium, lines
right-stripped); an image's is ``IMAGE_MARKDOWN`` with its pixel size.

Control: ``POST /_fake/faults`` with a JSON list replaces the fault queue. Each
request to an endpoint (upload, url, delete, ocr) takes the next fault naming
it (``"endpoint"``, default "ocr"): ``{"status": 429, "retry_after": 1,
"message": "..."}`` answers that error; ``{"hang_s": 30}`` waits (less if the
fake stops meanwhile), then answers; ``{"drop": true}`` closes the connection
unanswered (status -1 in the log); ``{}`` passes; ``{"pages_processed": 7}``
answers normally but reports that usage. ``GET /_fake/state``: live file ids,
every request (endpoint, status, ``at_ms`` since start; for OCR: model, pages,
``source``: the URL's first 40 characters), calls per endpoint, faults left.
``POST /_fake/reset``: forget all.

Latency: ``--ocr-latency-ms N`` (``FakeMistral(ocr_latency_s=...)``) holds every
OCR answer N ms, as a remote model's time would (bench/scale.py: workers that
mostly wait on the network).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import logging
import pathlib
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ilios.fakes.mistral_ocr import IMAGE_MARKDOWN, Invalid, read_pages
from ilios.ready import write_ready

__all__ = ["IMAGE_MARKDOWN", "RESOLVED_MODELS", "FakeMistral", "main"]

RESOLVED_MODELS = {"mistral-ocr-latest": "mistral-ocr-2505"}  # the alias answers as this
KEEP_ALIVE_S = 75  # an idle connection outlives any pause in a test: no race with its close
DROPPED = -1  # the logged status of a request whose connection was closed unanswered
DROP = "ilios.fake.drop"  # the scope extension (``_Protocol``) that closes a connection
Serve = Callable[[Request, bytes], Awaitable[dict[str, Any]]]  # (request, body) -> JSON answer
Endpoint = Callable[[Request], Awaitable[Response]]


class FakeMistral:
    """The fake server and its state (thread-safe): serves on a thread between ``start``
    and ``stop`` (or as a context manager). ``verbose``, read at start, turns on
    uvicorn's access log (INFO records of the ``uvicorn.access`` logger)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str = "",
        verbose: bool = False,
        ocr_latency_s: float = 0.0,
    ) -> None:
        self.api_key = api_key
        self.ocr_latency_s = ocr_latency_s
        self.verbose = verbose
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._stopping = asyncio.Event()  # set as the server stops: releases hanging requests
        # Bound now, so that ``url`` is known before ``start``. IPPROTO_TCP explicitly:
        # asyncio sets TCP_NODELAY only on such sockets (else keep-alive answers stall).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind((host, port))
        self._socket.listen()
        self._address: tuple[str, int] = self._socket.getsockname()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    @property
    def port(self) -> int:
        return self._address[1]

    @property
    def url(self) -> str:
        host = self._address[0]
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{self.port}"

    def start(self) -> FakeMistral:
        """Serve on a thread; return once serving."""
        config = uvicorn.Config(
            create_app(self),
            http=_Protocol,
            ws="none",
            lifespan="off",
            log_config=None,  # the process's logging decides where records go
            log_level=logging.INFO if self.verbose else None,
            timeout_keep_alive=KEEP_ALIVE_S,
        )
        self._server = server = _Server(config, self._stopping)
        self._thread = threading.Thread(
            target=server.serve_on, args=(self._socket,), name="fake-mistral", daemon=True
        )
        self._thread.start()
        server.ready.wait()
        if not server.started:
            self.stop()
            raise RuntimeError("the fake Mistral API did not start (see the log)")
        return self

    def stop(self) -> None:
        """Stop serving: hanging requests answer at once, idle connections close."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join()
        self._socket.close()

    def __enter__(self) -> FakeMistral:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.files: dict[str, dict[str, Any]] = {}  # live uploads: id -> file object + data
            self.faults: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            self.calls: collections.Counter[str] = collections.Counter()

    def set_faults(self, faults: list[dict[str, Any]]) -> None:
        if not isinstance(faults, list) or not all(isinstance(f, dict) for f in faults):
            raise Invalid(422, "faults must be a JSON list of objects")
        with self._lock:
            self.faults = [dict(f) for f in faults]

    def state(self) -> dict[str, Any]:
        with self._lock:
            requests = [dict(r) for r in self.requests]
            return {"files": sorted(self.files), "requests": requests,
                    "calls": dict(self.calls), "faults": len(self.faults)}  # fmt: skip

    def record(
        self, endpoint: str, path: str, body: bytes, authorized: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Log a request; if ``authorized``, take the next fault for its endpoint ({} if none)."""
        entry = {"endpoint": endpoint, "path": path, "status": 0}
        if endpoint == "ocr":
            try:
                model, kind, url, pages = _ocr_request(body)
                entry.update(model=model, document_type=kind, source=url[:40], pages=pages)
            except Invalid:
                pass
        with self._lock:
            self.calls[endpoint] += 1
            entry["at_ms"] = round((time.monotonic() - self._started) * 1000)
            self.requests.append(entry)
            for i, fault in enumerate(self.faults if authorized else []):
                if fault.get("endpoint", "ocr") == endpoint:
                    return entry, self.faults.pop(i)
            return entry, {}

    async def hang(self, seconds: float) -> None:
        """Wait ``seconds``, or until the server stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def add_file(self, name: str, mime: str | None, data: bytes, purpose: str) -> dict[str, Any]:
        """Keep an upload; its file object."""
        file_id = str(uuid.uuid4())
        file = {"id": file_id, "object": "file", "bytes": len(data),
                "created_at": int(time.time()), "filename": name, "purpose": purpose,
                "sample_type": "ocr_input", "source": "upload", "mimetype": mime,
                "visibility": "workspace"}  # fmt: skip
        with self._lock:
            self.files[file_id] = {**file, "data": data}
        return file

    def data_of(self, file_id: str) -> bytes:
        """The bytes of a live upload (404 if there is none)."""
        with self._lock:
            if file_id not in self.files:
                raise Invalid(404, f"File {file_id} not found")
            return self.files[file_id]["data"]

    def delete_file(self, file_id: str) -> None:
        self.data_of(file_id)
        with self._lock:
            self.files.pop(file_id, None)

    def ocr(self, body: bytes) -> dict[str, Any]:
        """The answer to an OCR request body (blocking: pdfium and Pillow)."""
        model, _, url, spec = _ocr_request(body)
        pages, size = read_pages(url, spec, self.data_of)
        usage = {"pages_processed": len(pages), "doc_size_bytes": size}
        return {"pages": pages, "model": RESOLVED_MODELS.get(model, model), "usage_info": usage}


def create_app(fake: FakeMistral) -> Starlette:
    """The fake's routes over ``fake``'s state (see the module docstring)."""

    async def upload(request: Request, body: bytes) -> dict[str, Any]:
        try:
            async with request.form() as form:
                file, purpose = form.get("file"), form.get("purpose", "")
                if not isinstance(file, UploadFile):
                    raise Invalid(422, "Field required: file")
                data = await file.read()
        except HTTPException as exc:  # python-multipart refused the body
            raise Invalid(422, exc.detail) from None
        return fake.add_file(file.filename or "upload", file.content_type, data, str(purpose))

    async def url(request: Request, body: bytes) -> dict[str, Any]:
        file_id = request.path_params["file_id"]
        fake.data_of(file_id)
        signed = request.url_for("content", file_id=file_id)  # on the Host the client asked
        return {"url": str(signed.include_query_params(signature=uuid.uuid4().hex))}

    async def delete(request: Request, body: bytes) -> dict[str, Any]:
        file_id = request.path_params["file_id"]
        fake.delete_file(file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    async def ocr(request: Request, body: bytes) -> dict[str, Any]:
        if fake.ocr_latency_s:
            await fake.hang(fake.ocr_latency_s)
        return await run_in_threadpool(fake.ocr, body)

    async def content(request: Request) -> Response:
        data = fake.data_of(request.path_params["file_id"])
        return Response(data, media_type="application/octet-stream")

    async def faults(request: Request) -> Response:
        try:
            fake.set_faults(json.loads(await request.body() or b"[]"))
        except ValueError as exc:
            raise Invalid(422, str(exc)) from None
        return JSONResponse(fake.state())

    async def state(request: Request) -> Response:
        return JSONResponse(fake.state())

    async def reset(request: Request) -> Response:
        fake.reset()
        return JSONResponse(fake.state())

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": "Not Found"}, 404)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Invalid)
        return _error(exc.status, str(exc))

    return Starlette(
        routes=[
            Route("/v1/files", _api(fake, "upload", upload), methods=["POST"]),
            Route("/v1/files/{file_id}/url", _api(fake, "url", url), methods=["GET"]),
            Route("/v1/files/{file_id}", _api(fake, "delete", delete), methods=["DELETE"]),
            Route("/v1/ocr", _api(fake, "ocr", ocr), methods=["POST"]),
            Route("/_fake/files/{file_id}/content", content, methods=["GET"], name="content"),
            Route("/_fake/faults", faults, methods=["POST"]),
            Route("/_fake/state", state, methods=["GET"]),
            Route("/_fake/reset", reset, methods=["POST"]),
        ],
        # A known path with another method is an unknown route too.
        exception_handlers={404: not_found, 405: not_found, Invalid: invalid},
    )


def _api(fake: FakeMistral, endpoint: str, serve: Serve) -> Endpoint:
    """An API endpoint: logged, authenticated, then answering its next fault or ``serve``."""

    async def handle(request: Request) -> Response:
        body = await request.body()
        key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        authorized = bool(key) and key == (fake.api_key or key)
        entry, fault = fake.record(endpoint, request.url.path, body, authorized)
        try:
            response = await answer(request, body, fault) if authorized else _error(401)
        except ValueError as exc:  # a fault's value, a data URL's base64
            response = _error(422, str(exc))
        entry["status"] = response.status_code
        return response

    async def answer(request: Request, body: bytes, fault: dict[str, Any]) -> Response:
        if fault.get("hang_s"):
            await fake.hang(float(fault["hang_s"]))
        if fault.get("drop"):
            return _Dropped()
        if fault.get("status"):
            return _error(int(fault["status"]), fault.get("message"), fault.get("retry_after"))
        try:
            payload = await serve(request, body)
        except Invalid as exc:
            return _error(exc.status, str(exc))
        if "pages_processed" in fault and "usage_info" in payload:  # a scripted usage report
            payload["usage_info"]["pages_processed"] = int(fault["pages_processed"])
        return JSONResponse(payload)

    return handle


def _ocr_request(body: bytes) -> tuple[str, str, str, Any]:
    """(model, document type, document URL, pages) of an OCR request body."""
    try:
        request = json.loads(body)
        kind = request["document"]["type"]
        url = request["document"][kind]
        url = url.get("url", "") if isinstance(url, dict) else str(url)
        return str(request["model"]), kind, url, request.get("pages")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Invalid(422, f"Invalid request body: {exc!r}") from None


def _error(status: int, message: str | None = None, retry_after: float | None = None) -> Response:
    """An error answer shaped like the real API's for that status."""
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    if status == 422:
        detail = [{"type": "value_error", "loc": ["body"], "msg": message}]
        return JSONResponse({"detail": detail}, status, headers)
    if status in (401, 403, 429):
        default = {401: "Unauthorized", 403: "Forbidden", 429: "Requests rate limit exceeded"}
        body = {"message": message or default[status], "request_id": "fake"}
        return JSONResponse(body, status, headers)
    kind = "invalid_request_error" if status < 500 else "internal_server_error"
    body = {"object": "error", "message": message or f"HTTP {status}", "type": kind}
    return JSONResponse({**body, "param": None, "code": None}, status, headers)


class _Dropped(Response):
    """No answer at all: the connection closes (through ``DROP``), as a network failure."""

    def __init__(self) -> None:
        super().__init__(status_code=DROPPED)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["extensions"][DROP]["close"]()
        # Once uvicorn has seen the connection go, it expects no answer (and sends no 500).
        while (await receive())["type"] != "http.disconnect":
            pass


class _Protocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol; each request's scope carries
    ``extensions[DROP]["close"]``, which closes its connection unanswered."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {DROP: {"close": self.transport.close}}


class _Server(uvicorn.Server):
    """uvicorn's server on a given socket: ``ready`` once serving (or failed to);
    ``stopping`` is set before it waits for the requests in flight."""

    def __init__(self, config: uvicorn.Config, stopping: asyncio.Event) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.stopping = stopping

    def serve_on(self, sock: socket.socket) -> None:
        try:
            self.run(sockets=[sock])
        finally:
            self.ready.set()  # a server that failed to start is ``ready`` but not ``started``

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.stopping.set()
        await super().shutdown(sockets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake Mistral API (files + OCR).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0: any free port")
    parser.add_argument("--ready-file", type=pathlib.Path, help='write {"pid","port","url"} here')
    parser.add_argument("--api-key", default="", help="accept only this key (default: any)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--ocr-latency-ms", type=float, default=0.0, help="hold every OCR answer this long"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # SIGTERM ends the process as Ctrl-C does: through the ``with``, which stops the server.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        with FakeMistral(
            args.host,
            args.port,
            api_key=args.api_key,
            verbose=args.verbose,
            ocr_latency_s=args.ocr_latency_ms / 1000,
        ) as fake:
            if args.ready_file:
                write_ready(args.ready_file, port=fake.port, url=fake.url)
            print(f"fake Mistral API listening on {fake.url}", flush=True)
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        if args.ready_file:
            args.ready_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
