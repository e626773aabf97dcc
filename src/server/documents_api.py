"""REST: converting one document, and the legacy ``/api/documents`` paths."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ilios import errors
from ilios.markdown import join_pages
from ilios.server import rest
from ilios.server.multipart import Form, UploadedFile, read_form
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2 as document_pb

router = APIRouter()


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


@router.post(
    "/v1/convert",
    summary="Convert one document now",
    openapi_extra=rest.form_schema(
        {
            "file": rest.FILE,
            "format": {"type": "string", "enum": list(rest.FORMATS), "default": "markdown"},
            "retentionDays": rest.RETENTION,
        },
        required=["file"],
    ),
)
async def convert(request: Request) -> Response:
    metadata = rest.auth(request)
    stub = rest.stub(request)
    form, upload = await _one_file(request, metadata, ["format", "retentionDays"])
    pages: list[document_pb.Page] = []
    completed: pb.ConvertCompleted | None = None
    async with form.in_use():
        fmt = rest.output_format(form.fields.get("format"))
        days = rest.retention_days(form.fields.get("retentionDays"))
        call = stub.Convert(
            pb.ConvertRequest(file=upload.source, retention_days=days), metadata=metadata
        )
        async for event in call:
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
            media_type=rest.MARKDOWN,
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


@router.post(
    "/api/documents/submit",
    summary="Queue one document (asynchronous)",
    openapi_extra=rest.form_schema(
        {"file": rest.FILE, "retentionDays": rest.RETENTION, "priority": rest.PRIORITY},
        required=["file"],
    ),
)
async def submit(request: Request) -> dict[str, Any]:
    metadata = rest.auth(request)
    stub = rest.stub(request)
    form, upload = await _one_file(request, metadata, ["retentionDays", "priority"])
    async with form.in_use():
        days = rest.retention_days(form.fields.get("retentionDays"))
        prio = rest.priority(form.fields.get("priority"))
        reply = await stub.SubmitDocument(
            pb.SubmitDocumentRequest(file=upload.source, retention_days=days, priority=prio),
            metadata=metadata,
        )
    doc = reply.document
    return {
        "id": doc.id,
        "status": rest.state_name(doc),
        "fileName": doc.file_name,
        "fileSize": doc.size_bytes,
        "retentionDays": doc.retention_days,
        "createdAt": rest.iso(doc.create_time),
    }


@router.get("/api/documents/status/{document_id}", summary="A document's status")
async def status(document_id: str, request: Request) -> dict[str, Any]:
    reply = await rest.stub(request).GetDocument(
        pb.GetDocumentRequest(document_id=document_id), metadata=rest.auth(request)
    )
    return rest.document_status(reply.document)


@router.get("/api/documents/{document_id}", summary="A document's Markdown")
async def content(document_id: str, request: Request, format: str | None = None) -> Response:
    fmt = rest.output_format(format)
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
            body = {"id": doc.id, "status": rest.state_name(doc), "fileName": doc.file_name}
            return JSONResponse(body, status_code=202)
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
        return Response(reply.markdown, media_type=rest.MARKDOWN, headers={"X-Document-Id": doc.id})
    return JSONResponse(
        {"id": doc.id, "content": reply.markdown, "metadata": rest.document_metadata(doc)}
    )


@router.get("/api/documents/{document_id}/original", summary="The original file (streamed)")
async def original(document_id: str, request: Request) -> StreamingResponse:
    call = rest.stub(request).ReadOriginal(
        pb.ReadOriginalRequest(document_id=document_id), metadata=rest.auth(request)
    )
    first = await call.read()  # errors (not found, archived) surface here, before headers
    if first is grpc.aio.EOF or first.WhichOneof("part") != "metadata":
        raise errors.IliosError("The original's stream ended without its metadata.")
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
