"""REST authentication: the caller's key, checked with the server before anything else.

Every guarded route depends on ``authenticate``: before the route reads a
parameter or a byte of its body, the key (``Authorization: Bearer KEY`` or
``?apiKey=KEY``) is checked with the server's ``AccessService.GetCaller``, so
a request without a valid key gets ``401`` before any ``4xx`` of its own, and
no upload starts for it. The gateway holds no keys: the server decides. A
verdict that a key is good (or that none is needed) is kept for
``VERDICT_TTL_S``, so busy clients cost one check every few seconds; every
call still carries the key, and the server checks it again.

A key that cannot be sent as gRPC metadata (not printable ASCII, or longer
than ``MAX_KEY_CHARS``) is refused here as invalid when the server needs a key,
and ignored when it does not.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Annotated

import grpc
from fastapi import Request, Security
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from ilios import errors
from ilios.apikeys import MAX_KEY_CHARS, bearer, key_id
from ilios.v1 import access_service_pb2 as pb
from ilios.v1 import access_service_pb2_grpc as pb_grpc

VERDICT_TTL_S = 5.0
MAX_VERDICTS = 10_000  # distinct keys remembered, at most
CHECK_TIMEOUT_S = 10.0
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_CHARS}}}")

Metadata = list[tuple[str, str]]

# The two places a key is read from (``presented_key``), as the OpenAPI document's
# security schemes: declared by ``authenticate``'s parameters, never refusing
# anything themselves.
BEARER = HTTPBearer(
    scheme_name="bearerAuth",
    description="`Authorization: Bearer KEY`: one of the keys in the server's API_KEY.",
    auto_error=False,
)
API_KEY_QUERY = APIKeyQuery(
    name="apiKey",
    scheme_name="apiKey",
    description="`?apiKey=KEY`, for clients that cannot set a header.",
    auto_error=False,
)


class Gate:
    """The server's verdicts on keys, kept for ``VERDICT_TTL_S``."""

    def __init__(self, stub: pb_grpc.AccessServiceStub) -> None:
        self.stub = stub
        self._good_until: dict[str, float] = {}  # key digest -> monotonic deadline

    async def check(self, key: str) -> Metadata:
        """The gRPC metadata for ``key`` (``""``: none sent), once the server accepts it.

        Raises the server's status (UNAUTHENTICATED: API_KEY_MISSING /
        API_KEY_INVALID without a good key; UNAVAILABLE if the server cannot be
        asked) as the gateway answers every failed call.
        """
        sendable = bool(_KEY.fullmatch(key))
        metadata: Metadata = [("authorization", f"Bearer {key}")] if sendable else []
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        now = time.monotonic()
        if self._good_until.get(digest, 0.0) > now:
            return metadata
        try:
            await self.stub.GetCaller(
                pb.GetCallerRequest(), metadata=metadata, timeout=CHECK_TIMEOUT_S
            )
        except grpc.aio.AioRpcError as exc:
            if key and not sendable and exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise errors.ApiKeyInvalid(
                    "The API key is not valid: keys are printable ASCII without spaces, "
                    f"at most {MAX_KEY_CHARS} characters."
                ) from None
            raise  # the app's handler answers it
        if len(self._good_until) >= MAX_VERDICTS:
            self._good_until = {d: t for d, t in self._good_until.items() if t > now}
            if len(self._good_until) >= MAX_VERDICTS:
                self._good_until.clear()
        self._good_until[digest] = now + VERDICT_TTL_S
        return metadata


def presented_key(request: Request) -> str:
    """The key a request presents: ``Authorization: Bearer`` first, else ``?apiKey=``."""
    return bearer(request.headers.get("authorization", "")) or request.query_params.get(
        "apiKey", ""
    )


async def authenticate(
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    _query: Annotated[str | None, Security(API_KEY_QUERY)] = None,
) -> None:
    """FastAPI dependency of every guarded route: check the key first (see the module).
    The calls that follow carry the key and the request id (``access_log``)."""
    gate: Gate = request.app.state.gate
    key = presented_key(request)
    metadata = await gate.check(key)
    request_id = getattr(request.state, "request_id", "")
    request.state.key_id = key_id(key) if metadata else ""
    request.state.grpc_metadata = (
        [*metadata, ("x-request-id", request_id)] if request_id else metadata
    )
