"""The REST gateway: the original Ilios API's paths and JSON, over gRPC.

A thin FastAPI app with no database handle: every request becomes one or
more calls to the gRPC server, and every gRPC error comes back as JSON with
the HTTP status of its reason (``{"error": message, "reason": REASON}``).
The API key, from ``Authorization: Bearer`` or ``?apiKey=``, is passed on as
gRPC metadata; the server decides.
"""

from __future__ import annotations

import contextlib
import logging
import pathlib
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import swagger_ui_bundle
import uvicorn
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ilios import config, errors
from ilios.markdown import join_pages
from ilios.server import messages
from ilios.server.interceptors import bearer, from_rpc_error
from ilios.server.multipart import read_form
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.v1 import document_pb2 as document_pb

log = logging.getLogger("ilios.gateway")

MAX_MESSAGE_BYTES = 64 * 1024 * 1024 + 64 * 1024
HEALTH_TIMEOUT_S = 2.0
FORMATS = ("markdown", "json")


# --- parsing and rendering ----------------------------------------------------


def retention_days(raw: str | None) -> int:
    """A REST retentionDays value: absent means the server default."""
    if raw is None or raw == "":
        return 0
    try:
        days = int(raw)
    except ValueError:
        raise errors.InvalidRetention(value=raw) from None
    if not 1 <= days <= 3650:
        raise errors.InvalidRetention(value=raw)
    return days


def output_format(raw: str | None) -> str:
    value = (raw or "markdown").lower()
    if value not in FORMATS:
        raise errors.InvalidFormat("format must be 'markdown' or 'json'.", value=value)
    return value


def iso(ts: Any) -> str | None:
    if not ts.seconds and not ts.nanos:
        return None
    return str(ts.ToDatetime().isoformat(timespec="milliseconds")) + "Z"


def state_name(doc: document_pb.Document) -> str:
    return messages.DOCUMENT_STATE_NAMES.get(doc.state, "unknown")


def document_metadata(doc: document_pb.Document) -> dict[str, Any]:
    return {
        "pages": doc.page_count,
        "processingTimeMs": doc.processing_time_ms,
        "model": doc.model,
        "engine": messages.ENGINE_NAMES.get(doc.engine, ""),
        "fileName": doc.file_name,
        "fileSize": doc.size_bytes,
        "mimeType": doc.mime_type,
    }


def document_status(doc: document_pb.Document) -> dict[str, Any]:
    body: dict[str, Any] = {"id": doc.id, "status": state_name(doc), "fileName": doc.file_name}
    if doc.state == document_pb.DOCUMENT_STATE_COMPLETED:
        body["metadata"] = document_metadata(doc)
    if doc.error.reason:
        body["error"] = doc.error.message
        body["reason"] = doc.error.reason
    return body


def error_response(error: errors.IliosError, status: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error.message, "reason": error.reason}
    if error.details:
        body["details"] = error.details
    return JSONResponse(body, status_code=status or error.http_status)


# --- the app -------------------------------------------------------------------


