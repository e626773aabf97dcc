"""The store's rows to protobuf messages (and enums both ways)."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from ilios.errors import InvalidDate
from ilios.limits import Engine
from ilios.store import Batch, Charge, Document, DocumentState, JobState
from ilios.v1 import conversion_service_pb2 as conversion_pb
from ilios.v1 import document_pb2 as document_pb

DOCUMENT_STATES = {
    DocumentState.PENDING: document_pb.DOCUMENT_STATE_PENDING,
    DocumentState.PROCESSING: document_pb.DOCUMENT_STATE_PROCESSING,
    DocumentState.COMPLETED: document_pb.DOCUMENT_STATE_COMPLETED,
    DocumentState.FAILED: document_pb.DOCUMENT_STATE_FAILED,
    DocumentState.ARCHIVED: document_pb.DOCUMENT_STATE_ARCHIVED,
}
DOCUMENT_STATE_NAMES = {v: k for k, v in DOCUMENT_STATES.items()}
JOB_STATES = {
    JobState.PENDING: document_pb.JOB_STATE_PENDING,
    JobState.PROCESSING: document_pb.JOB_STATE_PROCESSING,
    JobState.COMPLETED: document_pb.JOB_STATE_COMPLETED,
    JobState.FAILED: document_pb.JOB_STATE_FAILED,
    JobState.RETRYING: document_pb.JOB_STATE_RETRYING,
}
# The engines the contract names (scripted, for tests, has no value of its own).
ENGINES: dict[str, document_pb.Engine] = {
    Engine.LOCAL: document_pb.ENGINE_LOCAL,
    Engine.MISTRAL: document_pb.ENGINE_MISTRAL,
}
ENGINE_NAMES = {v: k for k, v in ENGINES.items()}
# A batch is done when none of its documents can change any more.
FINISHED = (DocumentState.COMPLETED, DocumentState.FAILED, DocumentState.ARCHIVED)


# google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
MIN_TIMESTAMP_S = -62_135_596_800
MAX_TIMESTAMP_S = 253_402_300_799


def millis(ts: Timestamp, field: str) -> int:
    """A request's timestamp in milliseconds; INVALID_DATE outside Timestamp's range."""
    if not (MIN_TIMESTAMP_S <= ts.seconds <= MAX_TIMESTAMP_S and 0 <= ts.nanos < 10**9):
        raise InvalidDate(
            f"{field} must be between 0001-01-01 and 9999-12-31 (google.protobuf.Timestamp).",
            **{field: f"{ts.seconds}s {ts.nanos}ns"},
        )
    return ts.seconds * 1000 + ts.nanos // 1_000_000


def timestamp(ms: int | None) -> Timestamp | None:
    if ms is None:
        return None
    ts = Timestamp()
    ts.FromMilliseconds(ms)
    return ts


def document(doc: Document) -> document_pb.Document:
    msg = document_pb.Document(
        id=doc.id,
        batch_id=doc.batch_id or "",
        file_name=doc.file_name,
        mime_type=doc.mime_type,
        size_bytes=doc.size_bytes,
        sha256=doc.sha256,
        state=DOCUMENT_STATES[doc.state],
        retention_days=doc.retention_days,
        engine=ENGINES.get(doc.engine, document_pb.ENGINE_UNSPECIFIED),
        model=doc.model,
        page_count=doc.page_count,
        processing_time_ms=doc.processing_ms,
        attempts=doc.attempts,
        job_state=(
            document_pb.JOB_STATE_UNSPECIFIED
            if doc.job_state is None
            else JOB_STATES[doc.job_state]
        ),
        create_time=timestamp(doc.created_at),
        process_time=timestamp(doc.processed_at),
        archive_time=timestamp(doc.archived_at),
        languages=[code for code in doc.languages.split(",") if code],
    )
    if doc.error_reason:
        msg.error.reason = doc.error_reason
        msg.error.message = doc.error_message or ""
    return msg


def usage(charge: Charge | None) -> document_pb.ConversionUsage:
    if charge is None:
        return document_pb.ConversionUsage()
    return document_pb.ConversionUsage(
        pages=charge.pages,
        input_tokens=charge.input_tokens,
        output_tokens=charge.output_tokens,
        total_tokens=charge.input_tokens + charge.output_tokens,
        total_cost_micros=charge.total_cost_micros,
    )


def batch(row: Batch) -> conversion_pb.Batch:
    counts = row.counts
    total = row.total
    done = sum(counts.get(s, 0) for s in FINISHED)
    started = counts.get(DocumentState.PROCESSING, 0) + counts.get(DocumentState.COMPLETED, 0)
    if done >= total:
        state = conversion_pb.BATCH_STATE_COMPLETED
    elif started == 0:
        state = conversion_pb.BATCH_STATE_QUEUED
    else:
        state = conversion_pb.BATCH_STATE_PROCESSING
    return conversion_pb.Batch(
        id=row.id,
        state=state,
        priority=row.priority,
        retention_days=row.retention_days,
        progress=conversion_pb.BatchProgress(
            total=total,
            pending=counts.get(DocumentState.PENDING, 0),
            processing=counts.get(DocumentState.PROCESSING, 0),
            completed=counts.get(DocumentState.COMPLETED, 0),
            failed=counts.get(DocumentState.FAILED, 0),
        ),
        create_time=timestamp(row.created_at),
        complete_time=timestamp(row.last_processed_at if done >= total else None),
    )
