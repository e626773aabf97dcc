"""REST: the original API's upload-url flow, for files sent with a plain HTTP PUT.

``POST /api/documents/upload-url`` reserves a document (``ReserveUpload``) and
answers where to PUT its bytes: a presigned S3 URL when the server stores in
S3, else this gateway's ``PUT /api/documents/upload/{id}?token=…``, which
streams the body into ``Upload`` (the token, not an API key, authorizes it, as
a presigned URL would). ``POST /api/documents/upload-complete/{id}`` then
queues the conversion (``CompleteUpload``); the id is the document's from the
start.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import urllib.parse

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ilios import errors, upload_frames
from ilios.gateway import rest, shapes
from ilios.gateway.forms import CHUNK_BYTES, CLEAN_UP_WAIT_S
from ilios.v1 import conversion_service_pb2 as pb

# Metadata naming the reservation an Upload fills, instead of an API key (the
# server's Guard lets such an Upload in for that reservation's file only).
RESERVATION_TOKEN = "ilios-reservation-token"
RESERVATION_ACCEPTED = "ilios-reservation-accepted"  # the server's word that it takes it

router = APIRouter()  # guarded: an API key first
public = APIRouter()  # the PUT: its token authorizes it


class UploadUrlRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    fileName: str = Field(max_length=1000, examples=["report.pdf"])
    fileSize: int = Field(0, ge=0, description="Bytes; checked when the upload completes.")
    mimeType: str = Field("", max_length=200, examples=["application/pdf"])


class CompleteRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    retentionDays: int | None = Field(None, ge=1, le=3650)
    priority: int | None = Field(None, ge=1, le=10)
    languages: str | None = Field(None, examples=["eng,deu"])


class Stored(shapes.Shape):
    id: str
    fileSize: int


@router.post(
    "/api/documents/upload-url",
    summary="Reserve a document whose file is sent with a plain PUT",
    response_model=shapes.UploadUrl,
    responses=rest.error_responses(400, 401, 413, 503),
)
async def upload_url(body: UploadUrlRequest, request: Request) -> Response:
    reply = await rest.stub(request).ReserveUpload(
        pb.ReserveUploadRequest(
            file_name=body.fileName, size_bytes=body.fileSize, mime_type=body.mimeType
        ),
        metadata=rest.auth(request),
    )
    url = reply.put_url
    if not url:
        token = urllib.parse.quote(reply.token, safe="")
        url = str(request.url_for("upload_put", document_id=reply.document_id)) + f"?token={token}"
    expires = reply.expire_time.ToDatetime(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
    return rest.json(
        shapes.UploadUrl(
            id=reply.document_id,
            uploadUrl=url,
            s3Key=reply.key,
            expiresIn=max(0, int(expires.total_seconds())),
        )
    )


@public.put(
    "/api/documents/upload/{document_id}",
    name="upload_put",
    summary="Send a reserved document's bytes (the uploadUrl, when storage is local)",
    response_model=Stored,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": rest.FILE}},
        }
    },
    responses=rest.error_responses(400, 404, 408, 413, 503),
)
async def upload_put(document_id: str, request: Request, token: str = "") -> Response:
    limit = rest.settings(request).max_file_size
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise errors.FileTooLarge(limit_bytes=str(limit))
    request_id = getattr(request.state, "request_id", "")
    call = request.app.state.raw_upload(
        metadata=[(RESERVATION_TOKEN, token), ("x-request-id", request_id)]
    )
    meta = pb.UploadMetadata(
        reserved_document_id=document_id,
        reserved_token=token,
        size_bytes=int(length) if length.isdigit() else 0,
    )
    sent, buffered = 0, 0
    parts: list[bytes] = []

    async def write(message: bytes) -> None:
        try:
            await call.write(message)
        except (asyncio.InvalidStateError, grpc.aio.AioRpcError):
            await call  # the server ended the call (a wrong token ...): raise its status
            raise

    try:
        await write(pb.UploadRequest(metadata=meta).SerializeToString())
        # The server checks the reservation before taking bytes: wait for its word,
        # so a refusal comes back as itself (see the server's Upload).
        said = await call.initial_metadata()  # empty: refused (the status follows)
        if not any(key == RESERVATION_ACCEPTED for key, _ in said or ()):
            await call
            raise errors.IliosError("The server neither took nor refused the upload.")
        async for piece in request.stream():
            sent += len(piece)
            if sent > limit:
                raise errors.FileTooLarge(limit_bytes=str(limit))
            parts.append(piece)
            buffered += len(piece)
            if buffered >= CHUNK_BYTES:
                await write(upload_frames.chunk_message(parts, buffered))
                parts, buffered = [], 0
        if buffered:
            await write(upload_frames.chunk_message(parts, buffered))
        await call.done_writing()
        reply = await call
    except (errors.IliosError, grpc.aio.AioRpcError, asyncio.InvalidStateError, OSError) as exc:
        await _give_up(call, exc)
        raise
    except BaseException:  # the client went away: no waiting on the server
        call.cancel()
        raise
    return rest.json(Stored(id=reply.upload_id, fileSize=reply.size_bytes))


async def _give_up(call: grpc.aio.StreamUnaryCall, exc: BaseException) -> None:
    """Abandon the upload so the server keeps nothing of it, then raise the
    server's own error if it ended the call."""
    if not call.done():
        abandon = pb.UploadRequest(abandon=pb.UploadAbandon(reason=type(exc).__name__))
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLEAN_UP_WAIT_S):
                await call.write(abandon.SerializeToString())
                await call.done_writing()
                await call
    call.cancel()


@router.post(
    "/api/documents/upload-complete/{document_id}",
    summary="Queue the conversion of a reserved document, once its file is sent",
    response_model=shapes.Submitted,
    responses=rest.error_responses(400, 401, 404, 413, 415, 503),
)
async def upload_complete(
    document_id: str, request: Request, body: CompleteRequest | None = None
) -> Response:
    body = body or CompleteRequest.model_validate({})
    reply = await rest.stub(request).CompleteUpload(
        pb.CompleteUploadRequest(
            document_id=document_id,
            retention_days=body.retentionDays or 0,
            priority=body.priority or 0,
            languages=rest.languages(body.languages),
        ),
        metadata=rest.auth(request),
    )
    return rest.json(shapes.submitted(reply.document))
