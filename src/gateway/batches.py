"""REST: batches — submit many documents, follow progress, download results."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

import grpc
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse

from ilios import errors
from ilios.gateway import openapi, rest, shapes
from ilios.gateway.forms import read_form
from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2 as document_pb

router = APIRouter(tags=["batches"])
BatchId = Annotated[
    str,
    Path(
        description="The batch's id, as submit answered it.",
        examples=["bat_01jjbq4m7c3v9k2x8r5t6w1y0z"],
    ),
]

DOWNLOAD_FORMATS = ("jsonl", "json")
JSONL = "application/x-ndjson; charset=utf-8"


def batch_status(batch: pb.Batch) -> shapes.BatchStatus:
    done = batch.state == pb.BATCH_STATE_COMPLETED
    return shapes.BatchStatus(
        batchId=batch.id,
        status=shapes.batch_state(batch),
        progress=shapes.progress(batch),
        priority=batch.priority,
        retentionDays=batch.retention_days,
        createdAt=shapes.moment(batch.create_time),
        completedAt=shapes.moment(batch.complete_time),
        downloadUrl=f"/v1/batch/download/{batch.id}" if done else None,
        documents=None,
    )


@router.post(
    "/v1/batch/submit",
    operation_id="submitBatch",
    summary="Queue several documents as one batch",
    status_code=202,
    description=(
        "Each file is a part named `files` (or `files[]`). A file that is empty or not a "
        "type this service converts is no refusal: its document is `failed` at once, with "
        "its reason."
    ),
    openapi_extra=openapi.multipart(
        {
            "files": {
                "type": "array",
                "items": openapi.FILE,
                "minItems": 1,
                "description": "The documents, each a part named `files`: at most "
                "MAX_BATCH_FILES in all.",
            },
            "files[]": {
                "type": "array",
                "items": openapi.FILE,
                "minItems": 1,
                "description": "The same as `files`, as some form libraries name a list.",
            },
            "priority": openapi.PRIORITY,
            "retentionDays": openapi.RETENTION,
            "languages": openapi.LANGUAGES,
        },
        required=[],
        files=("files", "files[]"),
        one_of=("files", "files[]"),
    ),
    response_model=shapes.BatchSubmitted,
    responses={
        202: {
            "description": "Queued.",
            "links": {
                **openapi.links("batch_id", "$response.body#/batchId", *openapi.BATCH_OPERATIONS),
                **openapi.links(
                    "document_id", "$response.body#/documents/0/id", *openapi.DOCUMENT_OPERATIONS
                ),
            },
        },
        **openapi.error_responses(
            *openapi.FORM,
            errors.EmptyBatch,
            errors.InvalidPriority,
            errors.InvalidRetention,
            errors.InvalidLanguages,
            errors.TooManyFiles,
            errors.FileTooLarge,
            errors.StorageUnavailable,
        ),
    },
)
async def submit(request: Request) -> Response:
    metadata = rest.auth(request)
    stub = rest.stub(request)
    form = await read_form(
        request,
        metadata,
        file_fields=["files", "files[]"],  # files[]: as some form libraries name a list
        text_fields=["priority", "retentionDays", "languages"],
        max_files=rest.settings(request).max_batch_files,
        max_file_bytes=rest.settings(request).max_file_size,
    )
    async with form.in_use():
        prio = rest.priority(form.fields.get("priority"))
        days = rest.retention_days(form.fields.get("retentionDays"))
        langs = rest.languages(form.fields.get("languages"))
        if not form.files:
            raise errors.EmptyBatch(
                "A batch needs at least one file: send each as a multipart field 'files'."
            )
        reply = await stub.BatchSubmit(
            pb.BatchSubmitRequest(
                files=[f.source for f in form.files],
                priority=prio,
                retention_days=days,
                languages=langs,
            ),
            metadata=metadata,
        )
    batch = reply.batch
    submitted = shapes.BatchSubmitted(
        batchId=batch.id,
        status="pending",  # the acknowledgment of a submission, as in the original API
        totalDocuments=batch.progress.total,
        documents=[
            shapes.BatchDocument(
                id=d.id,
                fileName=d.file_name,
                fileSize=d.size_bytes,
                status=shapes.state_name(d),
                error=d.error.message or None,
                reason=d.error.reason or None,
            )
            for d in reply.documents
        ],
        statusUrl=f"/v1/batch/status/{batch.id}",
    )
    return rest.json(submitted, status_code=202)


@router.get(
    "/v1/batch/status/{batch_id}",
    operation_id="getBatchStatus",
    summary="A batch's progress",
    description="With `details=true`, each document's status too, in submission order.",
    openapi_extra={
        "parameters": [
            openapi.parameter(
                "details",
                {"type": "boolean", "default": False},
                "Add `documents`: each document's status.",
            )
        ]
    },
    response_model=shapes.BatchStatus,
    responses={
        200: {
            "description": "Its progress.",
            "links": openapi.links("batch_id", "$response.body#/batchId", "downloadBatch"),
        },
        **openapi.error_responses(
            errors.InvalidRequest, errors.DuplicateField, errors.BatchNotFound
        ),
    },
)
async def status(batch_id: BatchId, request: Request) -> Response:
    with_documents = rest.flag(rest.query(request, "details"), "details")
    stub = rest.stub(request)
    reply = await stub.GetBatch(pb.GetBatchRequest(batch_id=batch_id), metadata=rest.auth(request))
    answer = batch_status(reply.batch)
    if with_documents:
        answer.documents = [shapes.document_status(d) async for d in _documents(request, batch_id)]
    return rest.json(answer)


async def _documents(request: Request, batch_id: str) -> AsyncIterator[document_pb.Document]:
    """The batch's documents, oldest first, page by page (ListDocuments)."""
    token = ""
    found: list[document_pb.Document] = []
    while True:
        page = await rest.stub(request).ListDocuments(
            pb.ListDocumentsRequest(batch_id=batch_id, page_size=1000, page_token=token),
            metadata=rest.auth(request),
        )
        found.extend(page.documents)
        token = page.next_page_token
        if not token:
            break
    for doc in reversed(found):  # listed newest first
        yield doc


