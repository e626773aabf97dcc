"""REST: converting one document, and the ``/api/documents`` paths of the original API."""

from __future__ import annotations

import json
import pathlib
import urllib.parse
from collections.abc import AsyncIterator
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from ilios import errors
from ilios.gateway import openapi, rest, shapes
from ilios.gateway.forms import Form, UploadedFile, read_form
from ilios.markdown import join_pages
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2 as document_pb

router = APIRouter(tags=["documents"])
DocumentId = Annotated[
    str,
    Path(
        description="The document's id, as submit or convert answered it.",
        examples=["doc_01jjbq4m7c3v9k2x8r5t6w1y0z"],
    ),
]
NDJSON = "application/x-ndjson; charset=utf-8"
# Headers a browser client may read (CORS): what the original's clients read.
EXPOSED_HEADERS = (
    "X-Document-Id",
    "X-Processing-Time-Ms",
    "X-Extracted-Pages",
    "Content-Disposition",
)
MARKDOWN_HEADERS = {
    "X-Document-Id": {"description": "With Markdown.", "schema": {"type": "string"}},
    "X-Processing-Time-Ms": {
        "description": "With Markdown (/v1/convert).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-Extracted-Pages": {
        "description": "With Markdown (/v1/convert).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Content-Disposition": {
        "description": 'With Markdown: `inline; filename="NAME.md"`.',
        "schema": {"type": "string"},
    },
}


async def _one_file(
    request: Request, metadata: list[tuple[str, str]], text_fields: list[str]
) -> tuple[Form, UploadedFile]:
    """Stream a single-file form (field ``file``) into an upload; MISSING_FILE without one."""
    form = await read_form(
        request,
        metadata,
        file_fields=["file"],
        text_fields=text_fields,
        max_files=1,
        max_body_bytes=rest.settings(request).max_file_size,
        max_file_bytes=rest.settings(request).max_file_size,
    )
    if not form.files:
        raise errors.MissingFile
    return form, form.files[0]


def _markdown_disposition(file_name: str) -> str:
    """``inline; filename="NAME.md"``: the original's name with ``.md``, header-safe."""
    name = pathlib.PurePath(file_name or "document").stem + ".md"
    plain = name.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
    return f"inline; filename=\"{plain}\"; filename*=UTF-8''{urllib.parse.quote(name)}"


def _streaming(request: Request, form: Form) -> bool:
    """Whether the caller asked for one JSON line per event (``Accept`` or ``stream``)."""
    in_form = rest.flag(form.fields.get("stream"), "stream")
    in_query = rest.flag(rest.query(request, "stream"), "stream")
    return "application/x-ndjson" in request.headers.get("accept", "") or in_form or in_query


@router.post(
    "/v1/convert",
    operation_id="convertDocument",
    response_class=Response,  # its content types are declared below
    summary="Convert one document now",
    description=(
        "Stores the file, converts it at top priority and answers once it is done: "
        "Markdown (with `X-Document-Id`, `X-Processing-Time-Ms`, `X-Extracted-Pages`) "
        "or, with `format=json`, the document and its usage. With "
        "`Accept: application/x-ndjson` (or `stream=true`) it answers one JSON line per "
        "event as the worker produces it: `accepted`, each `page`, then `completed` (or "
        "`error`)."
    ),
    openapi_extra={
        **openapi.multipart(
            {
                "file": openapi.FILE,
                "format": {
                    "type": "string",
                    "enum": list(rest.FORMATS),
                    "default": "markdown",
                    "description": "The answer: Markdown, or the document as JSON.",
                },
                "retentionDays": openapi.RETENTION,
                "languages": openapi.LANGUAGES,
                "stream": openapi.STREAM,
            },
            required=["file"],
            files=("file",),
        ),
        "parameters": [openapi.parameter("stream", openapi.STREAM, openapi.STREAM_TEXT)],
    },
    responses={
        200: {
            "description": "The Markdown, the JSON result, or the event stream.",
            "headers": MARKDOWN_HEADERS,
            "content": {
                "text/markdown": {
                    "schema": {"type": "string"},
                    "example": openapi.MARKDOWN_EXAMPLE,
                },
                "application/json": {"schema": openapi.ref(shapes.Converted)},
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": "One JSON object per line: `{event: accepted, document}`, "
                        "`{event: page, page: {number, markdown}}` per page, then `{event: "
                        "completed, document, usage: {pages, totalTokens}}` or `{event: error, "
                        "error, reason}`; `document` as /api/documents/status answers it.",
                    },
                    "example": openapi.EVENTS_EXAMPLE,
                },
            },
        },
        **openapi.error_responses(
            *openapi.FORM,
            errors.MissingFile,
            errors.EmptyFile,
            errors.InvalidFormat,
            errors.InvalidRetention,
            errors.InvalidLanguages,
            errors.TooManyFiles,
            errors.FileTooLarge,
            errors.StorageUnavailable,
            *openapi.family(errors.ConversionFailed),
            *openapi.family(errors.DocumentFailed),
            *openapi.family(errors.TransientError),
        ),
    },
)
async def convert(request: Request) -> Response:
    metadata = rest.auth(request)
    stub = rest.stub(request)
    form, upload = await _one_file(
        request, metadata, ["format", "retentionDays", "languages", "stream"]
    )
    async with form.in_use():
        fmt = rest.output_format(form.fields.get("format"))
        days = rest.retention_days(form.fields.get("retentionDays"))
        langs = rest.languages(form.fields.get("languages"))
        streaming = _streaming(request, form)
        call = stub.Convert(
            pb.ConvertRequest(file=upload.source, retention_days=days, languages=langs),
            metadata=metadata,
        )
        first = await call.read()  # a refusal (bad type, engine) surfaces here, as a status
    if streaming:
        return StreamingResponse(_events(call, first), media_type=NDJSON)
    pages: list[pb.ConvertResponse] = []
    completed: pb.ConvertCompleted | None = None
    event = first
    while event is not grpc.aio.EOF:
        kind = event.WhichOneof("event")
        if kind == "page":
            pages.append(event)
        elif kind == "completed":
            completed = event.completed
        event = await call.read()
    if completed is None:
        raise errors.IliosError("The conversion ended without a result.")
    doc, usage = completed.document, completed.usage
    content = join_pages((e.page.number, e.page.markdown) for e in pages)
    if fmt == "markdown":
        return Response(
            content,
            media_type=rest.MARKDOWN,
            headers={
                "X-Document-Id": doc.id,
                "X-Processing-Time-Ms": str(doc.processing_time_ms),
                "X-Extracted-Pages": str(doc.page_count),
                "Content-Disposition": _markdown_disposition(doc.file_name),
            },
        )
    return rest.json(
        shapes.Converted(
            id=doc.id,
            content=content,
            metadata=shapes.ConvertMetadata(
                model=doc.model,
                extractedPages=doc.page_count,
                processingTimeMs=doc.processing_time_ms,
                fileName=doc.file_name,
                fileSize=doc.size_bytes,
                mimeType=doc.mime_type,
            ),
            usage=shapes.TokenUsage(
                prompt_tokens=usage.input_tokens,
                completion_tokens=usage.output_tokens,
                total_tokens=usage.total_tokens,
            ),
            downloadUrl=shapes.download_url(doc.id),
        )
    )


