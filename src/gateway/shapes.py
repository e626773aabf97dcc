"""The JSON the REST routes answer, as the original Ilios API's code shapes it.

Each answer is a pydantic model: the routes build them from the gRPC replies,
and the OpenAPI document (``/openapi.json``) describes exactly these. Field
names are the original's (camelCase). A key the original sends with ``null``
is always sent, ``null`` or not, so ``line["error"]`` never raises; fields
beyond the original's (``reason``, micro-dollar amounts) are additions only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ilios.v1 import conversion_service_pb2 as pb
from ilios.v1 import document_pb2 as document_pb

DocumentStatusName = Literal["pending", "processing", "completed", "failed", "archived"]
BatchStatusName = Literal["pending", "processing", "completed", "failed"]


def iso(moment: dt.datetime) -> str:
    """ISO 8601 UTC with milliseconds, as the original API wrote dates."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


DateTime = Annotated[
    dt.datetime,
    PlainSerializer(iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Shape):
    """Every error: a message a person can act on, and a stable reason."""

    error: str = Field(examples=["No document has this id."])
    reason: str = Field(examples=["DOCUMENT_NOT_FOUND"])
    details: dict[str, str] | None = None


class DocumentMetadata(Shape):
    pages: int
    processingTimeMs: int
    model: str
    engine: str
    fileName: str
    fileSize: int
    mimeType: str


class DocumentStatus(Shape):
    """A document's status (``/api/documents/status/{id}``, and in batch details)."""

    id: str
    status: DocumentStatusName
    fileName: str
    fileSize: int
    createdAt: DateTime | None
    processedAt: DateTime | None
    downloadUrl: str
    metadata: DocumentMetadata | None = Field(description="Set once completed.")
    error: str | None = Field(description="Set when failed.")
    reason: str | None = Field(description="The stable reason of ``error``.")


class DocumentContent(Shape):
    """A converted document as JSON (``/api/documents/{id}?format=json``)."""

    id: str
    content: str
    fileName: str
    fileSize: int
    createdAt: DateTime | None
    processedAt: DateTime | None
    downloadUrl: str
    metadata: DocumentMetadata


class DocumentWaiting(Shape):
    """202: the document is not converted yet."""

    id: str
    status: DocumentStatusName
    fileName: str


class DocumentFailed(Shape):
    """500: the conversion failed (as the original answers it)."""

    id: str
    status: Literal["failed"]
    error: str
    reason: str


class Submitted(Shape):
    """A queued document (``/api/documents/submit``, ``upload-complete``)."""

    id: str
    status: DocumentStatusName
    fileName: str
    fileSize: int
    retentionDays: int
    createdAt: DateTime | None


class ConvertMetadata(Shape):
    model: str
    extractedPages: int
    processingTimeMs: int
    fileName: str
    fileSize: int
    mimeType: str


class TokenUsage(Shape):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Converted(Shape):
    """``/v1/convert`` with ``format=json``."""

    id: str
    content: str
    metadata: ConvertMetadata
    usage: TokenUsage
    downloadUrl: str


class Progress(Shape):
    total: int
    pending: int
    processing: int
    completed: int
    failed: int


class BatchDocument(Shape):
    id: str
    fileName: str
    fileSize: int
    status: DocumentStatusName
    error: str | None
    reason: str | None


class BatchSubmitted(Shape):
    """202: the batch is queued."""

    batchId: str
    status: Literal["pending"]
    totalDocuments: int
    documents: list[BatchDocument]
    statusUrl: str


class BatchStatus(Shape):
    batchId: str
    status: BatchStatusName
    progress: Progress
    priority: int
    retentionDays: int
    createdAt: DateTime | None
    completedAt: DateTime | None
    downloadUrl: str | None = Field(description="Set once every document is done.")
    documents: list[DocumentStatus] | None = Field(
        None, description="Each document's status, with ``?details=true``."
    )


class BatchNotReady(Shape):
    """400: a download before every document is done (as the original answers it)."""

    error: str
    reason: Literal["BATCH_NOT_READY"]
    status: BatchStatusName
    progress: Progress


class BatchLine(Shape):
    """One document of a batch download (a JSONL line, or an element of ``documents``)."""

    id: str
    fileName: str
    status: DocumentStatusName
    content: str | None
    metadata: DocumentMetadata | None
    error: str | None
    reason: str | None
    processedAt: DateTime | None


class BatchDownload(Shape):
    """``format=json``: every document of the batch, in submission order."""

    batchId: str
    documents: list[BatchLine]


class UsageTotals(Shape):
    totalDocuments: int
    totalOperations: int
    totalPages: int
    totalInputTokens: int
    totalOutputTokens: int
    totalBaseCostMicros: int
    totalCostMicros: int
    totalCostCents: int
    totalCostUSD: float


class UsageFilters(Shape):
    startDate: DateTime | None
    endDate: DateTime | None


class UsageSummary(UsageTotals):
    """The totals under ``summary`` (as the original's code answers) and, for
    clients written against its README, at the top level too."""

    summary: UsageTotals
    filters: UsageFilters


class OperationUsage(Shape):
    """The original's breakdown item: one per operation."""

    operation: str
    count: int
    totalPages: int
    totalInputTokens: int
    totalOutputTokens: int
    totalCostMicros: int
    totalCostCents: int
    totalCostUSD: float


class DayUsage(Shape):
    """Usage of one UTC day, engine and API key."""

    date: str = Field(json_schema_extra={"format": "date"})
    engine: str
    apiKeyId: str
    documents: int
    operations: int
    pages: int
    inputTokens: int
    outputTokens: int
    baseCostMicros: int
    costMicros: int
    costCents: int


class UsageBreakdown(Shape):
    breakdown: list[OperationUsage]
    byDay: list[DayUsage]
    filters: UsageFilters


class Health(Shape):
    status: Literal["healthy", "unhealthy"]
    timestamp: DateTime
    services: dict[str, Literal["up", "down"]]


class Index(Shape):
    """``/``: where the documentation is, and every endpoint."""

    name: str
    docs: str
    openapi: str
    endpoints: list[str]


class UploadUrl(Shape):
    """Where to PUT a file's bytes, then complete the upload."""

    id: str
    uploadUrl: str
    s3Key: str
    expiresIn: int = Field(description="Seconds the URL stays valid.")


# --- from gRPC replies -------------------------------------------------------------------


def _names(enum: object, prefix: str) -> dict[int, str]:
    """An enum's values by their lower-case names without the prefix (proto to JSON)."""
    return {
        number: name.removeprefix(prefix).lower()
        for name, number in enum.items()  # type: ignore[attr-defined]
        if not name.endswith("_UNSPECIFIED")
    }


# As the original API and the server's records spell them: "completed", "mistral".
DOCUMENT_STATE_NAMES = _names(document_pb.DocumentState, "DOCUMENT_STATE_")
ENGINE_NAMES = _names(document_pb.Engine, "ENGINE_")


def moment(ts: Timestamp) -> dt.datetime | None:
    """A protobuf timestamp as an aware UTC datetime; None if unset."""
    if not ts.seconds and not ts.nanos:
        return None
    return ts.ToDatetime(tzinfo=dt.UTC)


def state_name(doc: document_pb.Document) -> DocumentStatusName:
    return DOCUMENT_STATE_NAMES.get(doc.state, "pending")  # type: ignore[return-value]


def download_url(doc_id: str) -> str:
    return f"/api/documents/{doc_id}"


def metadata(doc: document_pb.Document) -> DocumentMetadata:
    return DocumentMetadata(
        pages=doc.page_count,
        processingTimeMs=doc.processing_time_ms,
        model=doc.model,
        engine=ENGINE_NAMES.get(doc.engine, ""),
        fileName=doc.file_name,
        fileSize=doc.size_bytes,
        mimeType=doc.mime_type,
    )


def document_status(doc: document_pb.Document) -> DocumentStatus:
    completed = doc.state == document_pb.DOCUMENT_STATE_COMPLETED
    return DocumentStatus(
        id=doc.id,
        status=state_name(doc),
        fileName=doc.file_name,
        fileSize=doc.size_bytes,
        createdAt=moment(doc.create_time),
        processedAt=moment(doc.process_time),
        downloadUrl=download_url(doc.id),
        metadata=metadata(doc) if completed else None,
        error=doc.error.message or None,
        reason=doc.error.reason or None,
    )


def submitted(doc: document_pb.Document) -> Submitted:
    return Submitted(
        id=doc.id,
        status=state_name(doc),
        fileName=doc.file_name,
        fileSize=doc.size_bytes,
        retentionDays=doc.retention_days,
        createdAt=moment(doc.create_time),
    )


def progress(batch: pb.Batch) -> Progress:
    p = batch.progress
    return Progress(
        total=p.total,
        pending=p.pending,
        processing=p.processing,
        completed=p.completed,
        failed=p.failed,
    )


def batch_state(batch: pb.Batch) -> BatchStatusName:
    """The original's batch statuses: ``failed`` when every document failed."""
    if batch.state == pb.BATCH_STATE_COMPLETED:
        failed_all = batch.progress.total > 0 and batch.progress.failed == batch.progress.total
        return "failed" if failed_all else "completed"
    return "processing" if batch.state == pb.BATCH_STATE_PROCESSING else "pending"


def batch_line(doc: document_pb.Document, markdown: str) -> BatchLine:
    completed = doc.state == document_pb.DOCUMENT_STATE_COMPLETED
    return BatchLine(
        id=doc.id,
        fileName=doc.file_name,
        status=state_name(doc),
        content=markdown if completed else None,
        metadata=metadata(doc) if completed else None,
        error=doc.error.message or None,
        reason=doc.error.reason or None,
        processedAt=moment(doc.process_time),
    )