@router.get(
    "/v1/batch/download/{batch_id}",
    operation_id="downloadBatch",
    response_class=Response,  # its content types are declared below
    summary="A finished batch's results (streamed)",
    description=(
        "`format=jsonl` (default): one JSON object per line, in submission order; "
        "`format=json`: `{batchId, documents: [...]}`. Before every document is done: "
        "400 with the batch's status and progress."
    ),
    openapi_extra={
        "parameters": [
            openapi.parameter(
                "format",
                {"type": "string", "enum": list(DOWNLOAD_FORMATS), "default": "jsonl"},
                "One JSON object per line, or one JSON document.",
            )
        ]
    },
    responses={
        200: {
            "description": "Every document of the batch.",
            "headers": {
                "Content-Disposition": {
                    "description": '`attachment; filename="batch-ID.jsonl"` (or `.json`)',
                    "schema": {"type": "string"},
                }
            },
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": "One line per document, in submission order: each a "
                        "`BatchLine` (every key present, `null` where not set).",
                    },
                    "example": json.dumps(openapi.EXAMPLES[shapes.BatchLine]) + "\n",
                },
                "application/json": {"schema": openapi.ref(shapes.BatchDownload)},
            },
        },
        **openapi.error_responses(
            errors.InvalidFormat,
            errors.DuplicateField,
            errors.BatchNotFound,
            alternatives={400: shapes.BatchNotReady},
        ),
    },
)
async def download(batch_id: BatchId, request: Request) -> Response:
    fmt = rest.output_format(rest.query(request, "format"), DOWNLOAD_FORMATS)
    stub = rest.stub(request)
    metadata = rest.auth(request)
    call = stub.DownloadBatch(pb.DownloadBatchRequest(batch_id=batch_id), metadata=metadata)
    try:
        first = await call.read()  # not found / not ready surface here, before any byte
    except grpc.aio.AioRpcError as exc:
        error = errors.from_rpc_error(exc)
        if not isinstance(error, errors.BatchNotReady):
            raise
        batch = (
            await stub.GetBatch(pb.GetBatchRequest(batch_id=batch_id), metadata=metadata)
        ).batch
        if batch.state != pb.BATCH_STATE_COMPLETED:
            # The original answers 400 {error, status, progress}.
            not_ready = shapes.BatchNotReady(
                error="The batch is still being processed: "
                "download it once every document is done.",
                reason="BATCH_NOT_READY",
                status=shapes.batch_state(batch),
                progress=shapes.progress(batch),
            )
            return rest.json(not_ready, status_code=400)
        # It was done by the time its status was read: not "not ready" with status completed.
        call = stub.DownloadBatch(pb.DownloadBatchRequest(batch_id=batch_id), metadata=metadata)
        first = await call.read()

    async def documents() -> AsyncIterator[pb.DownloadBatchResponse]:
        message = first
        while message is not grpc.aio.EOF:  # read() only: a call cannot mix read and iterate
            yield message
            message = await call.read()

    async def jsonl() -> AsyncIterator[bytes]:
        async for m in documents():
            yield shapes.batch_line(m.document, m.markdown).model_dump_json().encode() + b"\n"

    async def json_array() -> AsyncIterator[bytes]:
        yield b'{"batchId": ' + json.dumps(batch_id).encode() + b', "documents": ['
        separator = b""
        async for m in documents():
            yield separator + shapes.batch_line(m.document, m.markdown).model_dump_json().encode()
            separator = b",\n"
        yield b"]}\n"

    if fmt == "jsonl":
        body, media = jsonl(), JSONL
    else:
        body, media = json_array(), "application/json"
    disposition = f'attachment; filename="batch-{batch_id}.{fmt}"'
    return StreamingResponse(body, media_type=media, headers={"Content-Disposition": disposition})