async def _events(call: Any, first: Any) -> AsyncIterator[bytes]:
    """The Convert stream as JSON lines: the same events as gRPC's, as they come."""
    event = first
    try:
        while event is not grpc.aio.EOF:
            kind = event.WhichOneof("event")
            line: dict[str, Any] = {"event": kind}
            if kind == "accepted":
                line["document"] = shapes.document_status(event.accepted).model_dump(mode="json")
            elif kind == "page":
                line["page"] = {"number": event.page.number, "markdown": event.page.markdown}
            elif kind == "completed":
                line["document"] = shapes.document_status(event.completed.document).model_dump(
                    mode="json"
                )
                usage = event.completed.usage
                line["usage"] = {"pages": usage.pages, "totalTokens": usage.total_tokens}
            yield json.dumps(line).encode() + b"\n"
            event = await call.read()
    except grpc.aio.AioRpcError as exc:  # the status line is sent: the error is a line too
        error = errors.from_rpc_error(exc, keep_message=False)
        yield json.dumps(
            {"event": "error", "error": error.message, "reason": error.reason}
        ).encode()
        yield b"\n"


@router.post(
    "/api/documents/submit",
    operation_id="submitDocument",
    summary="Queue one document (asynchronous)",
    description="Follow it with `/api/documents/status/{id}`, then read it from "
    "`/api/documents/{id}`.",
    openapi_extra=openapi.multipart(
        {
            "file": openapi.FILE,
            "retentionDays": openapi.RETENTION,
            "priority": openapi.PRIORITY,
            "languages": openapi.LANGUAGES,
        },
        required=["file"],
        files=("file",),
    ),
    response_model=shapes.Submitted,
    responses={
        200: openapi.QUEUED,
        **openapi.error_responses(
            *openapi.FORM,
            errors.MissingFile,
            errors.EmptyFile,
            errors.InvalidRetention,
            errors.InvalidLanguages,
            errors.InvalidPriority,
            errors.TooManyFiles,
            errors.FileTooLarge,
            errors.UnsupportedFileType,
            errors.StorageUnavailable,
        ),
    },
)
async def submit(request: Request) -> Response:
    metadata = rest.auth(request)
    stub = rest.stub(request)
    form, upload = await _one_file(request, metadata, ["retentionDays", "priority", "languages"])
    async with form.in_use():
        days = rest.retention_days(form.fields.get("retentionDays"))
        prio = rest.priority(form.fields.get("priority"))
        langs = rest.languages(form.fields.get("languages"))
        reply = await stub.SubmitDocument(
            pb.SubmitDocumentRequest(
                file=upload.source, retention_days=days, priority=prio, languages=langs
            ),
            metadata=metadata,
        )
    return rest.json(shapes.submitted(reply.document))


