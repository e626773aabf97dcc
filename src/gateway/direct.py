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
import re
import urllib.parse
from collections.abc import Callable
from typing import Annotated

import grpc
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from ilios import errors, upload_frames
from ilios.gateway import openapi, rest, shapes
from ilios.gateway.documents import DocumentId
from ilios.gateway.forms import CHUNK_BYTES, CLEAN_UP_WAIT_S
from ilios.limits import MAX_PRIORITY, MAX_RETENTION_DAYS, MIN_PRIORITY, MIN_RETENTION_DAYS
from ilios.v1 import conversion_service_pb2 as pb

# Metadata naming the reservation an Upload fills, instead of an API key (the
# server's Guard lets such an Upload in for that reservation's file only).
RESERVATION_TOKEN = "ilios-reservation-token"
RESERVATION_ACCEPTED = "ilios-reservation-accepted"  # the server's word that it takes it

# What a reservation's token looks like (secrets.token_urlsafe): anything else,
# which could not travel as gRPC metadata anyway, matches no reservation.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}")

router = APIRouter(tags=["upload-url"])  # guarded: an API key first
public = APIRouter(tags=["upload-url"])  # the PUT: its token authorizes it


def whole(
    lo: int, hi: int | None, error: type[errors.IliosError], message: str | None = None
) -> Callable[[object], int]:
    """A check for a JSON integer in [lo, hi], as JSON Schema has it (``4`` or
    ``4.0``, not ``true`` or ``"4"``, which pydantic's lax mode would take), that
    raises ``error`` (through pydantic, so the answer names the field's reason)."""

    def check(value: object) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise error(message, value=str(value)[:40])
        if value < lo or (hi is not None and value > hi):
            raise error(message, value=str(value)[:40])
        return value

    return check


FileSize = Annotated[
    int,
    BeforeValidator(
        whole(0, None, errors.InvalidRequest, "fileSize must be a whole number of bytes.")
    ),
    WithJsonSchema({"type": "integer", "minimum": 0}),
]


def _languages(value: object) -> str:
    if not isinstance(value, str):
        raise errors.InvalidLanguages(languages=str(value)[:200])
    rest.languages(value)  # raises INVALID_LANGUAGES
    return value


Languages = Annotated[str, BeforeValidator(_languages), WithJsonSchema(openapi.LANGUAGES)]
RetentionDays = Annotated[
    int,
    BeforeValidator(whole(MIN_RETENTION_DAYS, MAX_RETENTION_DAYS, errors.InvalidRetention)),
    WithJsonSchema(openapi.RETENTION),
]
Priority = Annotated[
    int,
    BeforeValidator(whole(MIN_PRIORITY, MAX_PRIORITY, errors.InvalidPriority)),
    WithJsonSchema(openapi.PRIORITY),
]


class UploadUrlRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    fileName: str = Field(max_length=1000, examples=["report.pdf"])
    fileSize: FileSize = Field(
        0,
        description="Bytes (at most the server's MAX_FILE_SIZE); the upload must send exactly "
        "these, if given.",
    )
    mimeType: str = Field("", max_length=200, examples=["application/pdf"])


class CompleteRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    retentionDays: RetentionDays | None = None
    priority: Priority | None = None
    languages: Languages | None = None


class Stored(shapes.Shape):
    id: str
    fileSize: int


@router.post(
    "/api/documents/upload-url",
    operation_id="reserveUpload",
    summary="Reserve a document whose file is sent with a plain PUT",
    description="PUT the file's bytes to `uploadUrl` before `expiresIn` seconds pass, then "
    "queue it with `/api/documents/upload-complete/{id}`.",
    response_model=shapes.UploadUrl,
    responses={
        200: {
            "description": "Reserved.",
            "links": openapi.links("document_id", "$response.body#/id", "completeUpload"),
        },
        **openapi.error_responses(
            errors.InvalidRequest, errors.FileTooLarge, errors.StorageUnavailable
        ),
    },
)
async def upload_url(body: UploadUrlRequest, request: Request) -> Response:
    limit = rest.settings(request).max_file_size
    if body.fileSize > limit:
        raise errors.FileTooLarge(limit_bytes=str(limit))
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
    operation_id="sendUpload",
    summary="Send a reserved document's bytes (the uploadUrl, when storage is local)",
    description="Its `token` (from the uploadUrl), not an API key, authorizes it.",
    response_model=Stored,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": openapi.FILE}},
        }
    },
    responses=openapi.error_responses(
        errors.InvalidRequest,
        errors.UploadNotFound,
        errors.FileTooLarge,
        errors.StorageUnavailable,
        errors.ServiceUnavailable,
        guarded=False,
    ),
)
async def upload_put(
    document_id: DocumentId,
    request: Request,
    token: Annotated[str, Query(description="The reservation's token, as in its uploadUrl.")] = "",
) -> Response:
    if not TOKEN.fullmatch(token):  # not one the server gives: no such reservation
        raise errors.UploadNotFound(
            "No reservation with this id and token: PUT to the uploadUrl as given.",
            upload_id=document_id,
        )
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
    operation_id="completeUpload",
    summary="Queue the conversion of a reserved document, once its file is sent",
    response_model=shapes.Submitted,
    responses={
        200: openapi.QUEUED,
        **openapi.error_responses(
            errors.InvalidRequest,
            errors.InvalidRetention,
            errors.InvalidPriority,
            errors.InvalidLanguages,
            errors.UploadNotFound,
            errors.UploadIncomplete,
            errors.UploadNotSent,
            errors.EmptyFile,
            errors.FileTooLarge,
            errors.UnsupportedFileType,
            errors.StorageUnavailable,
        ),
    },
)
async def upload_complete(
    document_id: DocumentId, request: Request, body: CompleteRequest | None = None
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
