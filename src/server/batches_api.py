"""REST: batches — submit many documents, follow progress, download results."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ilios import errors
from ilios.server import messages, rest
from ilios.server.multipart import read_form
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2 as document_pb

router = APIRouter()

BATCH_STATES = {
    pb.BATCH_STATE_QUEUED: "queued",
    pb.BATCH_STATE_PROCESSING: "processing",
    pb.BATCH_STATE_COMPLETED: "completed",
}
DOWNLOAD_FORMATS = ("jsonl", "json")


def _progress(batch: pb.Batch) -> dict[str, int]:
    p = batch.progress
    return {
        "total": p.total,
        "pending": p.pending,
        "processing": p.processing,
        "completed": p.completed,
        "failed": p.failed,
    }


def batch_status(batch: pb.Batch) -> dict[str, Any]:
    done = batch.state == pb.BATCH_STATE_COMPLETED
    return {
        "batchId": batch.id,
        "status": BATCH_STATES.get(batch.state, "unknown"),
        "progress": _progress(batch),
        "priority": batch.priority,
        "retentionDays": batch.retention_days,
        "createdAt": rest.iso(batch.create_time),
        "completedAt": rest.iso(batch.complete_time),
        "downloadUrl": f"/v1/batch/download/{batch.id}" if done else None,
    }


def batch_line(doc: document_pb.Document, markdown: str) -> dict[str, Any]:
    """One document of a download, in the original API's shape."""
    line: dict[str, Any] = {
        "id": doc.id,
        "fileName": doc.file_name,
        "status": messages.DOCUMENT_STATE_NAMES.get(doc.state, "unknown"),
    }
    if doc.state == document_pb.DOCUMENT_STATE_COMPLETED:
        line["content"] = markdown
        line["metadata"] = rest.document_metadata(doc)
    if doc.error.reason:
        line["error"] = doc.error.message
        line["reason"] = doc.error.reason
    return line


@router.post(
    "/v1/batch/submit",
    summary="Queue several documents as one batch",
    openapi_extra=rest.form_schema(
        {
            "files": {"type": "array", "items": rest.FILE},
            "priority": rest.PRIORITY,
            "retentionDays": rest.RETENTION,
        },
        required=["files"],
    ),
)
async def submit(request: Request) -> dict[str, Any]:
    metadata = rest.auth(request)
    stub = rest.stub(request)
    form = await read_form(
        request,
        metadata,
        file_fields=["files", "files[]"],  # files[]: as some form libraries name a list
        text_fields=["priority", "retentionDays"],
        max_files=rest.settings(request).max_batch_files,
        max_file_bytes=rest.settings(request).max_file_size,
    )
    async with form.in_use():
        prio = rest.priority(form.fields.get("priority"))
        days = rest.retention_days(form.fields.get("retentionDays"))
        if not form.files:
            raise errors.EmptyBatch(
                "A batch needs at least one file: send each as a multipart field 'files'."
            )
        reply = await stub.BatchSubmit(
            pb.BatchSubmitRequest(
                files=[f.source for f in form.files], priority=prio, retention_days=days
            ),
            metadata=metadata,
        )
    batch = reply.batch
    return {
        "batchId": batch.id,
        "status": "queued",  # the acknowledgment of a submission, as in the original API
        "totalDocuments": batch.progress.total,
        "documents": [
            {
                "id": d.id,
                "fileName": d.file_name,
                "fileSize": d.size_bytes,
                "status": rest.state_name(d),
                **({"error": d.error.message, "reason": d.error.reason} if d.error.reason else {}),
            }
            for d in reply.documents
        ],
        "statusUrl": f"/v1/batch/status/{batch.id}",
    }


@router.get("/v1/batch/status/{batch_id}", summary="A batch's progress")
async def status(batch_id: str, request: Request) -> dict[str, Any]:
    reply = await rest.stub(request).GetBatch(
        pb.GetBatchRequest(batch_id=batch_id), metadata=rest.auth(request)
    )
    return batch_status(reply.batch)


@router.get("/v1/batch/download/{batch_id}", summary="A finished batch's results (streamed)")
async def download(batch_id: str, request: Request, format: str | None = None) -> StreamingResponse:
    fmt = rest.output_format(format, DOWNLOAD_FORMATS)
    call = rest.stub(request).DownloadBatch(
        pb.DownloadBatchRequest(batch_id=batch_id), metadata=rest.auth(request)
    )
    first = await call.read()  # not found / not ready surface here, before any byte is sent

    async def documents() -> AsyncIterator[pb.DownloadBatchResponse]:
        message = first
        while message is not grpc.aio.EOF:  # read() only: a call cannot mix read and iterate
            yield message
            message = await call.read()

    async def jsonl() -> AsyncIterator[bytes]:
        async for m in documents():
            yield json.dumps(batch_line(m.document, m.markdown)).encode() + b"\n"

    async def json_array() -> AsyncIterator[bytes]:
        yield b'{"batchId": ' + json.dumps(batch_id).encode() + b', "documents": ['
        separator = b""
        async for m in documents():
            yield separator + json.dumps(batch_line(m.document, m.markdown)).encode()
            separator = b",\n"
        yield b"]}\n"

    if fmt == "jsonl":
        body, media = jsonl(), "application/x-ndjson"
    else:
        body, media = json_array(), "application/json"
    disposition = f'attachment; filename="batch-{batch_id}.{fmt}"'
    return StreamingResponse(body, media_type=media, headers={"Content-Disposition": disposition})