@router.get(
    "/api/documents/status/{document_id}",
    operation_id="getDocumentStatus",
    summary="A document's status",
    response_model=shapes.DocumentStatus,
    responses=openapi.error_responses(errors.DocumentNotFound),
)
async def status(document_id: DocumentId, request: Request) -> Response:
    reply = await rest.stub(request).GetDocument(
        pb.GetDocumentRequest(document_id=document_id), metadata=rest.auth(request)
    )
    return rest.json(shapes.document_status(reply.document))


@router.get(
    "/api/documents/{document_id}",
    operation_id="getDocument",
    response_class=Response,  # its content types are declared below
    summary="A document's Markdown",
    description=(
        "The Markdown (`format=markdown`, the default) or JSON (`format=json`); 202 while "
        "the document is pending or processing, 500 with the reason if its conversion failed."
    ),
    openapi_extra={
        "parameters": [
            openapi.parameter(
                "format",
                {"type": "string", "enum": list(rest.FORMATS), "default": "markdown"},
                "The answer: Markdown, or the document as JSON.",
            )
        ]
    },
    responses={
        200: {
            "description": "The converted document.",
            "headers": MARKDOWN_HEADERS,
            "content": {
                "text/markdown": {
                    "schema": {"type": "string"},
                    "example": openapi.MARKDOWN_EXAMPLE,
                },
                "application/json": {"schema": openapi.ref(shapes.DocumentContent)},
            },
        },
        202: {"description": "Not converted yet.", "model": shapes.DocumentWaiting},
        **openapi.error_responses(
            errors.InvalidFormat,
            errors.DuplicateField,
            errors.DocumentNotFound,
            errors.DocumentArchived,
            alternatives={500: shapes.DocumentFailed},
        ),
    },
)
async def content(document_id: DocumentId, request: Request) -> Response:
    fmt = rest.output_format(rest.query(request, "format"))
    metadata = rest.auth(request)
    stub = rest.stub(request)
    try:
        reply = await stub.GetDocumentContent(
            pb.GetDocumentContentRequest(document_id=document_id), metadata=metadata
        )
    except grpc.aio.AioRpcError as exc:
        error = errors.from_rpc_error(exc)
        if isinstance(error, errors.NotReady):
            doc = (
                await stub.GetDocument(
                    pb.GetDocumentRequest(document_id=document_id), metadata=metadata
                )
            ).document
            waiting = shapes.DocumentWaiting(
                id=doc.id, status=shapes.state_name(doc), fileName=doc.file_name
            )
            return rest.json(waiting, status_code=202)
        if not isinstance(error, errors.ConversionFailed | errors.DocumentFailed):
            if (
                not isinstance(error, errors.TransientError)
                and type(error) is not errors.IliosError
            ):
                raise
            # A document whose last attempt failed on a transient error (or a bug) keeps
            # that reason: only its state tells it from a server that cannot answer now.
            doc = (
                await stub.GetDocument(
                    pb.GetDocumentRequest(document_id=document_id), metadata=metadata
                )
            ).document
            if doc.state != document_pb.DOCUMENT_STATE_FAILED:
                raise
        failed = shapes.DocumentFailed(
            id=document_id, status="failed", error=error.message, reason=error.reason
        )
        return rest.json(failed, status_code=500)  # as the original answers it
    doc = reply.document
    if fmt == "markdown":
        return Response(
            reply.markdown,
            media_type=rest.MARKDOWN,
            headers={
                "X-Document-Id": doc.id,
                "Content-Disposition": _markdown_disposition(doc.file_name),
            },
        )
    return rest.json(
        shapes.DocumentContent(
            id=doc.id,
            content=reply.markdown,
            fileName=doc.file_name,
            fileSize=doc.size_bytes,
            createdAt=shapes.moment(doc.create_time),
            processedAt=shapes.moment(doc.process_time),
            downloadUrl=shapes.download_url(doc.id),
            metadata=shapes.metadata(doc),
        )
    )


