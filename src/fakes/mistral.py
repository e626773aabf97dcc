"""A fake Mistral API (files and OCR) on the real wire format, for tests and development.

Run: ``python -m ilios.fakes.mistral --port 8089`` (``--port 0``: a free port;
``--ready-file F``: write ``{"pid", "port", "url"}`` to F once listening), then
``MISTRAL_SERVER_URL=http://127.0.0.1:8089``. In tests: ``with FakeMistral() as
fake:`` serves on a thread (port 0) at ``fake.url``.

API, as the ``mistralai`` SDK calls it (JSON answers, ``application/json``);
``/v1`` needs ``Authorization: Bearer <key>`` (any key, or ``--api-key``'s):

    POST   /v1/files            multipart ``file``, ``purpose`` -> file object
    GET    /v1/files/{id}/url   -> {"url"}: a signed URL served by this fake
    DELETE /v1/files/{id}       -> {"id", "object": "file", "deleted": true}
    POST   /v1/ocr              {"model", "document": document_url | image_url, "pages"}
        -> {"pages": [{"index", "markdown", "images": [], "dimensions"}], "model",
            "usage_info": {"pages_processed", "doc_size_bytes"}}

Deterministic output: a PDF page's markdown is its text layer (pdfium, lines
right-stripped); an image's is ``IMAGE_MARKDOWN`` with its pixel size.

Control: ``POST /_fake/faults`` with a JSON list replaces the fault queue. Each
request to an endpoint (upload, url, delete, ocr) takes the next fault naming
it (``"endpoint"``, default "ocr"): ``{"status": 429, "retry_after": 1,
"message": "..."}`` answers that error; ``{"hang_s": 30}`` waits, then answers;
``{"drop": true}`` closes the connection unanswered; ``{}`` passes;
``{"pages_processed": 7}`` answers normally but reports that usage.
``GET /_fake/state``: live file ids, every request (endpoint, status, ``at_ms``
since start; for OCR: model, pages, ``source``: the URL's first 40 characters),
calls per endpoint, faults left. ``POST /_fake/reset``: forget all.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import re
import signal
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ilios.fakes.mistral_ocr import IMAGE_MARKDOWN, Invalid, read_pages

__all__ = ["IMAGE_MARKDOWN", "RESOLVED_MODELS", "FakeMistral", "main"]

RESOLVED_MODELS = {"mistral-ocr-latest": "mistral-ocr-2505"}  # the alias answers as this
ROUTES = {  # (method, path pattern) -> endpoint
    ("POST", r"/v1/files"): "upload",
    ("GET", r"/v1/files/(?P<id>[^/]+)/url"): "url",
    ("DELETE", r"/v1/files/(?P<id>[^/]+)"): "delete",
    ("POST", r"/v1/ocr"): "ocr",
    ("GET", r"/_fake/files/(?P<id>[^/]+)/content"): "content",
    ("POST", r"/_fake/faults"): "faults",
    ("GET", r"/_fake/state"): "state",
    ("POST", r"/_fake/reset"): "reset",
}
API_ENDPOINTS = frozenset({"upload", "url", "delete", "ocr"})  # logged, faulted, authenticated
Reply = tuple[int, Any, dict[str, str]]  # status (-1: drop), JSON payload or bytes, headers


class FakeMistral:
    """The fake server and its state (thread-safe)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str = "") -> None:
        self.api_key = api_key
        self.verbose = False
        self.stopping = threading.Event()  # releases hanging requests
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None
        self.reset()

    @property
    def url(self) -> str:
        host, port = str(self._server.server_address[0]), self._server.server_address[1]
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"

    def start(self) -> FakeMistral:
        self._thread = threading.Thread(target=self.serve_forever, name="fake-mistral", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

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

    # --- endpoints: (headers, body, file id) -> Reply ----------------------------

    def upload(self, headers: Any, body: bytes, _: str) -> Reply:
        parts = _multipart(headers.get("Content-Type", ""), body)
        if "file" not in parts:
            raise Invalid(422, "Field required: file")
        name, mime, data = parts["file"]
        file_id = str(uuid.uuid4())
        file = {"id": file_id, "object": "file", "bytes": len(data),
                "created_at": int(time.time()), "filename": name or "upload",
                "purpose": parts.get("purpose", ("", "", b""))[2].decode(),
                "sample_type": "ocr_input", "source": "upload", "mimetype": mime or None,
                "visibility": "workspace"}  # fmt: skip
        with self._lock:
            self.files[file_id] = {**file, "data": data}
        return 200, file, {}

    def url_of(self, headers: Any, body: bytes, file_id: str) -> Reply:
        self.data_of(file_id)
        host = headers.get("Host") or urlsplit(self.url).netloc
        url = f"http://{host}/_fake/files/{file_id}/content?signature={uuid.uuid4().hex}"
        return 200, {"url": url}, {}

    def delete(self, headers: Any, body: bytes, file_id: str) -> Reply:
        self.data_of(file_id)
        with self._lock:
            self.files.pop(file_id, None)
        return 200, {"id": file_id, "object": "file", "deleted": True}, {}

    def ocr(self, headers: Any, body: bytes, _: str) -> Reply:
        model, _, url, spec = _ocr_request(body)
        pages, size = read_pages(url, spec, self.data_of)
        usage = {"pages_processed": len(pages), "doc_size_bytes": size}
        model = RESOLVED_MODELS.get(model, model)
        return 200, {"pages": pages, "model": model, "usage_info": usage}, {}

    def data_of(self, file_id: str) -> bytes:
        """The bytes of a live upload (404 if there is none)."""
        with self._lock:
            if file_id not in self.files:
                raise Invalid(404, f"File {file_id} not found")
            return self.files[file_id]["data"]


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


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str, str, bytes]]:
    """name -> (file name, content type, bytes) of each part of a multipart/form-data body."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if not boundary:
        raise Invalid(422, "Expected a multipart/form-data body")
    parts: dict[str, tuple[str, str, bytes]] = {}
    for chunk in body.split(b"--" + boundary.group(1).encode())[1:-1]:
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        text = head.decode("utf-8", "replace")
        name, filename = (
            re.search(r'\bname="([^"]*)"', text),
            re.search(r'filename="([^"]*)"', text),
        )
        mime = re.search(r"(?im)^content-type:\s*(\S+)", text)
        if name:
            parts[name.group(1)] = (
                filename.group(1) if filename else "",
                mime.group(1) if mime else "",
                data.removesuffix(b"\r\n"),
            )
    return parts


def _error(status: int, message: str | None = None, retry_after: float | None = None) -> Reply:
    """An error answer shaped like the real API's for that status."""
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    if status == 422:
        return (
            status,
            {"detail": [{"type": "value_error", "loc": ["body"], "msg": message}]},
            headers,
        )
    if status in (401, 403, 429):
        default = {401: "Unauthorized", 403: "Forbidden", 429: "Requests rate limit exceeded"}
        return status, {"message": message or default[status], "request_id": "fake"}, headers
    kind = "invalid_request_error" if status < 500 else "internal_server_error"
    body = {"object": "error", "message": message or f"HTTP {status}", "type": kind}
    return status, {**body, "param": None, "code": None}, headers


