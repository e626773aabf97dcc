"""The REST gateway: the original Ilios API's paths and JSON, over gRPC.

A thin FastAPI app with no database handle: every request becomes one or
more calls to the gRPC server, and every gRPC error comes back as JSON with
the HTTP status of its reason (``{"error": message, "reason": REASON}``).
The API key, from ``Authorization: Bearer`` or ``?apiKey=``, is checked with
the server before a route does anything else (``authentication``), then passed
on as gRPC metadata with every call. Connections are bounded by
``connection.GatewayProtocol`` (header size, time-outs).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import pathlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import fastapi_offline
import grpc
import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from grpc_health.v1 import health_pb2, health_pb2_grpc
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from ilios import config, errors
from ilios.gateway import (
    access_log,
    batches,
    direct,
    documents,
    forms,
    openapi,
    rest,
    shapes,
    usage,
)
from ilios.gateway.authentication import Gate, authenticate
from ilios.gateway.connection import CloseUnread, GatewayProtocol
from ilios.v1 import access_service_pb2_grpc as access_grpc
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.v1 import usage_service_pb2_grpc as usage_grpc

log = logging.getLogger("ilios.gateway")

# Replies as large as the server sends (a document's Markdown in one message).
MAX_RECEIVE_BYTES = 64 * 1024 * 1024 + 64 * 1024
HEALTH_TIMEOUT_S = 2.0
LISTEN_BACKLOG = 2048
KEEP_ALIVE_S = 5  # an idle keep-alive connection is closed after this long


def create_app(settings: config.Settings | None = None) -> FastAPI:
    settings = settings or config.load()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        channel = grpc.aio.insecure_channel(
            settings.grpc_address,
            options=[
                ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
                ("grpc.max_send_message_length", settings.max_message_size),
            ],
        )
        app.state.conversion = pb_grpc.ConversionServiceStub(channel)
        app.state.raw_upload = forms.raw_upload(channel)
        app.state.health = health_pb2_grpc.HealthStub(channel)
        app.state.usage = usage_grpc.UsageServiceStub(channel)
        app.state.gate = Gate(access_grpc.AccessServiceStub(channel))
        app.state.leftovers = forms.Leftovers(app.state.conversion)
        yield
        await app.state.leftovers.close()
        await channel.close()

    app = FastAPI(
        title="Ilios",
        version="0.1.0",
        summary="Documents to Markdown: the REST gateway of the Ilios gRPC service.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=openapi.TAGS,
    )
    app.state.settings = settings
    # Swagger UI 5 (it reads OpenAPI 3.1), from the fastapi-offline package: no CDN.
    app.mount(
        "/static/swagger-ui",
        StaticFiles(directory=pathlib.Path(fastapi_offline.__file__).parent / "static"),
        name="swagger-ui",
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=[*documents.EXPOSED_HEADERS, access_log.REQUEST_ID],
        max_age=600,
    )
    app.add_middleware(CloseUnread)
    app.add_middleware(access_log.AccessLog)

    @app.exception_handler(errors.IliosError)
    async def on_ilios_error(request: Request, exc: errors.IliosError) -> JSONResponse:
        return rest.error_response(exc)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def on_rpc_error(request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        # Without ErrorInfo the status is gRPC's own (server down ...): its message
        # names internal addresses, so it goes to the log and the client gets the
        # reason's message.
        error = errors.from_rpc_error(exc, keep_message=False)
        if "grpc_code" in error.details:
            log.warning(
                "%s %s: gRPC %s: %s",
                request.method,
                request.url.path,
                exc.code().name,
                exc.details(),
            )
            error.details.clear()
        return rest.error_response(error)

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException) -> Response:
        """Unknown routes and methods, in the shared error shape."""
        if exc.status_code == 405:
            allowed = exc.headers.get("Allow", "") if exc.headers else ""
            error = errors.MethodNotAllowed(
                f"{request.method} is not allowed on {request.url.path[:200]}"
                + (f": use {allowed}." if allowed else "."),
            )
            return rest.error_response(error, headers={"Allow": allowed} if allowed else None)
        if exc.status_code == 404:
            return rest.error_response(
                errors.RouteNotFound(f"No route {request.url.path[:200]}: see /docs.")
            )
        return rest.error_response(errors.InvalidRequest(str(exc.detail)), status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return rest.error_response(
            errors.InvalidRequest(f"{where}: {first.get('msg', 'invalid')}"[:300])
        )

    @app.exception_handler(ClientDisconnect)
    async def on_disconnect(request: Request, exc: ClientDisconnect) -> Response:
        log.info(
            "%s %s: the client went away before its request ended", request.method, request.url.path
        )
        return Response(status_code=499)  # nobody reads it

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return rest.error_response(errors.IliosError())

    # --- service ---------------------------------------------------------------

    @app.get(
        "/",
        tags=["service"],
        operation_id="listEndpoints",
        summary="List the endpoints",
        response_model=shapes.Index,
        responses=openapi.error_responses(guarded=False),
    )
    async def index() -> Response:
        return rest.json(
            shapes.Index(
                name="Ilios",
                docs="/docs",
                openapi="/openapi.json",
                endpoints=sorted(
                    f"{method.upper()} {path}"
                    for path, operations in app.openapi()["paths"].items()
                    for method in operations
                ),
            )
        )

    @app.get(
        "/health",
        tags=["service"],
        operation_id="getHealth",
        summary="Health of the gateway and the gRPC server",
        response_model=shapes.Health,
        responses={
            503: {"description": "The gRPC server is not serving.", "model": shapes.Health},
            **openapi.error_responses(guarded=False),
        },
    )
    async def health() -> Response:
        try:
            reply = await app.state.health.Check(
                health_pb2.HealthCheckRequest(), timeout=HEALTH_TIMEOUT_S
            )
            serving = reply.status == health_pb2.HealthCheckResponse.SERVING
        except grpc.aio.AioRpcError:
            serving = False
        body = shapes.Health(
            status="healthy" if serving else "unhealthy",
            timestamp=dt.datetime.now(dt.UTC),
            services={"gateway": "up", "server": "up" if serving else "down"},
        )
        return rest.json(body, status_code=200 if serving else 503)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Ilios API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon.png",
            # No badge from the public validator: the page loads nothing from elsewhere.
            swagger_ui_parameters={"validatorUrl": None},
        )

    guarded = [Depends(authenticate)]
    # The upload-url routes first: a fixed path (/api/documents/upload-url) is
    # matched, and its Allow given, before the template /api/documents/{id}.
    app.include_router(direct.router, dependencies=guarded)
    app.include_router(direct.public)
    app.include_router(documents.router, dependencies=guarded)
    app.include_router(batches.router, dependencies=guarded)
    app.include_router(usage.router, dependencies=guarded)

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.document(
                app, settings.max_batch_files, settings.max_file_size
            )
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
    return app


def run(settings: config.Settings, ready_file: pathlib.Path | None = None) -> int:
    """Serve the gateway on PORT with GATEWAY_WORKERS processes (port 0 picks one)."""
    from ilios.ready import write_ready

    # IPPROTO_TCP explicitly: asyncio turns TCP_NODELAY on only for sockets whose
    # protocol says TCP; without it, keep-alive responses stall ~40 ms (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(LISTEN_BACKLOG)  # accept (queue) connections before saying "ready"
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    uv_config = uvicorn.Config(
        "ilios.gateway.app:create_app",
        factory=True,
        workers=settings.gateway_workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        http=GatewayProtocol,
        timeout_keep_alive=KEEP_ALIVE_S,
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