@router.get(
    "/api/documents/{document_id}/original",
    operation_id="getDocumentOriginal",
    response_class=Response,  # its content types are declared below
    summary="The original file (streamed)",
    responses={
        200: {
            "description": "The original bytes, with the type they were found to be "
            "(`application/octet-stream`: a batch file that was not a document) and their name.",
            "headers": {
                "Content-Disposition": {
                    "description": "`attachment; filename*=UTF-8''NAME`",
                    "schema": {"type": "string"},
                },
                "X-Document-Id": {"schema": {"type": "string"}},
            },
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in [*openapi.ACCEPTED_TYPES, "application/octet-stream"]
            },
        },
        302: {"description": "In S3 storage: a short-lived URL to fetch the original from."},
        **openapi.error_responses(
            errors.DocumentNotFound, errors.DocumentArchived, errors.StorageUnavailable
        ),
    },
)
async def original(document_id: DocumentId, request: Request) -> Response:
    call = rest.stub(request).ReadOriginal(
        pb.ReadOriginalRequest(document_id=document_id, prefer_url=True),
        metadata=rest.auth(request),
    )
    first = await call.read()  # errors (not found, archived) surface here, before headers
    if first is grpc.aio.EOF or first.WhichOneof("part") != "metadata":
        raise errors.IliosError("The original's stream ended without its metadata.")
    if first.download_url:  # in S3: fetched from there, as the original API does
        call.cancel()
        return RedirectResponse(first.download_url, status_code=302)
    doc = first.metadata

    async def body() -> AsyncIterator[bytes]:
        while (message := await call.read()) is not grpc.aio.EOF:
            yield message.chunk

    quoted = urllib.parse.quote(doc.file_name)
    return StreamingResponse(
        body(),
        media_type=doc.mime_type or "application/octet-stream",
        headers={
            "Content-Length": str(doc.size_bytes),
            "Content-Disposition": f"attachment; filename*=UTF-8''{quoted}",
            "X-Document-Id": doc.id,
        },
    )