def create_app(settings: config.Settings | None = None) -> FastAPI:
    settings = settings or config.load()
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        channel = grpc.aio.insecure_channel(
            settings.grpc_address,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        state["stub"] = pb_grpc.ConversionServiceStub(channel)
        state["health"] = health_pb2_grpc.HealthStub(channel)
        yield
        await channel.close()

    app = FastAPI(
        title="Ilios",
        version="0.1.0",
        summary="Documents to Markdown: the REST gateway of the Ilios gRPC service.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.mount(
        "/static/swagger-ui",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger-ui",
    )

    def stub() -> pb_grpc.ConversionServiceStub:
        stub: pb_grpc.ConversionServiceStub = state["stub"]
        return stub

    def auth(request: Request) -> list[tuple[str, str]]:
        key = bearer(request.headers.get("authorization", "")) or request.query_params.get(
            "apiKey", ""
        )
        return [("authorization", f"Bearer {key}")] if key else []

    @app.exception_handler(errors.IliosError)
    async def on_ilios_error(request: Request, exc: errors.IliosError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def on_rpc_error(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        return error_response(from_rpc_error(exc))

    # --- service ---------------------------------------------------------------

    @app.get("/", summary="List the endpoints")
    async def index() -> dict[str, Any]:
        return {
            "name": "Ilios",
            "docs": "/docs",
            "openapi": "/openapi.json",
            "endpoints": sorted(
                f"{method} {route.path}"
                for route in app.routes
                if isinstance(route, APIRoute)
                for method in route.methods or ()
                if method != "HEAD"
            ),
        }

    @app.get("/health", summary="Health of the gateway and the gRPC server")
    async def health() -> JSONResponse:
        try:
            reply = await state["health"].Check(
                health_pb2.HealthCheckRequest(), timeout=HEALTH_TIMEOUT_S
            )
            serving = reply.status == health_pb2.HealthCheckResponse.SERVING
        except grpc.aio.AioRpcError:
            serving = False
        body = {
            "status": "ok" if serving else "unavailable",
            "grpc": serving,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return JSONResponse(body, status_code=200 if serving else 503)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Ilios API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    # --- conversion ------------------------------------------------------------

    @app.post(
        "/v1/convert",
        summary="Convert one document now",
        openapi_extra=_form_schema(
            {
                "file": {"type": "string", "format": "binary"},
                "format": {"type": "string", "enum": list(FORMATS), "default": "markdown"},
                "retentionDays": {"type": "integer", "minimum": 1, "maximum": 3650},
            },
            required=["file"],
        ),
    )
    async def convert(request: Request) -> Response:
        metadata = auth(request)
        form = await read_form(
            request,
            stub(),
            metadata,
            file_fields=["file"],
            text_fields=["format", "retentionDays"],
            max_body_bytes=settings.max_file_size,
        )
        fmt = output_format(form.fields.get("format"))
        days = retention_days(form.fields.get("retentionDays"))
        if not form.files:
            raise errors.MissingFile
        upload = form.files[0]
        pages: list[document_pb.Page] = []
        completed: pb.ConvertCompleted | None = None
        request_pb = pb.ConvertRequest(
            file=pb.FileSource(upload_id=upload.response.upload_id, file_name=upload.file_name),
            retention_days=days,
        )
        async for event in stub().Convert(request_pb, metadata=metadata):
            kind = event.WhichOneof("event")
            if kind == "page":
                pages.append(event.page)
            elif kind == "completed":
                completed = event.completed
        if completed is None:
            raise errors.IliosError("The conversion ended without a result.")
        doc, usage = completed.document, completed.usage
        content = join_pages((p.number, p.markdown) for p in pages)
        if fmt == "markdown":
            return Response(
                content,
                media_type="text/markdown; charset=utf-8",
                headers={
                    "X-Document-Id": doc.id,
                    "X-Processing-Time-Ms": str(doc.processing_time_ms),
                    "X-Extracted-Pages": str(doc.page_count),
                },
            )
        return JSONResponse(
            {
                "id": doc.id,
                "content": content,
                "metadata": {
                    "model": doc.model,
                    "extractedPages": doc.page_count,
                    "processingTimeMs": doc.processing_time_ms,
                    "fileName": doc.file_name,
                    "fileSize": doc.size_bytes,
                    "mimeType": doc.mime_type,
                },
                "usage": {
                    "prompt_tokens": usage.input_tokens,
                    "completion_tokens": usage.output_tokens,
                    "total_tokens": usage.total_tokens,
                },
                "downloadUrl": f"/api/documents/{doc.id}",
            }
        )

    # --- documents -------------------------------------------------------------

    @app.get("/api/documents/status/{document_id}", summary="A document's status")
    async def document_status_route(document_id: str, request: Request) -> dict[str, Any]:
        reply = await stub().GetDocument(
            pb.GetDocumentRequest(document_id=document_id), metadata=auth(request)
        )
        return document_status(reply.document)

    @app.get("/api/documents/{document_id}", summary="A document's Markdown")
    async def document_content(
        document_id: str, request: Request, format: str | None = None
    ) -> Response:
        fmt = output_format(format)
        metadata = auth(request)
        try:
            reply = await stub().GetDocumentContent(
                pb.GetDocumentContentRequest(document_id=document_id), metadata=metadata
            )
        except grpc.aio.AioRpcError as exc:
            error = from_rpc_error(exc)
            if isinstance(error, errors.NotReady):
                doc = (
                    await stub().GetDocument(
                        pb.GetDocumentRequest(document_id=document_id), metadata=metadata
                    )
                ).document
                return JSONResponse(
                    {"id": doc.id, "status": state_name(doc), "fileName": doc.file_name},
                    status_code=202,
                )
            if isinstance(error, errors.ConversionFailed | errors.DocumentFailed):
                # The original API answers a failed document with 500 {error}.
                body = {
                    "id": document_id,
                    "status": "failed",
                    "error": error.message,
                    "reason": error.reason,
                }
                return JSONResponse(body, status_code=500)
            raise
        doc = reply.document
        if fmt == "markdown":
            return Response(
                reply.markdown,
                media_type="text/markdown; charset=utf-8",
                headers={"X-Document-Id": doc.id},
            )
        return JSONResponse(
            {"id": doc.id, "content": reply.markdown, "metadata": document_metadata(doc)}
        )

    return app


def _form_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """OpenAPI for a multipart body the route parses itself (streamed)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": properties, "required": required}
                }
            },
        }
    }


def run(settings: config.Settings, ready_file: pathlib.Path | None = None) -> int:
    """Serve the gateway on PORT with GATEWAY_WORKERS processes (port 0 picks one)."""
    from ilios.worker.supervisor import write_ready

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    uv_config = uvicorn.Config(
        "ilios.server.gateway:create_app",
        factory=True,
        workers=settings.gateway_workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    log.info(
        "REST gateway listening on port %d (%d process(es)), gRPC at %s",
        port,
        settings.gateway_workers,
        settings.grpc_address,
    )
    if ready_file:
        write_ready(ready_file, port=port)
    if settings.gateway_workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(uv_config, sockets=[sock]).run()
    else:
        uvicorn.Server(uv_config).run(sockets=[sock])
    return 0
