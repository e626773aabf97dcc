"""The gRPC server's one interceptor: who may call, how requests are read, and
how errors leave.

``Guard`` sees every call before any of its messages is read:

- an unknown method is refused (UNIMPLEMENTED, ``METHOD_NOT_FOUND``), and with
  ``API_KEY`` set a call without the key (UNAUTHENTICATED), by a handler that
  never reads: the client can send at most one HTTP/2 stream window (4 MiB) of
  a message nobody will decode;
- every other call's request messages are read by the guard itself, each
  within ``idle_s`` (else ``REQUEST_TIMEOUT``) and parsed with an error of its
  own (``MALFORMED_MESSAGE``). To read them itself, it serves every method as
  a stream-request method on the wire, which clients cannot tell apart; the
  service's handlers still get one request, or an iterator of them;
- an ``IliosError`` escaping a handler becomes its ``google.rpc.Status`` with
  one ``ErrorInfo``; anything else is a bug: logged, answered INTERNAL.

A message over ``MAX_MESSAGE_SIZE`` is refused by gRPC's transport before it
is read, with RESOURCE_EXHAUSTED and no ``ErrorInfo`` (the transport, not a
handler, answers it); clients map that status to ``MESSAGE_TOO_LARGE``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc

from ilios import upload_frames
from ilios.apikeys import bearer, check_key
from ilios.errors import (
    IliosError,
    InvalidRequest,
    MalformedMessage,
    MethodNotFound,
    RequestTimeout,
    to_status,
)

log = logging.getLogger("ilios.server")

# Reachable without a key: load balancers probe health, grpcurl reads reflection.
PUBLIC_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
# Metadata an Upload without a key carries: the token of the reservation it fills.
RESERVATION_TOKEN = "ilios-reservation-token"
# The initial metadata such an Upload gets once the reservation is checked.
RESERVATION_ACCEPTED = "ilios-reservation-accepted"
UPLOAD_PATH = upload_frames.PATH

Deserializer = Callable[[bytes], Any] | None


async def _abort(context: grpc.aio.ServicerContext, exc: BaseException) -> None:
    if isinstance(exc, IliosError):
        error = exc
    else:
        log.error("unexpected error in a handler", exc_info=exc)
        error = IliosError()
    status = to_status(error)
    await context.abort(status.code, status.details, status.trailing_metadata)


def _refusal(error: IliosError) -> grpc.RpcMethodHandler:
    """A handler that answers ``error`` at once, reading nothing."""

    async def refuse(requests: object, context: grpc.aio.ServicerContext) -> None:
        await _abort(context, error)

    return grpc.stream_stream_rpc_method_handler(refuse)


async def _read(context: grpc.aio.ServicerContext, idle_s: float) -> Any:
    """The next raw request message (or ``grpc.aio.EOF``), if it arrives in time."""
    try:
        async with asyncio.timeout(idle_s):
            return await context.read()
    except TimeoutError:
        raise RequestTimeout(
            f"No request data arrived for {idle_s:g} s; the call was dropped.",
            idle_s=f"{idle_s:g}",
        ) from None


def _parse(deserialize: Deserializer, raw: bytes) -> Any:
    if deserialize is None:
        return raw
    try:
        return deserialize(raw)
    except Exception as exc:  # protobuf's DecodeError, or a custom parser's error
        raise MalformedMessage(detail=type(exc).__name__) from None


async def _one(context: grpc.aio.ServicerContext, deserialize: Deserializer, idle_s: float) -> Any:
    raw = await _read(context, idle_s)
    if raw is grpc.aio.EOF:
        raise InvalidRequest("The call ended before its request message.")
    return _parse(deserialize, raw)


async def _all(
    context: grpc.aio.ServicerContext, deserialize: Deserializer, idle_s: float
) -> AsyncIterator[Any]:
    while (raw := await _read(context, idle_s)) is not grpc.aio.EOF:
        yield _parse(deserialize, raw)


def _guarded(handler: grpc.RpcMethodHandler, idle_s: float) -> grpc.RpcMethodHandler:
    """``handler`` served as a stream-request method whose messages the guard reads."""
    deserialize = handler.request_deserializer
    serialize = handler.response_serializer
    if handler.unary_unary or handler.stream_unary:
        inner_unary = handler.unary_unary or handler.stream_unary
        single = handler.unary_unary is not None

        async def to_unary(requests: object, context: grpc.aio.ServicerContext) -> Any:
            try:
                if single:
                    request = await _one(context, deserialize, idle_s)
                else:
                    request = _all(context, deserialize, idle_s)
                return await inner_unary(request, context)
            except Exception as exc:
                if isinstance(exc, grpc.aio.AbortError):
                    raise
                await _abort(context, exc)

        return grpc.stream_unary_rpc_method_handler(to_unary, response_serializer=serialize)
    if handler.unary_stream:
        inner_stream = handler.unary_stream

        async def to_stream(
            requests: object, context: grpc.aio.ServicerContext
        ) -> AsyncIterator[Any]:
            try:
                request = await _one(context, deserialize, idle_s)
                async for item in inner_stream(request, context):
                    yield item
            except Exception as exc:
                if isinstance(exc, grpc.aio.AbortError):
                    raise
                await _abort(context, exc)

        return grpc.stream_stream_rpc_method_handler(to_stream, response_serializer=serialize)
    return handler  # stream-stream: none in this API (reflection reads its own)


class Guard(grpc.aio.ServerInterceptor):
    """Authenticates, reads requests within ``idle_s``, maps errors to statuses."""

    def __init__(self, api_keys: Sequence[str] = (), idle_s: float = 60.0) -> None:
        self.api_keys = tuple(api_keys)
        self.idle_s = idle_s

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None:
            return _refusal(MethodNotFound(method=details.method))
        if not details.method.startswith(PUBLIC_PREFIXES):
            metadata = dict(details.invocation_metadata or ())
            try:
                check_key(self.api_keys, bearer(str(metadata.get("authorization", ""))))
            except IliosError as exc:
                # An Upload may carry a reservation's token instead of a key (the
                # upload-url flow): the handler then takes only that reservation's file.
                if not (details.method == UPLOAD_PATH and metadata.get(RESERVATION_TOKEN)):
                    return _refusal(exc)
        return _guarded(handler, self.idle_s)