def _route(method: str, path: str) -> tuple[str, str] | None:
    """(endpoint, file id or "") of a request, None if no route matches."""
    for (verb, pattern), endpoint in ROUTES.items():
        if verb == method and (found := re.fullmatch(pattern, path)):
            return endpoint, found.groupdict().get("id", "")
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeMistral

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.fake.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def _dispatch(self) -> None:
        fake, path = self.server.fake, urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        route = _route(self.command, path)
        if route is None:
            return self._reply(404, {"detail": "Not Found"}, {})
        try:
            self._reply(*self._serve(fake, *route, path, body))
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client gave up (e.g. timed out on a hang)

    def _serve(
        self, fake: FakeMistral, endpoint: str, file_id: str, path: str, body: bytes
    ) -> Reply:
        try:
            if endpoint == "content":
                return 200, fake.data_of(file_id), {"Content-Type": "application/octet-stream"}
            if endpoint == "faults":
                fake.set_faults(json.loads(body or b"[]"))
            if endpoint == "reset":
                fake.reset()
            if endpoint not in API_ENDPOINTS:
                return 200, fake.state(), {}
            key = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            authorized = bool(key) and key == (fake.api_key or key)
            entry, fault = fake.record(endpoint, path, body, authorized)
            if not authorized:
                entry["status"] = 401
                return _error(401)
            if fault.get("hang_s"):
                fake.stopping.wait(float(fault["hang_s"]))
            if fault.get("drop"):
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                reply: Reply = (-1, None, {})
            elif fault.get("status"):
                reply = _error(int(fault["status"]), fault.get("message"), fault.get("retry_after"))
            else:
                serve = {"upload": fake.upload, "url": fake.url_of, "delete": fake.delete}
                try:
                    reply = serve.get(endpoint, fake.ocr)(self.headers, body, file_id)
                except Invalid as exc:
                    reply = _error(exc.status, str(exc))
            if reply[0] == 200 and "pages_processed" in fault:  # a scripted usage report
                reply[1]["usage_info"]["pages_processed"] = int(fault["pages_processed"])
            entry["status"] = reply[0]
            return reply
        except (Invalid, ValueError) as exc:  # a bad control request
            return _error(getattr(exc, "status", 422), str(exc))

    def _reply(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        if status < 0:  # dropped
            return
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A fake Mistral API (files + OCR).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0: any free port")
    parser.add_argument("--ready-file", type=pathlib.Path, help='write {"pid","port","url"} here')
    parser.add_argument("--api-key", default="", help="accept only this key (default: any)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    fake = FakeMistral(args.host, args.port, api_key=args.api_key)
    fake.verbose = args.verbose

    def on_sigterm(signum: int, frame: object) -> None:
        raise SystemExit(0)  # leaves serve_forever through its finally

    signal.signal(signal.SIGTERM, on_sigterm)
    if args.ready_file:
        port = int(fake.url.rsplit(":", 1)[1])
        tmp = args.ready_file.with_name(args.ready_file.name + ".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), "port": port, "url": fake.url}))
        tmp.replace(args.ready_file)
    print(f"fake Mistral API listening on {fake.url}", flush=True)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
