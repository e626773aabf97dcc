"""What the REST routes share: the gRPC stub, auth, parameters and JSON shapes.

The JSON field names are those of the original Ilios API (camelCase), so old
REST integrations keep working.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from google.protobuf.timestamp_pb2 import Timestamp

from ilios import config, errors
from ilios.limits import (
    DEFAULT_PRIORITY,
    MAX_PRIORITY,
    MAX_RETENTION_DAYS,
    MIN_PRIORITY,
    MIN_RETENTION_DAYS,
)
from ilios.v1 import conversion_service_pb2_grpc as pb_grpc
from ilios.v1 import document_pb2 as document_pb

FORMATS = ("markdown", "json")


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
MARKDOWN = "text/markdown; charset=utf-8"


def stub(request: Request) -> pb_grpc.ConversionServiceStub:
    """The app's ConversionService stub (one channel per gateway process)."""
    conversion: pb_grpc.ConversionServiceStub = request.app.state.conversion
    return conversion


def settings(request: Request) -> config.Settings:
    current: config.Settings = request.app.state.settings
    return current


def auth(request: Request) -> list[tuple[str, str]]:
    """gRPC metadata carrying the caller's key, as checked by ``authentication``."""
    metadata: list[tuple[str, str]] = request.state.grpc_metadata
    return metadata


# --- parameters ------------------------------------------------------------------


def _whole(raw: str, error: type[errors.IliosError], lo: int, hi: int) -> int:
    """Plain ASCII digits only: Python's ``int()`` also takes ``1_0``, ``+5``,
    surrounding blanks and other scripts' digits, which no client means."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise error(value=raw)
    value = int(raw)
    if not lo <= value <= hi:
        raise error(value=raw)
    return value


def retention_days(raw: str | None) -> int:
    """retentionDays (``MIN_RETENTION_DAYS``-``MAX_RETENTION_DAYS``); absent means
    the server default (0 on the wire)."""
    if raw is None or raw == "":
        return 0
    return _whole(raw, errors.InvalidRetention, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS)


def priority(raw: str | None) -> int:
    """priority (``MIN_PRIORITY``-``MAX_PRIORITY``); absent means the default (0 on the wire)."""
    if raw is None or raw == "":
        return 0
    return _whole(raw, errors.InvalidPriority, MIN_PRIORITY, MAX_PRIORITY)


def output_format(raw: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    value = (raw or allowed[0]).lower()
    if value not in allowed:
        names = " or ".join(repr(a) for a in allowed)
        raise errors.InvalidFormat(f"format must be {names}.", value=value)
    return value


# --- shapes ------------------------------------------------------------------------


def iso(ts: Timestamp) -> str | None:
    """ISO 8601 UTC with milliseconds, as the original API wrote dates; None if unset."""
    if not ts.seconds and not ts.nanos:
        return None
    return ts.ToDatetime().isoformat(timespec="milliseconds") + "Z"


def state_name(doc: document_pb.Document) -> str:
    return DOCUMENT_STATE_NAMES.get(doc.state, "unknown")


def document_metadata(doc: document_pb.Document) -> dict[str, Any]:
    return {
        "pages": doc.page_count,
        "processingTimeMs": doc.processing_time_ms,
        "model": doc.model,
        "engine": ENGINE_NAMES.get(doc.engine, ""),
        "fileName": doc.file_name,
        "fileSize": doc.size_bytes,
        "mimeType": doc.mime_type,
    }


def document_status(doc: document_pb.Document) -> dict[str, Any]:
    body: dict[str, Any] = {"id": doc.id, "status": state_name(doc), "fileName": doc.file_name}
    if doc.state == document_pb.DOCUMENT_STATE_COMPLETED:
        body["metadata"] = document_metadata(doc)
    if doc.error.reason:
        body["error"] = doc.error.message
        body["reason"] = doc.error.reason
    return body


def error_response(error: errors.IliosError, status: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error.message, "reason": error.reason}
    if error.details:
        body["details"] = error.details
    return JSONResponse(body, status_code=status or error.http_status)


def form_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """OpenAPI for a multipart body that the route parses itself (streamed)."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


FILE = {"type": "string", "format": "binary"}
RETENTION = {"type": "integer", "minimum": MIN_RETENTION_DAYS, "maximum": MAX_RETENTION_DAYS}
PRIORITY = {
    "type": "integer",
    "minimum": MIN_PRIORITY,
    "maximum": MAX_PRIORITY,
    "default": DEFAULT_PRIORITY,
}
