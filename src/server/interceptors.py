"""gRPC interceptors: the error tree to ``google.rpc.Status``, and API keys.

``ErrorInterceptor`` is the one place where an ``IliosError`` becomes a gRPC
status: the code from the error class, its message, and one
``google.rpc.ErrorInfo`` (reason, domain ``ilios.dev``, details as metadata)
in ``grpc-status-details-bin``. Anything else that escapes a handler is a bug:
it is logged and answered as INTERNAL.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from ilios.errors import ApiKeyInvalid, ApiKeyMissing, IliosError, to_status

log = logging.getLogger("ilios.server")

# Reachable without a key: load balancers probe health, grpcurl reads reflection.
PUBLIC_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


async def _abort(context: grpc.aio.ServicerContext, exc: BaseException) -> None:
    if isinstance(exc, IliosError):
        error = exc
    else:
        log.error("unexpected error in a handler", exc_info=exc)
        error = IliosError()
    status = to_status(error)
    await context.abort(status.code, status.details, status.trailing_metadata)


def _wrap(handler: grpc.RpcMethodHandler, before: Callable[[], None]) -> grpc.RpcMethodHandler:
    """The same handler, with ``before()`` run first and errors mapped."""
    kind_args = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        inner_uu = handler.unary_unary

        async def unary_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                before()
                return await inner_uu(request, context)
            except Exception as exc:
                if isinstance(exc, grpc.aio.AbortError):
                    raise
                await _abort(context, exc)

        return grpc.unary_unary_rpc_method_handler(unary_unary, **kind_args)
    if handler.unary_stream:
        inner_us = handler.unary_stream

        async def unary_stream(
            request: Any, context: grpc.aio.ServicerContext
        ) -> AsyncIterator[Any]:
            try:
                before()
                async for item in inner_us(request, context):
                    yield item
            except Exception as exc:
                if isinstance(exc, grpc.aio.AbortError):
                    raise
                await _abort(context, exc)

        return grpc.unary_stream_rpc_method_handler(unary_stream, **kind_args)
    if handler.stream_unary:
        inner_su = handler.stream_unary

        async def stream_unary(requests: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                before()
                return await inner_su(requests, context)
            except Exception as exc:
                if isinstance(exc, grpc.aio.AbortError):
                    raise
                await _abort(context, exc)

        return grpc.stream_unary_rpc_method_handler(stream_unary, **kind_args)
    return handler  # stream-stream: none in this API (reflection handles its own)


def key_id(api_key: str) -> str:
    """A short, non-secret fingerprint of an API key (for usage records)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:12] if api_key else ""


def bearer(value: str) -> str:
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def check_key(expected: str, presented: str) -> None:
    """Raise unless ``presented`` is the configured key (no-op when auth is off)."""
    if not expected:
        return
    if not presented:
        raise ApiKeyMissing
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise ApiKeyInvalid


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Maps errors to statuses; with ``api_key`` set, also requires it."""

    def __init__(self, api_key: str = "") -> None:
        self.api_key = api_key

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or details.method.startswith(PUBLIC_PREFIXES):
            return handler
        metadata = dict(details.invocation_metadata or ())
        presented = bearer(str(metadata.get("authorization", "")))

        def authenticate() -> None:
            check_key(self.api_key, presented)

        return _wrap(handler, authenticate)
