"""Database rows to protobuf messages (and enum names both ways)."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from ilios.database import Row
from ilios.errors import InvalidDate
from ilios.v1 import conversion_service_pb2 as conversion_pb
from ilios.v1 import document_pb2 as document_pb

DOCUMENT_STATES = {
    "pending": document_pb.DOCUMENT_STATE_PENDING,
    "processing": document_pb.DOCUMENT_STATE_PROCESSING,
    "completed": document_pb.DOCUMENT_STATE_COMPLETED,
    "failed": document_pb.DOCUMENT_STATE_FAILED,
    "archived": document_pb.DOCUMENT_STATE_ARCHIVED,
}
DOCUMENT_STATE_NAMES = {v: k for k, v in DOCUMENT_STATES.items()}
JOB_STATES = {
    "pending": document_pb.JOB_STATE_PENDING,
    "processing": document_pb.JOB_STATE_PROCESSING,
    "completed": document_pb.JOB_STATE_COMPLETED,
    "failed": document_pb.JOB_STATE_FAILED,
    "retrying": document_pb.JOB_STATE_RETRYING,
}
ENGINES = {
    "local": document_pb.ENGINE_LOCAL,
    "mistral": document_pb.ENGINE_MISTRAL,
}
ENGINE_NAMES = {v: k for k, v in ENGINES.items()}


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


def document(row: Row) -> document_pb.Document:
    msg = document_pb.Document(
        id=row["id"],
        batch_id=row["batch_id"] or "",
        file_name=row["file_name"],
        mime_type=row["mime_type"],
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        state=DOCUMENT_STATES[row["state"]],
        retention_days=row["retention_days"],
        engine=ENGINES.get(row["engine"], document_pb.ENGINE_UNSPECIFIED),
        model=row["model"],
        page_count=row["page_count"],
        processing_time_ms=row["processing_ms"],
        attempts=row.get("attempts") or 0,
        job_state=JOB_STATES.get(row.get("job_state") or "", document_pb.JOB_STATE_UNSPECIFIED),
        create_time=timestamp(row["created_at"]),
        process_time=timestamp(row["processed_at"]),
        archive_time=timestamp(row["archived_at"]),
    )
    if row["error_reason"]:
        msg.error.reason = row["error_reason"]
        msg.error.message = row["error_message"] or ""
    return msg


def usage(row: Row | None) -> document_pb.ConversionUsage:
    if row is None:
        return document_pb.ConversionUsage()
    return document_pb.ConversionUsage(
        pages=row["pages"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        total_tokens=row["input_tokens"] + row["output_tokens"],
        total_cost_micros=row["total_cost_micros"],
    )


def batch(row: Row, counts: dict[str, int]) -> conversion_pb.Batch:
    total = row["total"]
    done = counts.get("completed", 0) + counts.get("failed", 0) + counts.get("archived", 0)
    started = counts.get("processing", 0) + counts.get("completed", 0)
    if done >= total:
        state = conversion_pb.BATCH_STATE_COMPLETED
    elif started == 0:
        state = conversion_pb.BATCH_STATE_QUEUED
    else:
        state = conversion_pb.BATCH_STATE_PROCESSING
    return conversion_pb.Batch(
        id=row["id"],
        state=state,
        priority=row["priority"],
        retention_days=row["retention_days"],
        progress=conversion_pb.BatchProgress(
            total=total,
            pending=counts.get("pending", 0),
            processing=counts.get("processing", 0),
            completed=counts.get("completed", 0),
            failed=counts.get("failed", 0),
        ),
        create_time=timestamp(row["created_at"]),
        complete_time=timestamp(row["last_processed_at"] if done >= total else None),
    )
