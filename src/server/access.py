"""``ilios.v1.AccessService``: who is calling.

The key itself is checked by the interceptor (``Guard``) before any handler
runs, so a call that reaches ``GetCaller`` is authorised; it reports whether
keys are required and the caller's key fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from ilios.apikeys import bearer, key_id
from ilios.v1 import access_service_pb2 as pb
from ilios.v1 import access_service_pb2_grpc as pb_grpc


class AccessService(pb_grpc.AccessServiceServicer):
    def __init__(self, api_keys: Sequence[str]) -> None:
        self.api_keys = tuple(api_keys)

    async def GetCaller(
        self, request: pb.GetCallerRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCallerResponse:
        metadata = dict(context.invocation_metadata() or ())
        presented = bearer(str(metadata.get("authorization", "")))
        return pb.GetCallerResponse(auth_required=bool(self.api_keys), api_key_id=key_id(presented))
